"""The business calendar and policy dates, with real processes and the test
clock: pending reminders move when the calendar changes (by SIGHUP or by a
restart with another file), years without holidays are reported, a policy
change waits for its effective date, and lifting a policy clears every
suspension it caused."""
import contextlib
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import BIN, GOOD, Clock, Env, approved, events, ms, run, wait_for  # noqa: E402

NATIONAL_DAY_2027 = ", ".join("2027-10-0%d" % d for d in range(1, 8))
NATIONAL_DAY_2029 = ", ".join("2029-10-0%d" % d for d in range(1, 8))


@contextlib.contextmanager
def running(start):
    """A daemon and the four workers with the test clock at `start`:
    yields (env, clock, client); everything stops afterwards."""
    env = Env()
    try:
        clock = Clock(env, start)
        env.start_daemon()
        for w in ("legal", "finance", "technical", "renewal"):
            env.start_worker(w)
        yield env, clock, env.client()
    finally:
        env.close()


def add_approved(env, c, **fields):
    status, body = c.call("qual.add", dict(GOOD, **fields), role="review")
    assert status == 200, body
    qid = body["result"]["id"]
    assert c.call("qual.submit", {"id": qid}, role="review")[0] == 200
    assert approved(env, qid), env.sql("SELECT id, state FROM qualifications")
    return qid


def edit_config(env, pattern, replacement):
    """Rewrites the daemon's configuration file: one match of pattern."""
    text = open(env.conf, encoding="utf-8").read()
    text, n = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert n == 1, "no match for %r in the configuration" % pattern
    with open(env.conf, "w", encoding="utf-8") as f:
        f.write(text)


def set_holidays(env, year, dates):
    """Lists `year` under calendar.holidays with `dates` (replacing or adding it)."""
    text = open(env.conf, encoding="utf-8").read()
    line = "    %d: [%s]" % (year, dates)
    if re.search(r"(?m)^    %d: \[" % year, text):
        edit_config(env, r"^    %d: \[.*\]$" % year, line)
    else:
        edit_config(env, r"^(    2027: \[.*\])$", r"\g<1>\n" + line)


def due(c, qid, lead):
    timers = c.call("qual.get", {"id": qid})[1]["result"]["timers"]
    return [t["due"] for t in timers if t["kind"] == "expiring" and t["lead_days"] == lead][0]


def log_text(env):
    return open(os.path.join(env.dir, "daemon.log"), encoding="utf-8", errors="replace").read()


def reload(env):
    env.daemon.send_signal(signal.SIGHUP)


def test_sighup_moves_pending_reminders_off_new_holidays():
    with running("2026-06-01T02:00:00") as (env, clock, c):
        # 2027 lists New Year's Day only, as shipped: 30 days before
        # 2027-10-31 is Friday 2027-10-01, a working day for now.
        qid = add_approved(env, c, expires="2027-10-31")
        assert due(c, qid, 30) == ms("2027-10-01T01:00:00")
        before = c.call("status")[1]["result"].get("calendar", {}).get("fingerprint")
        # The State Council publishes 2027: National Day is 10-01 to 10-07.
        set_holidays(env, 2027, "2027-01-01, " + NATIONAL_DAY_2027)
        reload(env)
        assert wait_for(lambda: due(c, qid, 30) == ms("2027-09-30T01:00:00"), 10), \
            c.call("qual.get", {"id": qid})[1]["result"]["timers"]
        # Only that reminder was on a new holiday; the others stay.
        assert due(c, qid, 90) == ms("2027-08-02T01:00:00")
        assert due(c, qid, 7) == ms("2027-10-22T01:00:00")
        assert wait_for(lambda: "SIGHUP: the business calendar changed" in log_text(env), 10)
        assert "1 pending timer moved" in log_text(env), log_text(env)
        assert c.call("status")[1]["result"]["calendar"]["fingerprint"] != before
        # A reload that changes nothing in the calendar moves nothing.
        reload(env)
        assert wait_for(lambda: log_text(env).count("SIGHUP: configuration reloaded") == 2, 10)
        assert log_text(env).count("the business calendar changed") == 1


