"""§4.2 Review: a department's verdict that a person must confirm, the review
report once every department has a final verdict, and rejection by
management only."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import GOOD, Clock, Env, ask, events, run, start_all, state, wait_for  # noqa: E402


def test_person_confirms_review_report_and_rejection():
    env = Env({"review_confirmed_by_person": "[finance]"})
    try:
        Clock(env, "2026-06-01T02:00:00")
        start_all(env)
        c = env.client()
        qid = c.call("qual.add", GOOD, role="review")[1]["result"]["id"]
        c.call("qual.submit", {"id": qid}, role="review")
        # Legal and technical verdicts stand; finance's waits for a person.
        assert wait_for(lambda: len(events(env, "qualification.review_proposed")) == 1, 10)
        assert wait_for(lambda: [r["status"] for r in ask(env, "qual.get", {"id": qid})["reviews"]]
                        .count("final") == 2, 10)
        time.sleep(0.3)
        assert state(env, qid) == "in_review"
        status, body = c.call("qual.report", {"id": qid})
        assert status == 409 and "2 of 3" in body["error"]["message"], body
        decide = {"qualification_id": qid, "round": 1, "department": "finance", "verdict": "pass",
                  "note": "确认"}
        assert c.call("review.decide", decide, role="legal")[0] == 403
        status, body = c.call("review.decide", decide, role="finance")
        assert status == 200 and body["result"]["qualification"]["state"] == "approved", body
        assert c.call("review.decide", decide, role="finance")[0] == 409
        status, body = c.call("qual.report", {"id": qid})
        assert status == 200 and body["result"]["outcome"] == "approved", body
        assert [r["status"] for r in body["result"]["reviews"]] == ["final"] * 3
        # An approved qualification is neither corrected nor rejected.
        status, body = c.call("qual.rectify", {"id": qid, "scope": "x"}, role="review")
        assert status == 409 and "is approved" in body["error"]["message"], body
        assert c.call("qual.reject", {"id": qid, "reason": "r"}, role="management")[0] == 409
        # A failing one: rectification, then rejection by management only.
        bad = c.call("qual.add", dict(GOOD, cert_no="X1"), role="review")[1]["result"]["id"]
        c.call("qual.submit", {"id": bad}, role="review")
        assert wait_for(lambda: state(env, bad) == "rectification", 10)
        assert c.call("qual.reject", {"id": bad, "reason": "证书无法核实"}, role="sales")[0] == 403
        status, body = c.call("qual.reject", {"id": bad, "reason": "证书无法核实"},
                              role="management")
        assert status == 200 and body["result"]["state"] == "rejected", body
        assert c.call("qual.submit", {"id": bad}, role="review")[0] == 409
    finally:
        env.close()


if __name__ == "__main__":
    run("s4_2_review", [
        test_person_confirms_review_report_and_rejection,
    ])
