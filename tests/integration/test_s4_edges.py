"""Thresholds at their edges, through a real qualflowd: each configured or
documented limit is tried just below, at and just above its value, so a rule
that is off by some amount fails here. Argument limits (a field at its
maximum is accepted, one byte or item more is refused and named), the
minimum validity for sale and the expiring window (with today's date turning
at midnight in the policy time zone), issue and expiry order, loan due dates,
archive dates and renewal urgency. The review rules' own edges (return
ratio, minimum validity) are unit tests (tests/unit/test_rules.c); the
timers' and the retry backoff's are too (test_timers.c, test_delivery.c).

Business commands name their business role; approval is by review.report
from each department's role, so no worker is needed."""
import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import BIN, GOOD, Clock, Env, events, ms, run, wait_for  # noqa: E402

# A Monday, 10:00 in Shanghai; "today" is 2026-06-01 until 16:00 UTC.
MONDAY = "2026-06-01T02:00:00"
TUESDAY_MIDNIGHT = "2026-06-01T16:00:00"


def last_ms_of_monday(clock, client):
    clock.set_ms(ms(TUESDAY_MIDNIGHT) - 1, client)


def day(offset):
    """The date `offset` days after Monday 2026-06-01, as YYYY-MM-DD."""
    return (datetime.date(2026, 6, 1) + datetime.timedelta(days=offset)).isoformat()


def refused(reply, field):
    """Whether a reply refuses the request for `field`: 400 or 413 (a field
    over its limit), with the field named."""
    status, body = reply
    err = body.get("error", {})
    return status in (400, 413) and err.get("field") == field


def not_blamed(reply, field):
    """Whether a reply does not refuse `field` (it may fail for another reason)."""
    status, body = reply
    return status == 200 or body.get("error", {}).get("field") != field


def add(c, **fields):
    status, body = c.call("qual.add", dict(GOOD, **fields), role="review")
    assert status == 200, (status, body)
    return body["result"]["id"]


def approve(c, qid, states=("approved",)):
    """Submits and passes every department's review (as that department);
    the state is then one of `states` (an "expired" timer due at once may
    already have fired)."""
    status, body = c.call("qual.submit", {"id": qid}, role="review")
    assert status == 200, body
    rnd = body["result"]["round"]
    for dept in ("legal", "finance", "technical"):
        status, body = c.call("review.report", {"qualification_id": qid, "round": rnd,
                                                "department": dept, "verdict": "pass"},
                              role=dept)
        assert status == 200, (dept, body)
    status, body = c.call("qual.get", {"id": qid}, role="sales")
    assert status == 200 and body["result"]["state"] in states, body


def sellable_ids(c):
    status, body = c.call("qual.list", {"sellable": True}, role="sales")
    assert status == 200, body
    return sorted(q["id"] for q in body["result"]["items"])


