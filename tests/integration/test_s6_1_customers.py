"""Customers (§6.1) through the real CLI and daemon, with the test clock: a
customer with a contact person and a next step already past its due date
raises customer.next_step_overdue to its owner on a working day (and waits
over a weekend); a second customer with the same credit code is refused
naming the first and its owner; a salesperson cannot touch another's
customer; a role that may not run a command gets 403; and every refusal
names the field and the rule and changes nothing. The daemon reads time
through qf_time_now_ms(), which QUALFLOW_TEST_CLOCK_FILE overrides."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import BIN, Clock, Env, run, wait_for  # noqa: E402

CODE_A = "91350100M000100Y43"  # valid: its 18th character is its check character
CODE_B = "91340100MA2N01110K"
WEDNESDAY = "2026-03-04T02:00:00"  # 10:00 in Shanghai, after calendar.reminder_time
SATURDAY = "2026-03-07T02:00:00"
MONDAY_0930 = "2026-03-09T01:30:00"


def qf(env, *args):
    """Runs `qualflow -c CONF ARGS...`: (exit status, stdout, stderr)."""
    p = subprocess.run([os.path.join(BIN, "qualflow"), "-c", env.conf] + list(args),
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def ok(env, *args):
    """The --json output of a command that must succeed."""
    status, out, err = qf(env, "--json", *args)
    assert status == 0, "qualflow %s: %s" % (" ".join(args), err)
    return json.loads(out)


def refused(env, words, *args):
    """Runs a command that must be refused: its error text, which must
    contain every one of `words`."""
    status, out, err = qf(env, *args)
    assert status == 1, "qualflow %s: expected a refusal, got %d %s %s" % (
        " ".join(args), status, out, err)
    for word in words:
        assert word in err, "qualflow %s: %r not in %r" % (" ".join(args), word, err)
    return err


def snapshot(env):
    """Everything the customer module and the event log hold."""
    tables = ("customers", "customer_contacts", "customer_notes", "customer_log",
              "customer_owners", "customer_history", "events")
    state = {t: env.sql("SELECT * FROM %s ORDER BY rowid" % t) for t in tables}
    state["timers"] = env.sql("SELECT id, kind, subject, due, state FROM timers ORDER BY id")
    return state


def overdue_events(env):
    return ok(env, "events", "--topic", "customer.next_step_overdue")["items"]


def add(env, user, code=CODE_A, *more):
    return ok(env, "--as", "sales", "--user", user, "customer", "add", "--name", "合肥建工集团",
              "--credit-code", code, "--industry", "construction", "--region", "Hefei",
              "--contact-name", "陈经理", "--phone", "0551-6512 3456",
              "--email", "chen@hfjg.example.cn", *more)


def start(env, when):
    Clock(env, when)
    env.start_daemon()


def test_overdue_next_step_on_working_day():
    env = Env()
    try:
        start(env, WEDNESDAY)
        customer = add(env, "zhang")
        cid = str(customer["id"])
        assert customer["owner"] == "zhang", customer
        assert [c["name"] for c in customer["contacts"]] == ["陈经理"], customer
        # A call on Monday whose next step was due Tuesday: overdue since
        # Wednesday 09:00, a working day; the owner is told once.
        entry = ok(env, "--as", "sales", "--user", "zhang", "customer", "contact", cid,
                   "--channel", "phone", "--summary", "needs a survey qualification",
                   "--on", "2026-03-02", "--person", "陈经理",
                   "--next-step", "send the proposal", "--next-due", "2026-03-03")
        assert entry["step_state"] == "open" and entry["next_due"] == "2026-03-03", entry
        assert wait_for(lambda: len(overdue_events(env)) == 1, 15), overdue_events(env)
        event = overdue_events(env)[0]
        assert event["subject"] == "customer/" + cid, event
        p = event["payload"]
        assert (p["owner"], p["recipients"], p["contact"]["id"], p["due"], p["days_overdue"]) == (
            "zhang", ["zhang"], entry["id"], "2026-03-03", 1), p
        contacted = ok(env, "events", "--topic", "customer.contacted")["items"]
        assert len(contacted) == 1 and contacted[0]["payload"]["owner"] == "zhang", contacted
        # Done now: recorded once; the history has it all in time order.
        done = ok(env, "--as", "sales", "--user", "zhang", "customer", "done", str(entry["id"]))
        assert done["step_state"] == "done", done
        before = snapshot(env)
        refused(env, ["409", "args.log_id", "done already"], "--as", "sales", "--user", "zhang",
                "customer", "done", str(entry["id"]))
        assert snapshot(env) == before
        types = [i["type"] for i in ok(env, "--as", "supervisor", "customer", "history",
                                       cid)["items"]]
        assert types == ["created", "contact_person", "contact", "step_overdue", "step_done"], types
        assert len(overdue_events(env)) == 1
    finally:
        env.close()


def test_overdue_waits_for_a_working_day():
    env = Env()
    try:
        start(env, SATURDAY)
        cid = str(add(env, "zhang")["id"])
        entry = ok(env, "--as", "sales", "--user", "zhang", "customer", "contact", cid,
                   "--channel", "visit", "--summary", "met the manager", "--on", "2026-03-05",
                   "--next-step", "call back", "--next-due", "2026-03-05")
        # Saturday and Sunday are days off: nothing until Monday's reminder time.
        assert not wait_for(lambda: overdue_events(env), 1.5)
        due = env.sql("SELECT due FROM timers WHERE kind = 'customer_next_step' "
                      "AND state = 'pending'")
        assert due == [(1773018000000,)], due  # Monday 2026-03-09 09:00 in Shanghai
        Clock(env, MONDAY_0930)
        assert wait_for(lambda: len(overdue_events(env)) == 1, 15), overdue_events(env)
        assert overdue_events(env)[0]["payload"]["contact"]["id"] == entry["id"]
    finally:
        env.close()


def test_duplicate_refused_naming_the_first():
    env = Env()
    try:
        start(env, WEDNESDAY)
        first = add(env, "zhang")
        before = snapshot(env)
        # The same code in lower case is the same company.
        refused(env, ["409", "args.credit_code", "already customer %d" % first["id"],
                      "owned by zhang"], "--as", "sales", "--user", "li", "customer", "add",
                "--name", "Hefei Construction", "--credit-code", CODE_A.lower())
        # A wrong check character says which it should be.
        refused(env, ["400", "args.credit_code", "is '4' but the first 17 give '3'"],
                "--as", "sales", "--user", "li", "customer", "add", "--name", "X",
                "--credit-code", CODE_A[:-1] + "4")
        refused(env, ["400", "args.credit_code", "never use I, O, Z, S or V"],
                "--as", "sales", "--user", "li", "customer", "add", "--name", "X",
                "--credit-code", "91350100M000100I43")
        refused(env, ["400", "args.contact_phone", "not a phone number"], "--as", "sales",
                "--user", "li", "customer", "add", "--name", "X", "--credit-code", CODE_B,
                "--contact-name", "王", "--phone", "call me")
        assert snapshot(env) == before
        listed = ok(env, "--as", "sales", "customer", "list")
        assert [c["id"] for c in listed["items"]] == [first["id"]] and listed["next"] is None
    finally:
        env.close()


def test_salesperson_owns_and_roles():
    env = Env()
    try:
        start(env, WEDNESDAY)
        cid = str(add(env, "zhang")["id"])
        second = add(env, "li", CODE_B)
        before = snapshot(env)
        # li reads zhang's customer but changes nothing of it.
        assert ok(env, "--as", "sales", "--user", "li", "customer", "show", cid)["owner"] == "zhang"
        for command in (["contact", cid, "--channel", "phone", "--summary", "hello"],
                        ["note", cid, "--kind", "need", "--text", "a survey licence"],
                        ["person", cid, "--name", "王", "--phone", "13800000000"],
                        ["update", cid, "--region", "Wuhu"]):
            refused(env, ["403", "args.id", "owned by zhang, not li"], "--as", "sales", "--user",
                    "li", "customer", *command)
        # Roles: finance adds no customer, a salesperson reassigns none.
        refused(env, ["403", "customer.add", "allowed roles: sales supervisor management"], "--as", "finance",
                "customer", "add", "--name", "X", "--credit-code", "12340000485003213M")
        refused(env, ["403", "allowed roles: supervisor management"], "--as", "sales", "--user", "zhang",
                "customer", "reassign", cid, "--to", "li")
        refused(env, ["400", "args.owner", "must name the salesperson"], "--as", "supervisor",
                "customer", "add", "--name", "X", "--credit-code", "12340000485003213M")
        refused(env, ["400", "args.next_due", "before the contact's date"], "--as", "sales",
                "--user", "zhang", "customer", "contact", cid, "--channel", "email",
                "--summary", "sent", "--on", "2026-03-04", "--next-step", "x",
                "--next-due", "2026-03-03")
        assert snapshot(env) == before
        # A supervisor moves it to li, on record; then li may and zhang may not.
        moved = ok(env, "--as", "supervisor", "--user", "wu", "customer", "reassign", cid,
                   "--to", "li", "--reason", "zhang moved to Wuhu")
        assert moved["owner"] == "li", moved
        event = ok(env, "events", "--topic", "customer.reassigned")["items"][0]["payload"]
        assert (event["from"], event["to"], event["by"]) == ("zhang", "li", "wu"), event
        ok(env, "--as", "sales", "--user", "li", "customer", "note", cid, "--kind", "concern",
           "--text", "price")
        refused(env, ["403", "owned by li, not zhang"], "--as", "sales", "--user", "zhang",
                "customer", "note", cid, "--kind", "concern", "--text", "price")
        history = ok(env, "--as", "sales", "customer", "history", cid)["items"]
        assert [h["type"] for h in history][-2:] == ["reassigned", "concern"], history
        assert history[-2]["detail"] == {"from": "zhang", "to": "li",
                                         "reason": "zhang moved to Wuhu"}, history
        assert history[-2]["by"] == "wu" and history[-2]["time"] > 0, history
        # The history keeps what was true then: the owner it was created with.
        assert history[0]["type"] == "created" and history[0]["detail"]["owner"] == "zhang", history
        # Filters and paging.
        page = ok(env, "--as", "sales", "customer", "list", "--owner", "li", "--limit", "1")
        assert [c["id"] for c in page["items"]] == [int(cid)] and page["next"] == int(cid), page
        page = ok(env, "--as", "sales", "customer", "list", "--owner", "li", "--limit", "1",
                  "--next", str(page["next"]))
        assert [c["id"] for c in page["items"]] == [second["id"]], page
    finally:
        env.close()


if __name__ == "__main__":
    run("s6_1_customers", [test_overdue_next_step_on_working_day,
                           test_overdue_waits_for_a_working_day,
                           test_duplicate_refused_naming_the_first,
                           test_salesperson_owns_and_roles])
