"""§6.4 Callbacks after delivery, through the real CLI against a real
daemon and every worker (the after-sales worker among them), on the test
clock: a delivered contract's callbacks are scheduled in the delivery's
transaction, 30 and 90 days on, each on a working day (the 30-day one falls
in the National Day holidays and comes on the working day before); the
after-sales worker opens each task when its day comes; the §3.3 rules
refuse a call before the delivery date, a callback closed without its
result, a score outside 1-5 and a role that may not record, each leaving
the tables and the event log as they were; a task not done by its due
date is overdue to its owner, then to the owner's supervisor.

Durability: the timers survive a daemon killed with SIGKILL and started
again after both days passed (each fires once, marked late), and the
after-sales worker killed with SIGKILL while it holds the due event opens
no second task, nor does a replay of its group."""
import contextlib
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import (Clock, Env, add_approved, ms, run, start_all,  # noqa: E402
                       wait_for)
from test_s6_3_contracts import hand_over, q, qj  # noqa: E402  (CLI as li.lei, a salesperson)
from test_s6_sales_story import payloads, refused  # noqa: E402

CODE = "91350100M000100Y43"
OPS = {"role": "admin", "user": "ops"}
TABLES = ("callbacks", "callback_calls")
# Delivered on Tuesday 2026-09-01: 30 days on is 2026-10-01, National Day,
# so the callback comes on Wednesday 2026-09-30; 90 days on is Monday
# 2026-11-30.
DELIVERED = "2026-09-01"
DAY_30, DAY_90 = "2026-09-30", "2026-11-30"


def snapshot(env):
    """The callback tables and the number of events: what a refusal must
    leave as it was (no command shows the calls table whole)."""
    rows = {t: env.sql("SELECT * FROM %s ORDER BY rowid" % t) for t in TABLES}
    rows["events"] = qj(env, "status", **OPS)["last_seq"]
    return rows


def callbacks(env, kid):
    """The contract's callbacks as `callback list` gives them, by interval."""
    items = qj(env, "callback", "list", "--contract", str(kid))["items"]
    return sorted(items, key=lambda c: c["interval_days"])


def deliver(env, clock, c, cert_no="D234000021", on=DELIVERED):
    """A contract of li.lei's customer through the CLI: drafted from an
    accepted proposal, passed by the three review workers, signed, paid,
    handed over and delivered at 10:00 on `on`. Returns its id."""
    customer = qj(env, "customer", "add", "--name", "合肥建工集团", "--credit-code", CODE)["id"]
    qid = add_approved(env, c, cert_no=cert_no)
    pid = qj(env, "proposal", "create", "--customer", str(customer), "--lines",
             "%d:200000" % qid, "--steps", "survey,transfer", "--services", "callback",
             "--delivery", "2026-08-31")["id"]
    qj(env, "proposal", "send", str(pid))
    qj(env, "proposal", "accept", str(pid))
    kid = qj(env, "contract", "draft", "--proposal", str(pid), "--term", "full", "--schedule",
             "2026-06-10:200000")["id"]
    qj(env, "contract", "submit", str(kid))
    assert wait_for(lambda: qj(env, "contract", "show", str(kid))["state"] == "approved", 30), \
        qj(env, "contract", "show", str(kid))["reports"]
    qj(env, "contract", "sign", str(kid), "--copy", "sha256:0123abcd")
    finance = {"role": "finance", "user": "qian"}
    assert wait_for(lambda: qj(env, "payment", "list", str(kid), **finance)["items"], 20)
    receivable = qj(env, "payment", "list", str(kid), **finance)["items"][0]
    qj(env, "payment", "record", str(receivable["id"]), "--amount", "200000", **finance)
    hand_over(env, kid, (qid,))
    clock.set(on + "T02:00:00", c)
    assert qj(env, "contract", "deliver", str(kid))["state"] == "delivered"
    return kid


@contextlib.contextmanager
def delivered():
    """A daemon with every worker and the test clock, and a contract
    delivered on DELIVERED: yields (env, clock, client, contract id);
    everything stops afterwards."""
    env = Env()
    try:
        clock = Clock(env, "2026-06-01T02:00:00")  # Monday 10:00 in Hefei
        start_all(env)
        c = env.client()
        yield env, clock, c, deliver(env, clock, c)
        c.close()
    finally:
        env.close()


def opened(env, callback_id):
    """Whether the after-sales worker has opened the callback."""
    return qj(env, "callback", "show", str(callback_id))["state"] == "open"


