"""The whole sales story of §6 (customers, proposals, contracts) in one
scenario, driven through the real CLI against a real daemon and the legal,
finance, technical, renewal and sales workers, on the test clock: a
customer with a contact person whose next step is overdue on a working
day; a proposal with two sellable qualifications; a negotiation version
whose discount is beyond the salesperson's limit, refused at sending with
the conduct recorded in the event log, then approved by a supervisor, sent
and accepted; a contract drafted with a clause left out, failed by legal,
fixed and passed by all three departments; signed, with its receivables
made once; one instalment paid and the other reminded on working days
only; the delivery at risk, then delivered; and a second contract for the
reserved qualifications refused naming the first. Each step checks the
state and the events it must leave, not only the exit status."""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import (GOOD, WORKERS, Clock, Env, add_approved, ms, run,  # noqa: E402
                       start_all, wait_for)
from test_s6_3_contracts import hand_over, q, qj  # noqa: E402  (CLI as li.lei, a salesperson)

CODE = "91350100M000100Y43"
CODE_B = "91340100MA2N01110K"
SUPERVISOR = {"role": "supervisor", "user": "zhao"}
OTHER = {"role": "sales", "user": "wang"}
FINANCE = {"role": "finance", "user": "qian"}
OPS = {"role": "admin", "user": "ops"}
TABLES = ("proposals", "proposal_versions", "proposal_lines", "proposal_approvals",
          "contracts", "contract_versions", "contract_reports", "contract_reservations",
          "receivables", "payments")


def refused(env, words, *args, **who):
    """Runs a command that must be refused (exit 1) with every one of
    `words` in its error (`who`: role=, user= for q); returns the error."""
    rc, out, err = q(env, *args, **who)
    assert rc == 1, "qualflow %s: expected a refusal, got %d %s %s" % (
        " ".join(args), rc, out, err)
    for word in words:
        assert word in err, "qualflow %s: %r not in %r" % (" ".join(args), word, err)
    return err


def snapshot(env):
    """Every row of the proposal and contract tables, to show a refusal
    changed nothing."""
    return {t: env.sql("SELECT * FROM %s ORDER BY rowid" % t) for t in TABLES}


def records(env, topic):
    """The events of one topic as `qualflow events` lists them."""
    page = qj(env, "events", "--topic", topic, "--limit", "1000", **OPS)
    assert page["next"] is None, page
    return page["items"]


def payloads(env, topic):
    return [e["payload"] for e in records(env, topic)]


def weekday(event):
    """The day of the week (0 Monday) in Hefei (UTC+8) when an event was
    committed; events list gives its time as RFC 3339 UTC or epoch ms."""
    t = event["time"]
    if isinstance(t, str):
        when = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
    else:
        when = datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc)
    return (when + datetime.timedelta(hours=8)).weekday()


def settled(env):
    """Every worker group has handled everything, with nothing redelivered
    or dead-lettered."""
    groups = qj(env, "groups", **OPS)["items"]
    mine = [g for g in groups if g["name"] in WORKERS]
    return {g["name"] for g in mine} == set(WORKERS) and all(
        g["lag"] == 0 and g["dead_letters"] == 0 and g["redelivered"] == 0 for g in mine)


def second_reserved_refused(env, other, qid, number):
    """Another salesperson's customer `other` cannot be offered
    qualification `qid`: refused naming the contract `number` that
    reserves it."""
    refused(env, ["409", "args.lines", "reserved by contract %s" % number, "§6.3"],
            "proposal", "create", "--customer", str(other), "--lines", "%d:200000" % qid,
            "--steps", "survey", "--services", "callback", "--delivery", "2026-12-31",
            **OTHER)


