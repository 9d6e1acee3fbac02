"""§4.1 Acquisition: a candidate from market research through evaluation,
management's decision and tracking to a qualification in review."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import Clock, Env, approved, ask, events, run, start_all  # noqa: E402


def test_acquisition_from_candidate_to_review():
    env = Env()
    try:
        Clock(env, "2026-06-01T02:00:00")
        start_all(env)
        c = env.client()
        cand = {"name": "建筑工程施工总承包二级", "category": "construction-general",
                "industry": "construction", "authority": "安徽省住房和城乡建设厅",
                "source": "合肥市住建局政策新闻 2026-05"}
        assert c.call("candidate.add", cand, role="sales")[0] == 403
        status, body = c.call("candidate.add", cand, role="market")
        assert status == 200, body
        cid = body["result"]["id"]
        # Management decides only on an evaluated candidate, and only management decides.
        assert c.call("candidate.decide", {"candidate_id": cid, "decision": "acquire"},
                      role="management")[0] == 409
        evaluation = {"candidate_id": cid, "legality": "合法", "market_demand": "高",
                      "potential_value": "约 18 万元", "report": "建议收购"}
        assert c.call("candidate.evaluate", evaluation, role="review")[0] == 200
        assert c.call("candidate.decide", {"candidate_id": cid, "decision": "acquire"},
                      role="admin")[0] == 403
        assert c.call("candidate.decide", {"candidate_id": cid, "decision": "acquire"},
                      role="sales")[0] == 403
        assert ask(env, "candidate.show", {"candidate_id": cid})["state"] == "evaluated"
        status, body = c.call("candidate.decide", {"candidate_id": cid, "decision": "acquire",
                                                   "note": "同意"}, role="management")
        assert status == 200 and body["result"]["state"] == "acquiring", body
        assert c.call("candidate.track", {"candidate_id": cid, "via": "agency",
                                          "progress": "x"}, role="review")[0] == 400
        status, body = c.call("candidate.track", {"candidate_id": cid, "via": "agency",
                                                  "agency": "合肥某代理公司", "progress": "材料已提交",
                                                  "blocker": "缺少社保证明"}, role="review")
        assert status == 200 and body["result"]["progress"][0]["blocker"] == "缺少社保证明"
        assert len(events(env, "acquisition.blocked")) == 1
        status, body = c.call("candidate.acquire", {
            "candidate_id": cid, "cert_no": "D234000001", "scope": "建筑工程施工总承包二级",
            "issued": "2025-01-01", "expires": "2030-01-01", "acquisition_cost": 100000,
            "expected_revenue": 180000}, role="review")
        assert status == 200, body
        qid = body["result"]["qualification_id"]
        assert approved(env, qid), "acquired qualification not reviewed and approved"
        assert c.call("candidate.show", {"candidate_id": cid})[1]["result"]["state"] == "acquired"
    finally:
        env.close()


if __name__ == "__main__":
    run("s4_1_acquisition", [
        test_acquisition_from_candidate_to_review,
    ])