def test_scheduled_rules_and_overdue():
    with delivered() as (env, clock, c, kid):

        # Scheduled in the delivery's transaction, on working days at 09:00.
        first, second = callbacks(env, kid)
        assert (first["interval_days"], first["day"], first["state"]) == (30, DAY_30, "scheduled")
        assert (second["interval_days"], second["day"], second["state"]) == \
            (90, DAY_90, "scheduled")
        assert first["owner"] == first["assignee"] == "li.lei", first
        shown = qj(env, "callback", "show", str(first["id"]))
        assert [(t["kind"], t["due"], t["state"]) for t in shown["timers"]] == \
            [("callback_due", ms(DAY_30 + "T01:00:00"), "pending")], shown["timers"]
        scheduled = payloads(env, "aftersales.callbacks_scheduled")
        assert len(scheduled) == 1 and scheduled[0]["contract_id"] == kid, scheduled
        assert [(s["interval_days"], s["day"]) for s in scheduled[0]["callbacks"]] == \
            [(30, DAY_30), (90, DAY_90)], scheduled

        # §3.3: no call is recorded before the delivery date.
        before = snapshot(env)
        refused(env, ["args.on", "before the delivery date", DELIVERED], "callback", "record",
                str(first["id"]), "--reached", "--score", "4", "--said", "好", "--on",
                "2026-08-31")
        assert snapshot(env) == before

        # Its day: the worker opens the task, once; due three working days
        # on (the National Day week is off, Saturday 10 October is worked).
        clock.set(DAY_30 + "T01:00:00", c)
        assert wait_for(lambda: opened(env, first["id"]), 20), \
            qj(env, "callback", "show", str(first["id"]))
        due = payloads(env, "aftersales.callback_due")
        assert [(d["callback_id"], d["day"], d["late"]) for d in due] == \
            [(first["id"], DAY_30, False)], due
        task = qj(env, "callback", "show", str(first["id"]))
        assert (task["due"], task["next_attempt"], task["assignee"]) == \
            ("2026-10-10", DAY_30, "li.lei"), task
        told = payloads(env, "aftersales.callback_opened")
        assert [(t["callback_id"], t["recipients"]) for t in told] == \
            [(first["id"], ["li.lei"])], told

        # Refused, changing nothing: closed without a result, a score
        # outside 1-5 (the CLI's usage error, and the daemon's 400), a role
        # that may not record, another salesperson.
        before = snapshot(env)
        refused(env, ["args.score", "result"], "callback", "record", str(first["id"]),
                "--reached", "--said", "还行")
        refused(env, ["args.said", "result"], "callback", "record", str(first["id"]),
                "--reached", "--score", "3")
        rc, _, err = q(env, "callback", "record", str(first["id"]), "--reached", "--score", "6",
                       "--said", "很好")
        assert rc == 2 and "--score" in err and "1 to 5" in err, (rc, err)
        for score in (0, 6):
            refused(env, ["400", "args.score"], "call", "callback.record", json.dumps(
                {"id": first["id"], "reached": "yes", "score": score, "said": "很好"}))
        refused(env, ["403", "callback.record", "finance"], "callback", "record",
                str(first["id"]), "--not-reached", role="finance", user="qian")
        refused(env, ["403", "args.id", "li.lei"], "callback", "record", str(first["id"]),
                "--not-reached", user="wang")
        refused(env, ["args.problems", "KIND:CATEGORY:TEXT"], "callback", "record",
                str(first["id"]), "--reached", "--score", "3", "--said", "一般", "--problems",
                "回复慢")
        assert snapshot(env) == before

        # Not done by Saturday 10 October: overdue to li.lei on Monday 12,
        # to his supervisor zhao (supervisors:) two working days later.
        clock.set("2026-10-10T09:00:00", c)
        clock.set("2026-10-11T09:00:00", c)
        assert payloads(env, "aftersales.callback_overdue") == []
        clock.set("2026-10-12T01:00:00", c)
        assert wait_for(lambda: payloads(env, "aftersales.callback_overdue"), 20)
        clock.set("2026-10-13T02:00:00", c)
        assert len(payloads(env, "aftersales.callback_overdue")) == 1
        clock.set("2026-10-14T01:00:00", c)
        assert wait_for(lambda: len(payloads(env, "aftersales.callback_overdue")) == 2, 20)
        overdue = payloads(env, "aftersales.callback_overdue")
        assert [(o["level"], o["recipients"], o["days_overdue"]) for o in overdue] == \
            [("owner", ["li.lei"], 2), ("supervisor", ["zhao"], 4)], overdue
        assert qj(env, "callback", "show", str(first["id"]))["overdue"] == "supervisor"

        # Reached late, with its result: done; the 90-day one still waits.
        done = qj(env, "callback", "record", str(first["id"]), "--reached", "--score", "4",
                  "--said", "证书已用于投标，满意")
        assert (done["state"], done["score"], done["attempts"]) == ("done", 4, 1), done
        assert [(k["made_on"], k["reached"], k["by"]) for k in done["calls"]] == \
            [("2026-10-14", True, "li.lei")], done["calls"]
        assert [x["state"] for x in callbacks(env, kid)] == ["done", "scheduled"]
        rc, out, _ = q(env, "callback", "list", "--contract", str(kid))
        assert rc == 0 and "scheduled" in out and DAY_90 in out, out


