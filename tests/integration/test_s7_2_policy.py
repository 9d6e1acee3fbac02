"""§7.2 Responses to a policy change: a recorded policy suspends the
category's qualifications (stop selling) and fails their legal review,
waits for its effective date when it has one, and lifting it clears every
suspension it caused and reviews the approved ones again."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import (BIN, GOOD, Clock, Env, add_approved, approved, events, run,  # noqa: E402
                       running, start_all, state, wait_for)


def test_policy_change_suspends_then_lift_reviews_again():
    env = Env()
    try:
        Clock(env, "2026-06-01T02:00:00")
        start_all(env)
        c = env.client()
        ids = []
        for name in ("p1", "p2"):
            qid = c.call("qual.add", dict(GOOD, name=name), role="review")[1]["result"]["id"]
            c.call("qual.submit", {"id": qid}, role="review")
            ids.append(qid)
        other = c.call("qual.add", dict(GOOD, category="security-permit", scope="安全生产许可证"),
                       role="review")
        other_id = other[1]["result"]["id"]
        c.call("qual.submit", {"id": other_id}, role="review")
        for qid in ids + [other_id]:
            assert approved(env, qid), qid
        assert c.call("policy.record", {"category": "construction-general", "description": "x",
                                        "effective": "2026-06-01"}, role="sales")[0] == 403
        status, body = c.call("policy.record", {"category": "construction-general",
                                                "description": "资质标准调整",
                                                "effective": "2026-06-01"}, role="legal")
        assert status == 200, body
        pid = body["result"]["id"]
        # The legal worker reacts to policy.changed and suspends both.
        assert wait_for(lambda: len(events(env, "qualification.suspended")) == 2, 10)
        assert all(p["recipients"] == ["sales"]
                   for p in events(env, "qualification.suspended"))
        sellable = [x["id"] for x in c.call("qual.list", {"sellable": True})[1]["result"]["items"]]
        assert sellable == [other_id], sellable
        for qid in ids:
            q = c.call("qual.get", {"id": qid})[1]["result"]
            assert q["suspended"] is True and q["sellable"] is False, q
        # While the policy is active a resubmission fails the legal review.
        # Lifting it sends both to a new review, whose approval reinstates them.
        status, body = c.call("policy.lift", {"policy_id": pid}, role="management")
        assert status == 200 and sorted(body["result"]["reviewed"]) == ids, body
        assert c.call("policy.lift", {"policy_id": pid}, role="legal")[0] == 409
        assert wait_for(lambda: len(events(env, "qualification.reinstated")) == 2, 20)
        for qid in ids:
            q = c.call("qual.get", {"id": qid})[1]["result"]
            assert q["state"] == "approved" and q["suspended"] is False and q["sellable"], q
            assert q["round"] == 2
        policies = c.call("policy.list", {})[1]["result"]["items"]
        assert policies[0]["state"] == "lifted"
    finally:
        env.close()


def test_active_policy_fails_legal_review():
    env = Env()
    try:
        Clock(env, "2026-06-01T02:00:00")
        start_all(env)
        c = env.client()
        assert c.call("policy.record", {"category": "construction-general", "description": "halt",
                                        "effective": "2026-06-01"}, role="legal")[0] == 200
        qid = c.call("qual.add", GOOD, role="review")[1]["result"]["id"]
        c.call("qual.submit", {"id": qid}, role="review")
        assert wait_for(lambda: state(env, qid) == "rectification", 20)
        q = c.call("qual.get", {"id": qid})[1]["result"]
        legal = [r for r in q["reviews"] if r["department"] == "legal"][0]
        assert legal["verdict"] == "fail" and any("policy" in f for f in legal["findings"]), legal
    finally:
        env.close()


def test_policy_waits_for_its_effective_date():
    with running("2026-12-01T02:00:00") as (env, clock, c):
        qid = add_approved(env, c)
        status, body = c.call("policy.record", {"category": "construction-general",
                                                "description": "资质标准调整",
                                                "effective": "2027-06-01"}, role="legal")
        assert status == 200 and body["result"]["state"] == "pending", body
        pid = body["result"]["id"]
        # Nothing happens before the date: no policy.changed, no suspension.
        assert events(env, "policy.changed") == []
        assert [p["policy"]["id"] for p in events(env, "policy.scheduled")] == [pid]
        pending = c.call("policy.list", {"state": "pending"})[1]["result"]["items"]
        assert [p["id"] for p in pending] == [pid], pending
        text = subprocess.run([os.path.join(BIN, "qualflow"), "-c", env.conf, "policy", "list",
                               "--state", "pending"], capture_output=True, text=True,
                              timeout=30).stdout
        assert re.search(r"(?m)^%d +construction-general +pending +2027-06-01" % pid, text), text
        status, body = c.call("policy.apply", {"policy_id": pid}, role="legal")
        assert status == 409 and "2027-06-01" in body["error"]["message"], body
        q = c.call("qual.get", {"id": qid})[1]["result"]
        assert q["suspended"] is False and q["sellable"] is True, q
        # A second one, lifted before its date, never takes effect.
        other = c.call("policy.record", {"category": "security-permit", "description": "x",
                                         "effective": "2027-06-01"}, role="legal")[1]["result"]
        status, body = c.call("policy.lift", {"policy_id": other["id"]}, role="management")
        assert status == 200, body
        # Durable: the timer survives a restart.
        env.kill_daemon(signal.SIGTERM)
        clock.set("2027-05-31T15:58:00")  # 23:58 in Shanghai, the day before
        env.start_daemon()
        c = env.client()
        assert c.call("policy.list", {"state": "pending"})[1]["result"]["items"][0]["id"] == pid
        clock.set("2027-05-31T16:00:01")  # 00:00:01 on 2027-06-01 in Shanghai
        assert wait_for(lambda: len(events(env, "policy.changed")) == 1, 10)
        assert events(env, "policy.changed")[0]["policy"]["id"] == pid
        # The legal worker applies it: the category is suspended from its date.
        assert wait_for(lambda: len(events(env, "qualification.suspended")) == 1, 10)
        q = c.call("qual.get", {"id": qid})[1]["result"]
        assert q["suspended"] is True and q["sellable"] is False, q
        states = {p["id"]: p["state"] for p in c.call("policy.list", {})[1]["result"]["items"]}
        assert states == {pid: "active", other["id"]: "lifted"}, states
        time.sleep(0.3)  # one more timer pass: the lifted one stays silent
        assert len(events(env, "policy.changed")) == 1


def test_lift_clears_suspension_whatever_the_state():
    with running("2026-06-01T02:00:00") as (env, clock, c):
        sold = add_approved(env, c)
        # Revenue equal to cost: finance fails it, so it is in rectification.
        status, body = c.call("qual.add", dict(GOOD, cert_no="D234000002",
                                               expected_revenue=100000), role="review")
        assert status == 200, body
        fixing = body["result"]["id"]
        assert c.call("qual.submit", {"id": fixing}, role="review")[0] == 200
        assert wait_for(lambda: state(env, fixing) == "rectification", 20)
        status, body = c.call("policy.record", {"category": "construction-general",
                                                "description": "资质标准调整",
                                                "effective": "2026-06-01"}, role="legal")
        assert status == 200 and body["result"]["state"] == "active", body
        pid = body["result"]["id"]
        assert wait_for(lambda: len(events(env, "qualification.suspended")) == 2, 10)
        for qid in (sold, fixing):
            assert c.call("qual.get", {"id": qid})[1]["result"]["suspended"] is True
        status, body = c.call("policy.lift", {"policy_id": pid}, role="management")
        assert status == 200, body
        q = c.call("qual.get", {"id": fixing})[1]["result"]
        assert q["state"] == "rectification" and q["suspended"] is False, q
        assert body["result"]["reviewed"] == [sold], body
        assert sorted(body["result"]["unsuspended"]) == sorted([sold, fixing]), body
        # The approved one is reviewed again, and its approval reinstates it.
        assert wait_for(lambda: len(events(env, "qualification.reinstated")) == 1, 20)
        reinstated = events(env, "qualification.reinstated")[0]
        assert reinstated["qualification_id"] == sold and reinstated["policy_id"] == pid
        q = c.call("qual.get", {"id": sold})[1]["result"]
        assert q["state"] == "approved" and q["suspended"] is False and q["sellable"], q


if __name__ == "__main__":
    run("s7_2_policy", [
        test_policy_change_suspends_then_lift_reviews_again,
        test_active_policy_fails_legal_review,
        test_policy_waits_for_its_effective_date,
        test_lift_clears_suspension_whatever_the_state,
    ])