def cli_sellable_ids(env):
    """`qualflow qual list --sellable --json`, read whether it prints one JSON
    document ({"items": [...]}) or one record per line."""
    out = subprocess.run([os.path.join(BIN, "qualflow"), "-c", env.conf, "--as", "sales",
                          "--json", "qual", "list", "--sellable"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    text = out.stdout.strip()
    try:
        doc = json.loads(text) if text else {"items": []}
        items = doc["items"] if isinstance(doc, dict) and "items" in doc else [doc]
    except ValueError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    return sorted(q["id"] for q in items)


def test_text_and_list_limits():
    """A field at its maximum length (in bytes) or count is accepted; one more
    is refused, naming the field."""
    env = Env()
    try:
        Clock(env, MONDAY)
        env.start_daemon()
        c = env.client()
        # qual.add: every text field at its limit, then each one byte over.
        limits = {"cert_no": 128, "authority": 256, "category": 64, "scope": 4096,
                  "name": 256, "industry": 128}
        at_limit = {k: "c" * n if k == "category" else "x" * n for k, n in limits.items()}
        # Category and authority must also be configured values: at their
        # length limit they pass the length check and meet the list check.
        configured = ("category", "authority")
        for k in configured:
            status, body = c.call("qual.add", dict(GOOD, **{k: at_limit[k]}), role="review")
            assert status == 400 and body["error"]["field"] == "args." + k and \
                "is not a configured" in body["error"]["message"], (k, body)
        at_limit = {k: v for k, v in at_limit.items() if k not in configured}
        status, body = c.call("qual.add", dict(GOOD, **at_limit), role="review")
        assert status == 200, body
        for k, n in limits.items():
            over = "c" * (n + 1) if k == "category" else "x" * (n + 1)
            reply = c.call("qual.add", dict(GOOD, **{k: over}), role="review")
            assert refused(reply, "args." + k), (k, reply)
        # Bytes, not characters: 42 three-byte characters and two ASCII are 128.
        status, body = c.call("qual.add", dict(GOOD, cert_no="证" * 42 + "ab"), role="review")
        assert status == 200, body
        reply = c.call("qual.add", dict(GOOD, cert_no="证" * 42 + "abc"), role="review")
        assert refused(reply, "args.cert_no"), reply
        # Required text may not be empty; a single byte is enough.
        assert refused(c.call("qual.add", dict(GOOD, cert_no=""), role="review"), "args.cert_no")
        assert c.call("qual.add", dict(GOOD, cert_no="D"), role="review")[0] == 200

        # review.report: 100 findings of 4096 bytes and 4096 bytes of
        # suggestions pass the checks; a 101st finding, a 4097-byte finding or
        # suggestion does not.
        qid = add(c)
        status, body = c.call("qual.submit", {"id": qid}, role="review")
        assert status == 200, body
        report = {"qualification_id": qid, "round": 1, "department": "legal",
                  "verdict": "fail", "suggestions": "s" * 4096}
        for findings in (["f" * 4096] * 101, ["f" * 4097]):
            reply = c.call("review.report", dict(report, findings=findings), role="legal")
            assert refused(reply, "args.findings"), reply
        reply = c.call("review.report", dict(report, findings=["f"], suggestions="s" * 4097),
                       role="legal")
        assert refused(reply, "args.suggestions"), reply
        status, body = c.call("review.report", dict(report, findings=["f" * 4096] * 100),
                              role="legal")
        assert status == 200, body
        status, body = c.call("qual.get", {"id": qid}, role="review")
        review = [r for r in body["result"]["reviews"] if r["department"] == "legal"][0]
        assert len(review["findings"]) == 100 and len(review["suggestions"]) == 4096, review

        # qual.reject: a reason of 4096 bytes, not 4097.
        reply = c.call("qual.reject", {"id": qid, "reason": "r" * 4097}, role="management")
        assert refused(reply, "args.reason"), reply
        status, body = c.call("qual.reject", {"id": qid, "reason": "r" * 4096},
                              role="management")
        assert status == 200 and body["result"]["state"] == "rejected", body

        # The envelope: user and idempotency key of 64 bytes, not 65.
        for option, field in (("user", "user"), ("key", "idempotency_key")):
            reply = c.call("ping", role="sales", **{option: "u" * 64})
            assert reply[0] == 200, (field, reply)
            reply = c.call("ping", role="sales", **{option: "u" * 65})
            assert refused(reply, field), (field, reply)
    finally:
        env.close()


def test_integer_ranges():
    """Integer arguments at both ends of their range, and one past each."""
    env = Env()
    try:
        Clock(env, MONDAY)
        env.start_daemon()
        c = env.client()
        qid = add(c)
        cases = [  # command, args without the field, field, least, most, role
            ("qual.list", {}, "limit", 1, 1000, "sales"),
            ("qual.list", {}, "expiring_days", 0, 3650, "sales"),
            ("events.list", {}, "limit", 1, 1000, "admin"),
            ("renewal.remind", {"qualification_id": qid}, "lead_days", 0, 3650, "renewal"),
            ("loan.list", {}, "limit", 1, 1000, "sales"),
        ]
        for command, args, field, least, most, role in cases:
            for value in (least, most):
                status, body = c.call(command, dict(args, **{field: value}), role=role)
                assert status == 200, (command, field, value, body)
            for value in (least - 1, most + 1):
                reply = c.call(command, dict(args, **{field: value}), role=role)
                assert refused(reply, "args." + field), (command, field, value, reply)
        # review.report's round: 1 to 1000000. At the ends it passes the
        # argument check (then fails on the state, naming the round).
        report = {"qualification_id": qid, "department": "legal", "verdict": "pass"}
        for value in (1, 1000000):
            status, body = c.call("review.report", dict(report, round=value), role="legal")
            assert status == 409 and "round" in body["error"]["message"], (value, body)
        for value in (0, 1000001):
            reply = c.call("review.report", dict(report, round=value), role="legal")
            assert refused(reply, "args.round"), (value, reply)
    finally:
        env.close()


def test_sellable_at_exactly_the_minimum_validity():
    """policy.min_validity_for_sale_days (180): an approved qualification with
    179 days left is not sellable, 180 and 181 are; 'today' turns at midnight
    in Shanghai, not in UTC."""
    env = Env()
    try:
        clock = Clock(env, MONDAY)
        env.start_daemon()
        c = env.client()
        ids = {}
        for left in (179, 180, 181):
            # The legal worker would refuse 179 days: a person passes it here,
            # so the daemon's own sellable rule is what is tested.
            ids[left] = add(c, cert_no="D23400%04d" % left, expires=day(left))
            approve(c, ids[left])
        assert sellable_ids(c) == [ids[180], ids[181]], sellable_ids(c)
        assert cli_sellable_ids(env) == [ids[180], ids[181]]
        for left, want in ((179, False), (180, True), (181, True)):
            q = c.call("qual.get", {"id": ids[left]}, role="sales")[1]["result"]
            assert q["sellable"] is want, (left, q)
        # The last millisecond of Monday in Shanghai: still 180 days left.
        last_ms_of_monday(clock, c)
        assert sellable_ids(c) == [ids[180], ids[181]], sellable_ids(c)
        # Tuesday begins: 179 left for the one that had 180.
        clock.set(TUESDAY_MIDNIGHT, c)
        assert sellable_ids(c) == [ids[181]], sellable_ids(c)
        q = c.call("qual.get", {"id": ids[180]}, role="sales")[1]["result"]
        assert q["sellable"] is False and q["state"] == "approved", q
    finally:
        env.close()


def test_sellable_with_no_minimum_stops_at_the_expiry_day():
    """With min_validity_for_sale_days 0, a qualification is sellable up to
    the day before it expires, never on its expiry day: it expires when that
    day begins."""
    env = Env({"min_validity_for_sale_days": "0"})
    try:
        clock = Clock(env, MONDAY)
        env.start_daemon()
        c = env.client()
        tomorrow = add(c, expires=day(1))
        approve(c, tomorrow)
        assert sellable_ids(c) == [tomorrow]
        last_ms_of_monday(clock, c)
        assert sellable_ids(c) == [tomorrow]
        q = c.call("qual.get", {"id": tomorrow}, role="sales")[1]["result"]
        assert q["sellable"] is True, q
        clock.set(TUESDAY_MIDNIGHT, c)
        assert sellable_ids(c) == [], sellable_ids(c)
        q = c.call("qual.get", {"id": tomorrow}, role="sales")[1]["result"]
        assert q["sellable"] is False, q
        # Approved on its expiry day (a person overriding the legal rule): it
        # moves to expired at once rather than staying approved.
        today = add(c, cert_no="D234000099", expires=day(1))
        approve(c, today, states=("approved", "expired"))
        assert wait_for(lambda: c.call("qual.get", {"id": today}, role="sales")[1]["result"]
                        ["state"] == "expired", 10), "approved on its expiry day, never expired"
        assert sellable_ids(c) == []
    finally:
        env.close()


def test_expiring_window_edges():
    """qual.list expiring_days N: expiring today and on today + N are in the
    window, today + N + 1 and yesterday are not."""
    env = Env()
    try:
        Clock(env, MONDAY)
        env.start_daemon()
        c = env.client()
        ids = {off: add(c, cert_no="D23410%04d" % (off + 10), issued="2020-01-01",
                        expires=day(off)) for off in (-1, 0, 30, 31)}
        status, body = c.call("qual.list", {"expiring_days": 30}, role="sales")
        assert status == 200, body
        got = [q["id"] for q in body["result"]["items"]]
        assert got == [ids[0], ids[30]], (got, ids)
        status, body = c.call("qual.list", {"expiring_days": 0}, role="sales")
        assert [q["id"] for q in body["result"]["items"]] == [ids[0]], body
    finally:
        env.close()


def test_validity_order_edge():
    """An expiry date must be after the date of issue: the same day is refused,
    the next day accepted, for qual.add and qual.rectify."""
    env = Env()
    try:
        Clock(env, MONDAY)
        env.start_daemon()
        c = env.client()
        reply = c.call("qual.add", dict(GOOD, issued="2026-05-01", expires="2026-05-01"),
                       role="review")
        assert refused(reply, "args.expires"), reply
        reply = c.call("qual.add", dict(GOOD, issued="2026-05-01", expires="2026-04-30"),
                       role="review")
        assert refused(reply, "args.expires"), reply
        status, body = c.call("qual.add", dict(GOOD, issued="2026-05-01", expires="2026-05-02"),
                              role="review")
        assert status == 200, body
    finally:
        env.close()


def test_loan_due_and_archive_dates():
    """A loan is due after today (tomorrow is the first day allowed); an
    archive record is acquired on or before today; 'today' in Shanghai."""
    env = Env()
    try:
        clock = Clock(env, MONDAY)
        env.start_daemon()
        c = env.client()
        qid = add(c, expires="2027-06-01")
        approve(c, qid)
        archive = {"qualification_id": qid, "custodian": "王芳", "location": "safe 1"}
        reply = c.call("custody.archive", dict(archive, acquired=day(1)), role="logistics")
        assert refused(reply, "args.acquired"), reply
        status, body = c.call("custody.archive", dict(archive, acquired=day(0)),
                              role="logistics")
        assert status == 200, body

        loan = {"qualification_id": qid, "borrower": "李雷", "purpose": "tender"}
        last_ms_of_monday(clock, c)
        reply = c.call("loan.request", dict(loan, due=day(0)), role="sales")
        assert refused(reply, "args.due"), reply
        status, body = c.call("loan.request", dict(loan, due=day(1)), role="sales")
        assert status == 200 and body["result"]["due"] == day(1), body
        status, body = c.call("loan.refuse", {"loan_id": body["result"]["id"]}, role="leader")
        assert status == 200, body
        # At midnight in Shanghai Tuesday is today: due Tuesday is refused.
        clock.set(TUESDAY_MIDNIGHT, c)
        reply = c.call("loan.request", dict(loan, due=day(1)), role="sales")
        assert refused(reply, "args.due"), reply
        status, body = c.call("loan.request", dict(loan, due=day(2)), role="sales")
        assert status == 200, body
        # Text limits of the custody commands, at and over.
        status, body = c.call("loan.refuse", {"loan_id": body["result"]["id"]}, role="leader")
        assert status == 200, body
        status, body = c.call("loan.request", dict(loan, due=day(2), borrower="b" * 256,
                                                   purpose="p" * 4096), role="sales")
        assert status == 200, body
        for key, n in (("borrower", 256), ("purpose", 4096)):
            reply = c.call("loan.request", dict(loan, due=day(2), **{key: "x" * (n + 1)}),
                           role="sales")
            assert refused(reply, "args." + key), (key, reply)
        status, body = c.call("custody.archive", dict(archive, acquired=day(0),
                                                      custodian="c" * 128, location="l" * 256,
                                                      notes="n" * 4096), role="logistics")
        assert status == 200, body
        for key, n in (("custodian", 128), ("location", 256), ("notes", 4096)):
            reply = c.call("custody.archive", dict(archive, acquired=day(0),
                                                   **{key: "x" * (n + 1)}), role="logistics")
            assert refused(reply, "args." + key), (key, reply)
    finally:
        env.close()


def test_renewal_urgency_edges():
    """renewal.remind: more than 30 days left is normal, 30 to 8 high, 7 to 1
    urgent, 0 (the expiry day) and less critical, and only then sales is told."""
    env = Env()
    try:
        Clock(env, MONDAY)
        env.start_daemon()
        c = env.client()
        want = {31: "normal", 30: "high", 8: "high", 7: "urgent", 1: "urgent", 0: "critical",
                -1: "critical"}
        for left, urgency in want.items():
            qid = add(c, cert_no="D23420%04d" % (left + 10), issued="2020-01-01",
                      expires=day(left))
            status, body = c.call("renewal.remind", {"qualification_id": qid, "lead_days": 7},
                                  role="renewal")
            assert status == 200, body
            r = body["result"]
            assert (r["days_left"], r["urgency"]) == (left, urgency), (left, r)
        reminders = events(env, "renewal.reminder")
        told_sales = [p["days_left"] for p in reminders if "sales" in p["recipients"]]
        assert told_sales == [0, -1], told_sales
    finally:
        env.close()


if __name__ == "__main__":
    run("s4_edges", [test_text_and_list_limits, test_integer_ranges,
                  test_sellable_at_exactly_the_minimum_validity,
                  test_sellable_with_no_minimum_stops_at_the_expiry_day,
                  test_expiring_window_edges, test_validity_order_edge,
                  test_loan_due_and_archive_dates, test_renewal_urgency_edges])