def test_timers_survive_a_restart():
    with delivered() as (env, clock, c, kid):
        first, second = callbacks(env, kid)

        # The daemon is killed; it comes back after both days passed.
        c.close()
        env.kill_daemon()
        clock.set("2026-12-01T02:00:00")  # Tuesday 10:00
        env.start_daemon()
        c = env.client()
        assert wait_for(lambda: opened(env, first["id"]) and opened(env, second["id"]), 30), \
            callbacks(env, kid)
        due = payloads(env, "aftersales.callback_due")
        assert sorted((d["callback_id"], d["day"], d["late"]) for d in due) == \
            [(first["id"], DAY_30, True), (second["id"], DAY_90, True)], due
        for callback in (first, second):
            timers = qj(env, "callback", "show", str(callback["id"]))["timers"]
            fired = [t for t in timers if t["kind"] == "callback_due"]
            assert [t["state"] for t in fired] == ["fired"], timers
        # Opened late, each is called from today.
        late = qj(env, "callback", "show", str(second["id"]))
        assert (late["next_attempt"], late["due"]) == ("2026-12-01", "2026-12-03"), late

        # Again: nothing fires twice, nothing opens twice.
        c.close()
        env.kill_daemon(signal.SIGTERM)
        env.start_daemon()
        c = env.client()
        clock.set("2026-12-01T02:30:00", c)
        assert len(payloads(env, "aftersales.callback_due")) == 2
        assert len(payloads(env, "aftersales.callback_opened")) == 2
        assert [x["state"] for x in callbacks(env, kid)] == ["open", "open"]


def test_worker_killed_while_it_holds_the_event():
    with delivered() as (env, clock, c, kid):
        first = callbacks(env, kid)[0]
        worker = [p for p in env.procs if p.args[0].endswith("qualflow-aftersales")][0]

        def aftersales():
            return [g for g in qj(env, "groups", **OPS)["items"] if g["name"] == "aftersales"][0]

        # Stopped, it is handed the due event and holds it; then SIGKILL.
        worker.send_signal(signal.SIGSTOP)
        clock.set(DAY_30 + "T01:00:00", c)
        assert wait_for(lambda: aftersales()["in_flight"] == 1, 20), aftersales()
        assert qj(env, "callback", "show", str(first["id"]))["state"] == "scheduled"
        worker.kill()
        worker.wait(timeout=30)
        env.start_worker("aftersales")
        assert wait_for(lambda: opened(env, first["id"]), 30), aftersales()
        group = aftersales()
        assert group["redelivered"] >= 1 and group["dead_letters"] == 0, group
        assert len(payloads(env, "aftersales.callback_opened")) == 1
        assert [(x["interval_days"], x["state"]) for x in callbacks(env, kid)] == \
            [(30, "open"), (90, "scheduled")]

        # The group replayed from the start: still one task.
        rc, _, err = q(env, "groups", "seek", "aftersales", "--to", "1", **OPS)
        assert rc == 0, err
        assert wait_for(lambda: aftersales()["lag"] == 0, 20), aftersales()
        assert len(payloads(env, "aftersales.callback_opened")) == 1
        assert env.sql("SELECT count(*) FROM callbacks WHERE contract_id = ?", kid) == [(2,)]


if __name__ == "__main__":
    run("s6_4_callbacks", [test_scheduled_rules_and_overdue, test_timers_survive_a_restart,
                           test_worker_killed_while_it_holds_the_event])
