"""§6.2 Proposals and negotiation under §5.3's discount discipline, driven
through the real CLI against a real daemon and the review workers: a
proposal offers only sellable qualifications and states their record's
scope and validity (typed ones are refused naming the field and §3.2);
a negotiation round is a new version and the old one stays; a discount
beyond a salesperson's limit is refused at sending, naming the line, the
discount, the limit and the role that may approve, and that refusal is
committed as a conduct event while nothing else changes; a supervisor's
approval lets it through; a policy change flags the open proposals that
hold a suspended qualification. Each refusal leaves the proposal tables
as they were (read back with SQL)."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import (BIN, GOOD, Clock, Env, add_approved, events, run,  # noqa: E402
                       start_all, wait_for)

CODE = "91350100M000100Y43"
TABLES = ("proposals", "proposal_versions", "proposal_lines", "proposal_approvals",
          "proposal_flags")


def q(env, *args, role="sales", user="li.lei"):
    """Runs `qualflow --as ROLE --user USER ARGS...`: (exit status, stdout, stderr)."""
    p = subprocess.run([os.path.join(BIN, "qualflow"), "-c", env.conf, "--as", role,
                        "--user", user] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def qj(env, *args, role="sales", user="li.lei"):
    """The --json result of a CLI command that must succeed."""
    rc, out, err = q(env, "--json", *args, role=role, user=user)
    assert rc == 0, (args, err)
    return json.loads(out)


def snapshot(env):
    """Every row of the proposal tables, to show a refusal changed nothing."""
    return {t: env.sql("SELECT * FROM %s ORDER BY rowid" % t) for t in TABLES}


def setup(env):
    """A customer of li.lei and two approved qualifications: (customer, q1, q2)."""
    Clock(env, "2026-06-01T02:00:00")
    start_all(env, ("legal", "finance", "technical"))
    c = env.client()
    customer = qj(env, "customer", "add", "--name", "合肥建工集团", "--credit-code", CODE)["id"]
    q1 = add_approved(env, c, cert_no="D234000011")
    q2 = add_approved(env, c, cert_no="D234000012", scope="建筑工程施工总承包三级")
    c.close()
    return customer, q1, q2


def create(env, customer, lines, role="sales", user="li.lei"):
    return qj(env, "proposal", "create", "--customer", str(customer), "--lines", lines,
              "--steps", "survey,transfer", "--services", "callback", "--delivery", "2026-07-15",
              role=role, user=user)


def test_proposal_negotiation_and_discount_discipline():
    env = Env()
    try:
        customer, q1, q2 = setup(env)
        # Not sellable: a draft qualification. Refused, nothing stored.
        c = env.client()
        draft = c.call("qual.add", dict(GOOD, cert_no="D234000013"), role="review")[1]["result"]
        c.close()
        before = snapshot(env)
        rc, _, err = q(env, "proposal", "create", "--customer", str(customer), "--lines",
                       "%d:200000,%d:200000" % (q1, draft["id"]), "--steps", "survey",
                       "--services", "callback", "--delivery", "2026-07-15")
        assert rc == 1 and "not sellable" in err and "§3.1" in err and "args.lines" in err, err
        # Scope typed in: refused naming the field and §3.2.
        rc, _, err = q(env, "call", "proposal.create", json.dumps(
            {"customer_id": customer, "lines": "%d:200000" % q1, "steps": "survey",
             "services": "callback", "delivery": "2026-07-15", "scope": "全部工程"}))
        assert rc == 1 and "args.scope" in err and "§3.2" in err, err
        # Another salesperson's customer.
        rc, _, err = q(env, "proposal", "create", "--customer", str(customer), "--lines",
                       "%d:200000" % q1, "--steps", "survey", "--services", "callback",
                       "--delivery", "2026-07-15", user="wang")
        assert rc == 1 and "li.lei" in err, err
        assert snapshot(env) == before

        # Two sellable qualifications; the lines say what the records say.
        p = create(env, customer, "%d:200000, %d:190000" % (q1, q2))
        pid = p["id"]
        assert p["state"] == "draft" and p["version"] == 1, p
        assert [(l["qualification_id"], l["scope"], l["expires"]) for l in p["lines"]] == [
            (q1, GOOD["scope"], GOOD["expires"]), (q2, "建筑工程施工总承包三级", GOOD["expires"])]
        assert p["steps"][0]["text"].startswith("现场勘察"), p["steps"]
        assert p["total"] == 390000, p
        rc, out, _ = q(env, "proposal", "show", str(pid))
        assert rc == 0 and "建筑工程施工总承包三级" in out and "DISCOUNT_%" in out, out

        # Within the salesperson's 5 %: sent.
        sent = qj(env, "proposal", "send", str(pid))
        assert sent["state"] == "sent", sent

        # A negotiation round at 8 % on line 2: a new version, the first kept.
        v2 = qj(env, "proposal", "revise", str(pid), "--lines", "%d:184000" % q2,
                "--delivery", "2026-07-31", "--note", "客户要求降价")
        assert v2["version"] == 2 and v2["state"] == "draft", v2
        assert v2["versions"][1]["changed"] == ["price", "delivery", "note"], v2["versions"][1]
        assert v2["versions"][0]["lines"][1]["price"] == 190000, v2["versions"][0]
        assert v2["versions"][1]["by"] == "li.lei", v2["versions"][1]

        # Sending it is refused naming the line, discount, limit and approver;
        # the conduct event is committed, nothing else changes.
        before = snapshot(env)
        rc, _, err = q(env, "proposal", "send", str(pid))
        assert rc == 1, err
        for said in ("lines[2].price", "8.00 %", "at most 5 %", "role supervisor", "§5.3",
                     "conduct"):
            assert said in err, (said, err)
        assert snapshot(env) == before
        conduct = events(env, "staff.conduct_recorded")
        assert len(conduct) == 1, conduct
        assert conduct[0] == dict(conduct[0], user="li.lei", role="sales", severity="serious",
                                  proposal_id=pid, version=2, line=2, qualification_id=q2,
                                  limit=5, approver="supervisor"), conduct[0]
        assert events(env, "proposal.sent") and len(events(env, "proposal.sent")) == 1

        # A salesperson may not approve; a supervisor may (10 %).
        rc, _, err = q(env, "proposal", "approve", str(pid))
        assert rc == 1 and "supervisor" in err, err
        approved_p = qj(env, "proposal", "approve", str(pid), role="supervisor", user="zhao")
        assert approved_p["approvals"][0]["by"] == "zhao", approved_p["approvals"]
        assert approved_p["approvals"][0]["version"] == 2, approved_p["approvals"]
        assert len(events(env, "discount.approved")) == 1
        assert qj(env, "proposal", "send", str(pid))["state"] == "sent"
        accepted = qj(env, "proposal", "accept", str(pid))
        assert accepted["state"] == "accepted" and accepted["closed_by"] == "li.lei", accepted
        assert len(events(env, "staff.conduct_recorded")) == 1

        # Sold once: a new proposal for the accepted qualification is refused.
        rc, _, err = q(env, "proposal", "create", "--customer", str(customer), "--lines",
                       "%d:200000" % q1, "--steps", "survey", "--services", "callback",
                       "--delivery", "2026-07-15")
        assert rc == 1 and "accepted by the customer of proposal %d" % pid in err, err
        topics = [e["topic"] for e in json.loads(q(env, "--json", "events", "--limit", "1000")[1])
                  ["items"] if e["topic"].startswith(("proposal.", "discount."))]
        assert topics == ["proposal.created", "proposal.sent", "proposal.revised",
                          "discount.approved", "proposal.sent", "proposal.accepted"], topics
    finally:
        env.close()


def test_policy_change_flags_open_proposals():
    env = Env()
    try:
        customer, q1, q2 = setup(env)
        first = create(env, customer, "%d:200000" % q1)["id"]
        second = create(env, customer, "%d:200000" % q2, role="supervisor", user="zhao")["id"]
        assert qj(env, "proposal", "send", str(second))["state"] == "sent"
        # The legal worker applies the recorded policy by itself.
        rc, _, err = q(env, "policy", "record", "--category", "construction-general", "--description",
                       "资质标准调整", "--effective", "2026-06-01", role="legal", user="liu")
        assert rc == 0, err
        assert wait_for(lambda: len(events(env, "proposal.flagged")) == 2, 20), \
            events(env, "proposal.flagged")
        applied = events(env, "policy.applied")
        assert sorted(applied[0]["flagged_proposals"]) == [first, second], applied
        shown = qj(env, "proposal", "show", str(first))
        assert "suspended" in shown["flagged"] and "资质标准调整" in shown["flagged"], shown
        assert shown["flags"][0]["qualification_id"] == q1, shown["flags"]
        rc, out, _ = q(env, "proposal", "show", str(first))
        assert rc == 0 and "flagged:" in out and "suspended" in out, out
        # Neither sent nor accepted while suspended; nothing changes.
        before = snapshot(env)
        rc, _, err = q(env, "proposal", "send", str(first))
        assert rc == 1 and "lines[1]" in err and "suspended" in err, err
        rc, _, err = q(env, "proposal", "accept", str(second))
        assert rc == 1 and "not sellable" in err, err
        assert snapshot(env) == before
        assert qj(env, "proposal", "withdraw", str(first), "--reason", "资质暂停")["state"] == \
            "withdrawn"
        # The list, paged by id; a salesperson sees their own customers' only.
        page = qj(env, "proposal", "list", "--limit", "1", role="management", user="boss")
        assert [p["id"] for p in page["items"]] == [first] and page["next"] == first, page
        page = qj(env, "proposal", "list", "--after", str(first), role="management", user="boss")
        assert [p["id"] for p in page["items"]] == [second] and page["next"] is None, page
        assert qj(env, "proposal", "list", user="wang")["items"] == []
        assert [p["id"] for p in qj(env, "proposal", "list", "--state", "open")["items"]] == \
            [second]
    finally:
        env.close()


if __name__ == "__main__":
    run("s6_2_proposals", [test_proposal_negotiation_and_discount_discipline,
                           test_policy_change_flags_open_proposals])