def test_restart_with_changed_calendar_moves_pending_reminders():
    with running("2026-06-01T02:00:00") as (env, clock, c):
        qid = add_approved(env, c, expires="2027-10-31")
        assert due(c, qid, 90) == ms("2027-08-02T01:00:00")
        env.kill_daemon(signal.SIGTERM)
        # Changed while the daemon was down: the database remembers the old one.
        edit_config(env, r'^(  reminder_time:).*$', r'\g<1> "10:00"')
        set_holidays(env, 2027, "2027-01-01, " + NATIONAL_DAY_2027)
        env.start_daemon()
        c = env.client()
        assert due(c, qid, 90) == ms("2027-08-02T02:00:00")
        assert due(c, qid, 30) == ms("2027-09-30T02:00:00")
        expired = [t for t in c.call("qual.get", {"id": qid})[1]["result"]["timers"]
                   if t["kind"] == "expired"]
        assert expired[0]["due"] == ms("2027-10-30T16:00:00"), expired  # 00:00 is 00:00
        log = log_text(env)
        assert "start: the business calendar changed" in log and "4 pending timers moved" in log, log


def test_reminder_moved_into_the_past_fires_once_late():
    with running("2026-06-01T02:00:00") as (env, clock, c):
        qid = add_approved(env, c, expires="2027-10-31")
        # The evening of 2027-09-30 in Shanghai: the 90- and 60-day reminders
        # have gone out, the 30-day one waits for Friday 10-01.
        clock.set("2027-09-30T12:00:00")
        assert wait_for(lambda: len(events(env, "certificate.expiring")) == 2, 10)
        set_holidays(env, 2027, "2027-01-01, " + NATIONAL_DAY_2027)
        reload(env)
        thirty = lambda: [e for e in events(env, "certificate.expiring") if e["lead_days"] == 30]
        assert wait_for(lambda: len(thirty()) == 1, 10), events(env, "certificate.expiring")
        assert thirty()[0]["late"] is True and thirty()[0]["due"] == ms("2027-09-30T01:00:00")
        # Once: a second pass of the timers (and a restart) finds nothing more.
        reload(env)
        env.kill_daemon(signal.SIGTERM)
        env.start_daemon()
        assert env.client().call("ping")[0] == 200
        assert len(thirty()) == 1
        assert env.sql("SELECT state FROM timers WHERE subject=? AND lead_days=30 "
                       "AND kind='expiring'", "qualification/%d" % qid) == [("fired",)]
        assert "1 of them was already due" in log_text(env), log_text(env)


def test_years_without_holidays_are_reported():
    with running("2026-06-01T02:00:00") as (env, clock, c):
        out = subprocess.run([os.path.join(BIN, "qualflowd"), "--check-config", env.conf],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert "calendar.holidays lists 2026, 2027" in out.stdout, out.stdout
        calendar = c.call("status")[1]["result"]["calendar"]
        assert calendar["holiday_years"] == [2026, 2027], calendar
        assert calendar["timers_without_holidays"] == {} and "warning" not in calendar, calendar
        # 30 days before 2029-11-02 is 2029-10-03, in the National Day week;
        # 2029 has no holidays configured, so it is a Wednesday like any other.
        qid = add_approved(env, c, expires="2029-11-02")
        assert due(c, qid, 30) == ms("2029-10-03T01:00:00")
        calendar = c.call("status")[1]["result"]["calendar"]
        assert calendar["timers_without_holidays"] == {"2029": 4}, calendar
        assert "2029 (4)" in calendar["warning"], calendar
        text = subprocess.run([os.path.join(BIN, "qualflow"), "-c", env.conf, "status"],
                              capture_output=True, text=True, timeout=30).stdout
        assert re.search(r"(?m)^  warning: .*2029 \(4\)", text), text
        # At start and on reload the log says so too.
        env.kill_daemon(signal.SIGTERM)
        env.start_daemon()
        assert "start: pending reminders fall in years with no holidays" in log_text(env)
        reload(env)
        assert wait_for(lambda: "SIGHUP: pending reminders fall in years with no holidays"
                        in log_text(env), 10), log_text(env)
        # The 2029 notice is added: nothing left to warn about, and the
        # reminder leaves the holiday.
        set_holidays(env, 2029, "2029-01-01, " + NATIONAL_DAY_2029)
        reload(env)
        c = env.client()
        assert wait_for(lambda: c.call("status")[1]["result"]["calendar"]
                        ["timers_without_holidays"] == {}, 10)
        assert due(c, qid, 30) == ms("2029-09-28T01:00:00")
        assert "warning" not in c.call("status")[1]["result"]["calendar"]


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
        assert wait_for(lambda: env.sql("SELECT state FROM qualifications WHERE id=?", fixing)
                        == [("rectification",)], 20)
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
    run("calendar_policy", [
        test_sighup_moves_pending_reminders_off_new_holidays,
        test_restart_with_changed_calendar_moves_pending_reminders,
        test_reminder_moved_into_the_past_fires_once_late,
        test_years_without_holidays_are_reported,
        test_policy_waits_for_its_effective_date,
        test_lift_clears_suspension_whatever_the_state,
    ])