def test_sales_story():
    env = Env()
    try:
        clock = Clock(env, "2026-06-03T02:00:00")  # Wednesday 10:00 in Hefei
        start_all(env)
        c = env.client()

        # A customer with a contact person; a call on Monday whose next step
        # was due Tuesday is overdue on Wednesday, a working day: told once.
        customer = qj(env, "customer", "add", "--name", "合肥建工集团", "--credit-code", CODE,
                      "--industry", "construction", "--region", "Hefei",
                      "--contact-name", "陈经理", "--phone", "0551-6512 3456")
        cid = customer["id"]
        assert customer["owner"] == "li.lei", customer
        assert [p["name"] for p in customer["contacts"]] == ["陈经理"], customer
        step = qj(env, "customer", "contact", str(cid), "--channel", "phone", "--summary",
                  "needs two construction qualifications", "--on", "2026-06-01",
                  "--person", "陈经理", "--next-step", "send the proposal",
                  "--next-due", "2026-06-02")
        assert step["step_state"] == "open", step
        assert wait_for(lambda: len(records(env, "customer.next_step_overdue")) == 1, 20), \
            records(env, "customer.next_step_overdue")
        overdue = records(env, "customer.next_step_overdue")[0]
        assert overdue["subject"] == "customer/%d" % cid, overdue
        assert weekday(overdue) == 2, overdue
        p = overdue["payload"]
        assert (p["owner"], p["recipients"], p["contact"]["id"], p["due"]) == \
            ("li.lei", ["li.lei"], step["id"], "2026-06-02"), p

        other = qj(env, "customer", "add", "--name", "芜湖建设", "--credit-code", CODE_B,
                   **OTHER)["id"]

        # A proposal with two sellable qualifications, within the 5 % limit.
        q1 = add_approved(env, c, cert_no="D234000011")
        q2 = add_approved(env, c, cert_no="D234000012", scope="建筑工程施工总承包三级")
        prop = qj(env, "proposal", "create", "--customer", str(cid), "--lines",
                  "%d:200000, %d:190000" % (q1, q2), "--steps", "survey,transfer",
                  "--services", "callback", "--delivery", "2026-08-31")
        pid = prop["id"]
        assert prop["state"] == "draft" and prop["version"] == 1 and prop["total"] == 390000, prop
        assert [(l["qualification_id"], l["scope"]) for l in prop["lines"]] == \
            [(q1, GOOD["scope"]), (q2, "建筑工程施工总承包三级")], prop["lines"]
        assert qj(env, "proposal", "send", str(pid))["state"] == "sent"
        done = qj(env, "customer", "done", str(step["id"]))
        assert done["step_state"] == "done", done

        # Negotiation: version 2 at 8 % on line 2; sending it is refused and
        # the refusal is on record as conduct, nothing else changes.
        v2 = qj(env, "proposal", "revise", str(pid), "--lines", "%d:184000" % q2,
                "--note", "客户要求降价")
        assert v2["version"] == 2 and v2["state"] == "draft", v2
        assert v2["versions"][0]["lines"][1]["price"] == 190000, v2["versions"]
        before = snapshot(env)
        refused(env, ["lines[2].price", "8.00 %", "at most 5 %", "role supervisor", "§5.3",
                      "conduct"], "proposal", "send", str(pid))
        assert snapshot(env) == before
        conduct = records(env, "staff.conduct_recorded")
        assert len(conduct) == 1, conduct
        assert conduct[0]["payload"] == dict(conduct[0]["payload"], user="li.lei", role="sales",
                                             proposal_id=pid, version=2, line=2,
                                             qualification_id=q2, limit=5,
                                             approver="supervisor"), conduct[0]
        assert qj(env, "proposal", "show", str(pid))["state"] == "draft"

        # The salesperson may not approve it; a supervisor does, then it is
        # sent and accepted.
        refused(env, ["supervisor"], "proposal", "approve", str(pid))
        approval = qj(env, "proposal", "approve", str(pid), **SUPERVISOR)
        assert [(a["by"], a["version"]) for a in approval["approvals"]] == [("zhao", 2)], approval
        assert len(payloads(env, "discount.approved")) == 1
        assert qj(env, "proposal", "send", str(pid))["state"] == "sent"
        accepted = qj(env, "proposal", "accept", str(pid))
        assert accepted["state"] == "accepted" and accepted["total"] == 384000, accepted
        assert len(records(env, "proposal.sent")) == 2
        assert len(records(env, "proposal.accepted")) == 1
        assert len(records(env, "staff.conduct_recorded")) == 1

        # A contract drafted with the disputes clause left out: 30 % / 70 %
        # of the accepted price.
        schedule = "2026-06-10:115200,2026-07-10:268800"
        draft_args = ("contract", "draft", "--proposal", str(pid), "--term", "split-30-70",
                      "--schedule", schedule)
        k = qj(env, *draft_args, "--omit", "disputes")
        kid, number = k["id"], k["number"]
        assert k["state"] == "draft" and number, k
        assert [(l["qualification_id"], l["price"]) for l in k["lines"]] == \
            [(q1, 200000), (q2, 184000)], k["lines"]

        # Review: legal fails the missing clause; it comes back with the findings.
        qj(env, "contract", "submit", str(kid))
        assert wait_for(lambda: payloads(env, "contract.returned"), 20), \
            payloads(env, "contract.reported")
        returned = payloads(env, "contract.returned")
        assert len(returned) == 1 and returned[0]["department"] == "legal", returned
        assert any("disputes" in f and "missing" in f for f in returned[0]["findings"]), returned
        assert qj(env, "contract", "show", str(kid))["state"] == "returned"
        assert payloads(env, "contract.approved") == []
        before = snapshot(env)
        refused(env, ["args.id", "approved"], "contract", "sign", str(kid), "--copy",
                "sha256:00ff")
        assert snapshot(env) == before

        # The fixed version passes all three departments; its
        # qualifications are reserved.
        fixed = qj(env, "contract", "revise", str(kid), "--note", "争议条款恢复")
        assert fixed["version"] == 2 and fixed["state"] == "draft", fixed
        qj(env, "contract", "submit", str(kid))
        assert wait_for(lambda: payloads(env, "contract.approved"), 20), \
            payloads(env, "contract.reported")
        shown = qj(env, "contract", "show", str(kid))
        assert shown["state"] == "approved", shown
        passed = sorted((r["department"], r["verdict"]) for r in shown["reports"]
                        if r["version"] == 2 and r["counted"] == 1)
        assert passed == [("finance", "pass"), ("legal", "pass"), ("sales", "pass")], \
            shown["reports"]
        assert wait_for(lambda: settled(env), 20), qj(env, "groups", **OPS)
        assert len(payloads(env, "contract.returned")) == 1

        # A second contract taking the reserved qualifications is refused,
        # naming the first; nothing changes. The accepted proposal has its
        # contract, and no other proposal may offer them any more: the
        # approved contract reserves them for their period of use.
        before = snapshot(env)
        refused(env, ["409", "args.proposal_id", "already has contract %s" % number],
                *draft_args)
        second_reserved_refused(env, other, q1, number)
        assert snapshot(env) == before

        # Signed: the finance worker makes the two receivables, once.
        signed = qj(env, "contract", "sign", str(kid), "--copy", "sha256:0123abcd")
        assert signed["state"] == "signed", signed
        assert wait_for(lambda: len(payloads(env, "receivable.created")) == 2, 20), \
            payloads(env, "receivable.created")
        assert wait_for(lambda: settled(env), 20), qj(env, "groups", **OPS)
        assert len(payloads(env, "receivable.created")) == 2
        assert env.sql("SELECT count(*) FROM receivables")[0][0] == 2
        items = qj(env, "payment", "list", str(kid), **FINANCE)["items"]
        assert [(r["instalment"], r["due"], r["amount"]) for r in items] == \
            [(1, "2026-06-10", 115200), (2, "2026-07-10", 268800)], items
        again = qj(env, "payment", "schedule", str(kid), **FINANCE)
        assert again["created"] == 0 and len(again["items"]) == 2, again

        # The first instalment is paid (no more than is due).
        before = snapshot(env)
        refused(env, ["args.amount", "115200.00 still due"], "payment", "record",
                str(items[0]["id"]), "--amount", "115200.01", **FINANCE)
        assert snapshot(env) == before
        paid = qj(env, "payment", "record", str(items[0]["id"]), "--amount", "115200",
                  **FINANCE)
        assert paid["state"] == "paid", paid

        # The second is overdue after Friday 2026-07-10: reminded on Monday
        # and on Tuesday, never at the weekend. Its first reminder waits
        # for Monday 09:00 in Hefei, past the weekend.
        due = env.sql("SELECT due FROM timers WHERE kind = 'contract_payment_overdue' "
                      "AND subject = ? AND state = 'pending'", "receivable/%d" % items[1]["id"])
        assert due == [(ms("2026-07-13T01:00:00"),)], due
        clock.set("2026-07-11T02:00:00", c)
        clock.set("2026-07-12T02:00:00", c)
        assert records(env, "payment.overdue") == []
        clock.set("2026-07-13T02:00:00", c)
        assert wait_for(lambda: len(records(env, "payment.overdue")) == 1, 20), \
            records(env, "payment.overdue")
        clock.set("2026-07-14T02:00:00", c)
        assert wait_for(lambda: len(records(env, "payment.overdue")) == 2, 20), \
            records(env, "payment.overdue")
        reminders = records(env, "payment.overdue")
        assert [weekday(r) for r in reminders] == [0, 1], reminders
        assert [r["payload"]["days_overdue"] for r in reminders] == [3, 4], reminders
        assert all(r["payload"]["outstanding"] == 268800 and
                   r["payload"]["recipients"] == ["finance", "li.lei"] for r in reminders), \
            reminders
        assert [r["id"] for r in qj(env, "payment", "list", str(kid), **FINANCE)["items"]
                if r["state"] == "paid"] == [items[0]["id"]]

        # The delivery (Monday 2026-08-31) is at risk five working days
        # before: Monday 2026-08-24, not on the Friday before.
        due = env.sql("SELECT due FROM timers WHERE kind = 'contract_delivery_at_risk' "
                      "AND subject = ? AND state = 'pending'", "contract/%d" % kid)
        assert due == [(ms("2026-08-24T01:00:00"),)], due
        clock.set("2026-08-21T02:00:00", c)
        assert records(env, "contract.delivery_at_risk") == []
        clock.set("2026-08-24T02:00:00", c)
        assert wait_for(lambda: records(env, "contract.delivery_at_risk"), 20)
        risk = records(env, "contract.delivery_at_risk")
        assert len(risk) == 1 and weekday(risk[0]) == 0, risk
        assert risk[0]["payload"]["delivery"] == "2026-08-31", risk
        assert risk[0]["payload"]["recipients"] == ["li.lei"], risk

        # Signing gave the processing team and logistics their delivery
        # tasks; delivery waits for them. The certificates leave custody
        # for the customer, and the salesperson is told when all is done.
        opened = records(env, "handover.opened")
        assert sorted((e["payload"]["kind"], e["payload"]["recipients"][0]) for e in opened) == \
            [("processing", "review")] * 2 + [("transfer", "logistics")] * 2, opened
        refused(env, ["args.id", "4 open delivery task(s)"], "contract", "deliver", str(kid))
        hand_over(env, kid, (q1, q2))
        for qid in (q1, q2):
            kept = qj(env, "custody", "show", str(qid))
            assert (kept["transferred_to"], kept["transfer_contract"]) == ("合肥建工集团", kid), \
                kept
        done = records(env, "handover.completed")
        assert [e["payload"]["recipients"] for e in done] == [["li.lei"]], done

        # Delivered, once.
        delivered = qj(env, "contract", "deliver", str(kid), "--note", "证书原件已交接")
        assert delivered["state"] == "delivered", delivered
        refused(env, ["only a signed contract is delivered"], "contract", "deliver", str(kid))
        assert len(records(env, "contract.delivered")) == 1
        assert qj(env, "contract", "show", str(kid))["state"] == "delivered"

        # Still sold for its period of use: another contract is refused.
        before = snapshot(env)
        refused(env, ["409", "already has contract %s" % number], *draft_args)
        second_reserved_refused(env, other, q2, number)
        assert snapshot(env) == before
        assert len(payloads(env, "receivable.created")) == 2
        assert len(records(env, "customer.next_step_overdue")) == 1
        assert len(records(env, "staff.conduct_recorded")) == 1
        assert wait_for(lambda: settled(env), 20), qj(env, "groups", **OPS)
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("s6_sales_story", [test_sales_story])
