"""§4.3 Renewal: expiry reminders as durable timers, a year in seconds with the
test clock; renewal, a changed expiry moving its timers, and the policy's
"today". The daemon and the workers read time through qf_time_now_ms(),
which the test-only QUALFLOW_TEST_CLOCK_FILE overrides."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import (GOOD, Clock, Env, approved, events, ms, run, start_all,  # noqa: E402
                       state, states, wait_for)


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
        # status names the soonest pending timer of every module (a business
        # module may have its own earlier, e.g. a period's end), and the
        # renewal's first is no earlier than it.
        soonest = env.sql("SELECT min(due) FROM timers WHERE state = 'pending'")[0][0]
        assert c.call("status")[1]["result"]["next_timer_due"] == soonest <= want[0][2], soonest
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
            assert reminder["recipients"] == ["logistics", "management"], reminder
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


if __name__ == "__main__":
    run("s4_3_renewal", [
        test_reminders_holiday_expiry_renewal_and_downtime,
        test_changing_expiry_moves_timers,
        test_today_under_faketime,
    ])
