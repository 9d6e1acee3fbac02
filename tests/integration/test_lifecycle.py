"""Expiry and renewal (§4.3) with real processes and the test clock: a year
of durable timers in seconds. The daemon and the workers read time through
qf_time_now_ms(), which the test-only QUALFLOW_TEST_CLOCK_FILE overrides."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import (GOOD, Clock, Env, Worker, approved, ask, event_records,  # noqa: E402
                       events, group, ms, run, state, states, wait_for)


def start_all(env):
    env.start_daemon()
    for w in ("legal", "finance", "technical", "renewal"):
        env.start_worker(w)


def test_reminders_holiday_expiry_renewal_and_downtime():
    env = Env()
    try:
        clock = Clock(env, "2026-06-01T02:00:00")
        start_all(env)
        c = env.client()
        # 90 days before 2027-01-03 is 2026-10-05, inside the National Day holiday.
        status, body = c.call("qual.add", dict(GOOD, expires="2027-01-03"), role="review")
        assert status == 200, body
        qid = body["result"]["id"]
        assert c.call("qual.submit", {"id": qid}, role="review")[0] == 200
        assert approved(env, qid), states(env)
        q = c.call("qual.get", {"id": qid})[1]["result"]
        assert q["sellable"] is True, q
        dues = [(t["kind"], t["lead_days"], t["due"]) for t in q["timers"]]
        want = [("expiring", 90, ms("2026-09-30T01:00:00")),   # holiday: previous working day
                ("expiring", 60, ms("2026-11-04T01:00:00")),
                ("expiring", 30, ms("2026-12-04T01:00:00")),
                ("expiring", 7, ms("2026-12-25T01:00:00")),    # Sunday -> Friday
                ("expired", 0, ms("2027-01-02T16:00:00"))]     # 00:00 in Shanghai
        assert dues == want, dues
        assert c.call("status")[1]["result"]["next_timer_due"] == want[0][2]
        sellable = c.call("qual.list", {"sellable": True})[1]["result"]["items"]
        assert [x["id"] for x in sellable] == [qid]

        urgencies = []
        for when, lead in (("2026-09-30T01:00:01", 90), ("2026-11-04T01:00:01", 60),
                           ("2026-12-04T01:00:01", 30), ("2026-12-25T01:00:01", 7)):
            clock.set(when)
            assert wait_for(lambda: len(events(env, "renewal.reminder")) == len(urgencies) + 1, 10), \
                "no reminder %d days before" % lead
            expiring = events(env, "certificate.expiring")[-1]
            assert expiring["lead_days"] == lead and expiring["late"] is False, expiring
            reminder = events(env, "renewal.reminder")[-1]
            assert reminder["recipients"] == ["custodian", "management"], reminder
            urgencies.append(reminder["urgency"])
        print("# urgencies: %s" % urgencies)
        order = ["normal", "high", "urgent", "critical"]
        assert [order.index(u) for u in urgencies] == sorted(order.index(u) for u in urgencies)
        assert urgencies[0] == "normal" and urgencies[-1] in ("high", "urgent")
        cases = c.call("renewal.list", {"state": "open"})[1]["result"]["items"]
        assert len(cases) == 1 and cases[0]["qualification_id"] == qid, cases
        # 9 days left: approved but no longer sellable (minimum 180 days).
        q = c.call("qual.get", {"id": qid})[1]["result"]
        assert q["state"] == "approved" and q["sellable"] is False, q
        assert c.call("qual.list", {"sellable": True})[1]["result"]["items"] == []

        clock.set("2027-01-02T16:00:01")
        assert wait_for(lambda: len(events(env, "certificate.expired")) == 1, 10)
        assert wait_for(lambda: len(events(env, "renewal.reminder")) == 5, 10)
        reminder = events(env, "renewal.reminder")[-1]
        assert reminder["urgency"] == "critical" and "sales" in reminder["recipients"], reminder
        assert state(env, qid) == "expired"

        # Renewal: a new expiry date, reviewed again, approved, sellable again.
        assert c.call("qual.renew", {"id": qid, "expires": "2026-12-01"}, role="review")[0] == 400
        status, body = c.call("qual.renew", {"id": qid, "expires": "2030-01-03"}, role="review")
        assert status == 200 and body["result"]["state"] == "in_review", body
        assert body["result"]["round"] == 2
        assert approved(env, qid), "renewed qualification not approved again"
        q = c.call("qual.get", {"id": qid})[1]["result"]
        assert q["sellable"] is True and q["expires"] == "2030-01-03", q
        assert [r for r in q["reviews"] if r["round"] == 2 and r["verdict"] == "pass"].__len__() == 3
        assert c.call("renewal.list", {"state": "open"})[1]["result"]["items"] == []
        pending = [t for t in q["timers"] if t["state"] == "pending"]
        assert len(pending) == 5 and all(t["due"] > ms("2029-01-01T00:00:00") for t in pending)
        assert c.call("qual.renew", {"id": qid, "expires": "2031-01-01"}, role="sales")[0] == 403

        # Downtime: two reminders missed while the daemon is down fire once
        # each at start-up, marked late.
        before = len(events(env, "certificate.expiring"))
        env.kill_daemon()
        clock.set("2029-11-20T03:00:00")
        env.start_daemon()
        assert wait_for(lambda: len(events(env, "certificate.expiring")) == before + 2, 10)
        time.sleep(0.5)
        fired = events(env, "certificate.expiring")[before:]
        assert len(fired) == 2, fired
        assert [f["lead_days"] for f in fired] == [90, 60] and all(f["late"] for f in fired), fired
        log = open(os.path.join(env.dir, "daemon.log")).read()
        assert "fired late" in log
    finally:
        env.close()


def test_changing_expiry_moves_timers():
    env = Env()
    try:
        Clock(env, "2026-06-01T02:00:00")
        start_all(env)
        c = env.client()
        qid = c.call("qual.add", dict(GOOD, expires="2028-06-30"), role="review")[1]["result"]["id"]
        c.call("qual.submit", {"id": qid}, role="review")
        assert approved(env, qid)
        first = [t["due"] for t in c.call("qual.get", {"id": qid})[1]["result"]["timers"]]
        assert c.call("qual.renew", {"id": qid, "expires": "2029-06-30"}, role="review")[0] == 200
        assert approved(env, qid)
        timers = c.call("qual.get", {"id": qid})[1]["result"]["timers"]
        pending = [t["due"] for t in timers if t["state"] == "pending"]
        assert len(pending) == 5 and not set(pending) & set(first), timers
        # qual.get shows the pending and fired timers, not the cancelled ones.
        assert env.sql("SELECT count(*) FROM timers WHERE state='cancelled'")[0][0] == 5
        draft = c.call("qual.add", GOOD, role="review")[1]["result"]["id"]
        status, body = c.call("qual.renew", {"id": draft, "expires": "2031-01-01"}, role="review")
        assert status == 409 and "is draft" in body["error"]["message"], body
    finally:
        env.close()


def test_today_under_faketime():
    """The daemon's own clock, faked by libfaketime: what is expiring and
    what is sellable follow the faked date."""
    lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
    if not os.path.exists(lib):
        raise AssertionError("libfaketime is not installed (scripts/install-deps installs it)")
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        qid = c.call("qual.add", dict(GOOD, issued="2020-01-01", expires="2024-10-20"),
                     role="review")[1]["result"]["id"]
        env.kill_daemon()
        os.environ.update({"LD_PRELOAD": lib, "FAKETIME": "@2024-10-01 12:00:00",
                           "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
        try:
            # The release build: a sanitizer runtime must come first in the
            # library list, which LD_PRELOAD of libfaketime breaks.
            env.start_daemon(release=True)
        finally:
            for k in ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC"):
                os.environ.pop(k, None)
        c = env.client()
        items = c.call("qual.list", {"expiring_days": 30})[1]["result"]["items"]
        assert [x["id"] for x in items] == [qid], items
        env.kill_daemon()
        env.start_daemon()
        c = env.client()
        assert c.call("qual.list", {"expiring_days": 30})[1]["result"]["items"] == []
    finally:
        env.close()


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


def test_retention_deletes_old_events_every_group_is_past():
    env = Env({"retention_days": "1"})
    try:
        clock = Clock(env, "2026-06-01T02:00:00")
        start_all(env)
        c = env.client()
        first = c.call("qual.add", GOOD, role="review", key="order-1")
        assert first[0] == 200
        for _ in range(4):
            assert c.call("qual.add", GOOD, role="review")[0] == 200
        # Every group (with its worker) moves past the events it does not take.
        assert wait_for(lambda: all(g["position"] >= 5
                                    for g in ask(env, "groups.list")["groups"]), 10)
        clock.set("2026-06-02T01:59:00")     # less than a day: nothing goes
        time.sleep(0.5)
        assert len(event_records(env)) == 5
        assert c.call("qual.add", GOOD, role="review", key="order-1") == first, \
            "the key was forgotten early"
        # A group that has not processed them holds them back.
        slow = Worker(env, "slow", "slow-1", topics=["qualification.created"], window=10)
        held = [slow.next_delivery(5000) for _ in range(5)]
        clock.set("2026-06-03T02:01:30")     # two days later
        # Idempotency keys go after daemon.idempotency_hours (24), events or not.
        # No command shows the idempotency keys kept or the results recorded.
        assert wait_for(lambda: env.sql("SELECT count(*) FROM idempotency")[0][0] == 0, 10)
        assert len(event_records(env)) == 5, "events of a lagging group went"
        for d in held:    # each with a result, recorded against its event
            slow.ack(d, {"command": "ping"})
        assert wait_for(lambda: env.sql("SELECT count(*) FROM results WHERE group_name='slow'")[0][0]
                        == 5, 10)
        # Once the acks are committed, the next retention pass (a minute on) may go.
        assert wait_for(lambda: group(env, "slow")["position"] >= 5, 10)
        clock.set("2026-06-03T02:03:00")
        assert wait_for(lambda: event_records(env) == [], 10)
        status = c.call("status")[1]["result"]
        assert status["last_seq"] == 5 and status["first_seq"] == 0, status
        assert env.sql("SELECT count(*) FROM results")[0][0] == 0, "results outlived their events"
        # The forgotten key runs its command again.
        status, again = c.call("qual.add", GOOD, role="review", key="order-1")
        assert status == 200 and again["result"]["id"] != first[1]["result"]["id"], again
        assert event_records(env)[0]["seq"] == 6, "a sequence number was reused"
        assert len(states(env)) == 6, "state was deleted"
        assert "retention: deleted 5 events" in open(os.path.join(env.dir, "daemon.log")).read()
    finally:
        env.close()


if __name__ == "__main__":
    run("lifecycle", [test_reminders_holiday_expiry_renewal_and_downtime,
                      test_changing_expiry_moves_timers, test_today_under_faketime,
                      test_policy_change_suspends_then_lift_reviews_again,
                      test_active_policy_fails_legal_review,
                      test_acquisition_from_candidate_to_review,
                      test_person_confirms_review_report_and_rejection,
                      test_retention_deletes_old_events_every_group_is_past])
