"""Custody of certificates (§4.3) with real processes and the test clock:
the archive record, loans that need a leader's approval and a return
deadline, and one custody.borrow_overdue event per working day until the
certificate is back. The daemon reads time through qf_time_now_ms(), which
the test-only QUALFLOW_TEST_CLOCK_FILE overrides."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import (GOOD, Clock, Env, add_approved, ask, event_records, events,  # noqa: E402
                       ms, run, start_all, wait_for)


def settle():
    """Time for the daemon to tick a few times (a tick is at most 250 ms)."""
    time.sleep(0.8)


def start(env):
    start_all(env, ("legal", "finance", "technical"))
    return env.client()


def approved_qualification(env, c):
    return add_approved(env, c, expires="2027-01-03")


ARCHIVE = {"custodian": "王芳 (logistics)", "location": "safe 2, shelf 3",
           "acquired": "2026-05-28", "notes": "original and two copies"}


def test_archive_needs_approved():
    env = Env()
    try:
        Clock(env, "2026-06-01T02:00:00")
        c = start(env)
        status, body = c.call("qual.add", dict(GOOD, cert_no="D234000002"), role="review")
        assert status == 200, body
        draft = body["result"]["id"]
        status, body = c.call("custody.archive", dict(ARCHIVE, qualification_id=draft),
                              role="logistics")
        assert status == 409, (status, body)
        assert c.call("custody.show", {"qualification_id": draft})[0] == 404
        status, body = c.call("loan.request", {"qualification_id": draft, "borrower": "李雷",
                                               "purpose": "tender", "due": "2026-06-10"},
                              role="sales")
        assert status == 409 and "no archive record" in body["error"]["message"], body
        assert c.call("custody.archive", dict(ARCHIVE, qualification_id=999),
                      role="logistics")[0] == 404
        qid = approved_qualification(env, c)
        assert c.call("custody.archive", dict(ARCHIVE, qualification_id=qid),
                      role="sales")[0] == 403
        assert c.call("custody.archive", dict(ARCHIVE, qualification_id=qid,
                                              custodian="x" * 129), role="logistics")[0] == 413
        status, body = c.call("custody.archive", dict(ARCHIVE, qualification_id=qid),
                              role="logistics")
        assert status == 200, body
        assert body["result"]["custodian"] == ARCHIVE["custodian"], body
        # Updating keeps one record and raises a second event.
        status, body = c.call("custody.archive", dict(ARCHIVE, qualification_id=qid,
                                                      location="safe 1"), role="logistics")
        assert status == 200 and body["result"]["location"] == "safe 1", body
        # Archiving again moves the record; no command lists every record.
        assert env.sql("SELECT count(*) FROM archive")[0][0] == 1
        archived = events(env, "custody.archived")
        assert len(archived) == 2, archived
        assert archived[0] == dict(archived[0], qualification_id=qid,
                                   custodian=ARCHIVE["custodian"], location="safe 2, shelf 3",
                                   acquired="2026-05-28"), archived[0]
        status, body = c.call("custody.show", {"qualification_id": qid}, role="sales")
        assert status == 200, body
        r = body["result"]
        assert (r["name"], r["issued"], r["expires"], r["scope"], r["custodian"],
                r["acquired"], r["location"]) == (GOOD["cert_no"], GOOD["issued"], "2027-01-03",
                                                  GOOD["scope"], ARCHIVE["custodian"],
                                                  "2026-05-28", "safe 1"), r
        assert r["loans"] == [], r
    finally:
        env.close()


def test_loan_approval_lending_overdue_and_return():
    env = Env()
    try:
        clock = Clock(env, "2026-06-01T02:00:00")   # Monday, 10:00 in Shanghai
        c = start(env)
        qid = approved_qualification(env, c)
        assert c.call("custody.archive", dict(ARCHIVE, qualification_id=qid),
                      role="logistics")[0] == 200

        # A return deadline must be after today (policy time zone).
        for due in ("2026-05-20", "2026-06-01"):
            status, body = c.call("loan.request", {"qualification_id": qid, "borrower": "李雷",
                                                   "purpose": "tender", "due": due}, role="sales")
            assert status == 400 and body["error"]["field"] == "args.due", (due, body)
        assert c.call("loan.request", {"qualification_id": qid, "borrower": "李雷",
                                       "purpose": "tender", "due": "2026-13-01"},
                      role="sales")[0] == 400
        assert c.call("loan.request", {"qualification_id": qid, "borrower": "李雷",
                                       "purpose": "tender", "due": "2026-06-10"},
                      role="finance")[0] == 403

        status, body = c.call("loan.request", {"qualification_id": qid, "borrower": "李雷",
                                               "purpose": "tender for 合肥 metro",
                                               "due": "2026-06-10"}, role="sales")
        assert status == 200, body
        loan = body["result"]
        lid = loan["id"]
        assert loan["state"] == "requested" and loan["due"] == "2026-06-10", loan
        assert loan["approved"] is None and loan["lent"] is None, loan
        # Only one open loan per certificate.
        status, body = c.call("loan.request", {"qualification_id": qid, "borrower": "韩梅梅",
                                               "purpose": "x", "due": "2026-06-12"}, role="sales")
        assert status == 409, body
        # Lending without a leader's approval is refused.
        status, body = c.call("loan.lend", {"loan_id": lid}, role="logistics")
        assert status == 409 and "approval" in body["error"]["message"], body
        # Sales may not approve: 403, nothing changes.
        status, body = c.call("loan.approve", {"loan_id": lid}, role="sales")
        assert status == 403, body
        assert c.call("loan.refuse", {"loan_id": lid}, role="logistics")[0] == 403
        assert [(x["id"], x["state"], x["approved_by"]) for x in ask(
            env, "loan.list", {"qualification_id": qid})["items"]] == [(lid, "requested", None)]
        assert events(env, "custody.borrow_approved") == []
        assert c.call("loan.approve", {"loan_id": 999}, role="leader")[0] == 404

        status, body = c.call("loan.approve", {"loan_id": lid}, role="leader")
        assert status == 200 and body["result"]["state"] == "approved", body
        assert body["result"]["approved_by"] == "leader", body
        assert c.call("loan.approve", {"loan_id": lid}, role="leader")[0] == 409
        assert c.call("loan.return", {"loan_id": lid}, role="logistics")[0] == 409
        assert c.call("loan.lend", {"loan_id": lid}, role="sales")[0] == 403
        status, body = c.call("loan.lend", {"loan_id": lid}, role="logistics")
        assert status == 200 and body["result"]["state"] == "lent", body
        assert body["result"]["lent"] == ms("2026-06-01T02:00:00"), body
        assert c.call("loan.lend", {"loan_id": lid}, role="logistics")[0] == 409
        # A second request while lent.
        status, body = c.call("loan.request", {"qualification_id": qid, "borrower": "韩梅梅",
                                               "purpose": "x", "due": "2026-06-12"}, role="sales")
        assert status == 409, body
        topics = [e["topic"] for e in event_records(env) if e["topic"].startswith("custody.")]
        assert topics == ["custody.archived", "custody.borrow_requested",
                          "custody.borrow_approved", "custody.lent"], topics
        assert events(env, "custody.lent")[0]["loan"]["id"] == lid
        items = c.call("loan.list", {"state": "lent"})[1]["result"]["items"]
        assert [x["id"] for x in items] == [lid], items
        assert c.call("loan.list", {"state": "requested"})[1]["result"]["items"] == []

        # The due day itself and the next morning before 09:00: not yet overdue.
        clock.set("2026-06-10T05:00:00")
        settle()
        clock.set("2026-06-11T00:59:00")        # Thursday 08:59 in Shanghai
        settle()
        assert events(env, "custody.borrow_overdue") == []
        # Thursday after the reminder time: one event, and only one that day.
        clock.set("2026-06-11T01:00:01")
        assert wait_for(lambda: len(events(env, "custody.borrow_overdue")) == 1, 10), \
            "no overdue event on the first working day past due"
        clock.set("2026-06-11T08:00:00")
        settle()
        overdue = events(env, "custody.borrow_overdue")
        assert len(overdue) == 1, overdue
        assert overdue[0]["days_overdue"] == 1 and overdue[0]["loan"]["id"] == lid, overdue
        loan = c.call("loan.list", {"qualification_id": qid})[1]["result"]["items"][0]
        assert loan["overdue_days"] == 1, loan
        # Friday: one more.
        clock.set("2026-06-12T01:00:01")
        assert wait_for(lambda: len(events(env, "custody.borrow_overdue")) == 2, 10)
        assert events(env, "custody.borrow_overdue")[1]["days_overdue"] == 2
        # Saturday and Sunday: none.
        clock.set("2026-06-13T03:00:00")
        settle()
        clock.set("2026-06-14T03:00:00")
        settle()
        assert len(events(env, "custody.borrow_overdue")) == 2
        # Monday: one more.
        clock.set("2026-06-15T01:00:01")
        assert wait_for(lambda: len(events(env, "custody.borrow_overdue")) == 3, 10)
        assert events(env, "custody.borrow_overdue")[2]["days_overdue"] == 5
        settle()
        assert len(events(env, "custody.borrow_overdue")) == 3

        status, body = c.call("loan.return", {"loan_id": lid}, role="logistics")
        assert status == 200 and body["result"]["state"] == "returned", body
        returned_at = ms("2026-06-15T01:00:01")
        assert body["result"]["returned"] == returned_at and body["result"]["overdue_days"] == 0
        clock.set("2026-06-16T02:00:00")
        settle()
        assert len(events(env, "custody.borrow_overdue")) == 3

        # The history: the loan with its timestamps.
        status, body = c.call("custody.show", {"qualification_id": qid}, role="sales")
        assert status == 200, body
        loans = body["result"]["loans"]
        assert len(loans) == 1, loans
        h = loans[0]
        assert (h["id"], h["state"], h["borrower"], h["due"], h["requested_by"],
                h["approved_by"]) == (lid, "returned", "李雷", "2026-06-10", "sales", "leader"), h
        assert h["requested"] == h["approved"] == h["lent"] == ms("2026-06-01T02:00:00"), h
        assert h["returned"] == returned_at, h

        # Back in the safe: it may be borrowed again; a refused request closes it.
        status, body = c.call("loan.request", {"qualification_id": qid, "borrower": "韩梅梅",
                                               "purpose": "audit", "due": "2026-06-30"},
                              role="logistics")
        assert status == 200, body
        second = body["result"]["id"]
        status, body = c.call("loan.refuse", {"loan_id": second}, role="leader")
        assert status == 200 and body["result"]["state"] == "refused", body
        assert c.call("loan.lend", {"loan_id": second}, role="logistics")[0] == 409
        assert len(events(env, "custody.borrow_refused")) == 1
        loans = c.call("custody.show", {"qualification_id": qid})[1]["result"]["loans"]
        assert [x["state"] for x in loans] == ["returned", "refused"], loans
        assert c.call("loan.list", {"state": "open"})[1]["result"]["items"] == []
    finally:
        env.close()


if __name__ == "__main__":
    run("s4_3_custody", [test_archive_needs_approved,
                         test_loan_approval_lending_overdue_and_return])
