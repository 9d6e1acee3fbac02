"""§6.3 Contracts, driven through the real CLI against a real daemon and
the department workers (legal, finance, sales): a contract is drafted from
an accepted proposal with the records' lines, an allowed payment term and a
schedule adding up to the price, and a number of the configured pattern;
rendered from the record; submitted, the legal worker fails it for a
required clause left out and it comes back with the findings; a fixed
version passes all three departments and its qualifications are reserved
(a second contract for them is refused naming the first); signed, the
finance worker makes the receivables once; a payment beyond what is due is
refused (the finance worker and the daemon killed with SIGKILL around
the signing, and the finance group replayed from the start, make no
receivable twice); one instalment is paid, the other is reminded on each working day
while overdue; the delivery date comes near (at risk) and the contract is
delivered; a policy change flags it while it is open. Each refusal leaves the contract tables as they were."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import (BIN, GOOD, Clock, Env, add_approved, events, run,  # noqa: E402
                       wait_for)

CODE = "91350100M000100Y43"
TABLES = ("contracts", "contract_versions", "contract_reports", "contract_reservations",
          "receivables", "payments")
WORKERS = ("legal", "finance", "technical", "sales")


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


def hand_over(env, kid, quals):
    """§6.3 execution through the CLI: logistics archives each certificate
    of `quals`, the processing team (review) finishes each processing task
    and logistics each transfer; returns the tasks as handover list gives
    them, all done."""
    for qid in quals:
        qj(env, "custody", "archive", str(qid), "--custodian", "王芳", "--location",
           "档案柜 A-3", "--acquired", "2026-01-05", role="logistics", user="wang.fang")
    tasks = qj(env, "handover", "list", "--contract", str(kid), "--state", "open")["items"]
    assert sorted((t["qualification_id"], t["kind"]) for t in tasks) == sorted(
        (qid, kind) for qid in quals for kind in ("processing", "transfer")), tasks
    for kind, team in (("processing", "review"), ("transfer", "logistics")):
        for task in [t for t in tasks if t["kind"] == kind]:
            done = qj(env, "handover", "done", str(task["id"]), role=team, user="staff")
            assert done["state"] == "done", done
    tasks = qj(env, "handover", "list", "--contract", str(kid))["items"]
    assert all(t["state"] == "done" for t in tasks), tasks
    return tasks


def snapshot(env):
    """Every row of the contract tables, to show a refusal changed nothing."""
    return {t: env.sql("SELECT * FROM %s ORDER BY rowid" % t) for t in TABLES}


def test_contract_story():
    env = Env()
    try:
        clock = Clock(env, "2026-06-01T02:00:00")  # Monday 10:00 in Hefei
        env.start_daemon()
        workers = {w: env.start_worker(w) for w in WORKERS}
        c = env.client()
        customer = qj(env, "customer", "add", "--name", "合肥建工集团", "--credit-code",
                      CODE)["id"]
        q1 = add_approved(env, c, cert_no="D234000011")
        q2 = add_approved(env, c, cert_no="D234000012", scope="建筑工程施工总承包三级")
        p = qj(env, "proposal", "create", "--customer", str(customer), "--lines",
               "%d:200000, %d:190000" % (q1, q2), "--steps", "survey,transfer", "--services",
               "callback", "--delivery", "2026-08-31")
        pid = p["id"]
        qj(env, "proposal", "send", str(pid))
        qj(env, "proposal", "accept", str(pid))

        # Refused drafts change nothing: a schedule short of the price, a
        # term not allowed, a role that may not draft.
        before = snapshot(env)
        draft_args = ["contract", "draft", "--proposal", str(pid), "--term", "split-30-70"]
        rc, _, err = q(env, *draft_args, "--schedule", "2026-06-10:117000,2026-07-10:270000")
        assert rc == 1 and "args.schedule" in err and "387000.00" in err and \
            "390000.00" in err, err
        rc, _, err = q(env, "contract", "draft", "--proposal", str(pid), "--term", "monthly",
                       "--schedule", "2026-06-10:390000")
        assert rc == 1 and "args.payment_term" in err and "split-30-70" in err, err
        rc, _, err = q(env, *draft_args, "--schedule", "2026-06-10:117000,2026-07-10:273000",
                       role="finance", user="qian")
        assert rc != 0 and "finance" in err, err
        assert snapshot(env) == before

        # Drafted with the disputes clause left out.
        schedule = "2026-06-10:117000,2026-07-10:273000"
        k = qj(env, *draft_args, "--schedule", schedule, "--omit", "disputes")
        kid = k["id"]
        assert k["number"] == "HF-2026-0001" and k["state"] == "draft", k
        assert [(l["qualification_id"], l["scope"]) for l in k["lines"]] == \
            [(q1, GOOD["scope"]), (q2, "建筑工程施工总承包三级")], k["lines"]
        assert k["parties"]["customer"]["credit_code"] == CODE, k["parties"]
        rc, out, _ = q(env, "contract", "render", str(kid), "--markdown")
        assert rc == 0 and out.startswith("# ") and "HF-2026-0001" in out and \
            "\n| 2 | " in out and "建筑工程施工总承包三级" in out and "273000.00" in out and \
            "[rights]" in out and "[disputes]" not in out, out
        rc, out, _ = q(env, "contract", "render", str(kid))
        assert rc == 0 and "\n  2) " in out and "scope: 建筑工程施工总承包三级" in out, out

        # Review: legal fails the missing clause; back with the findings.
        qj(env, "contract", "submit", str(kid))
        assert wait_for(lambda: events(env, "contract.returned"), 20), \
            events(env, "contract.reported")
        returned = events(env, "contract.returned")[0]
        assert returned["department"] == "legal", returned
        assert any("disputes" in f and "missing" in f for f in returned["findings"]), returned
        shown = qj(env, "contract", "show", str(kid))
        assert shown["state"] == "returned", shown
        # Signing before approval is refused, naming the rule.
        before = snapshot(env)
        rc, _, err = q(env, "contract", "sign", str(kid), "--copy", "sha256:00ff")
        assert rc == 1 and "args.id" in err and "approved" in err, err
        assert snapshot(env) == before

        # A fixed version (every clause) passes all three departments.
        v2 = qj(env, "contract", "revise", str(kid), "--note", "争议条款恢复")
        assert v2["version"] == 2 and v2["state"] == "draft", v2
        qj(env, "contract", "submit", str(kid))
        assert wait_for(lambda: events(env, "contract.approved"), 20), \
            events(env, "contract.reported")
        shown = qj(env, "contract", "show", str(kid))
        assert shown["state"] == "approved", shown
        passed = sorted(r["department"] for r in shown["reports"]
                        if r["version"] == 2 and r["counted"] == 1)
        assert passed == ["finance", "legal", "sales"], shown["reports"]
        assert len(shown["versions"]) == 2 and \
            len(shown["versions"][0]["body"]["clauses"]) == 2, shown["versions"]

        # Verdicts that came after legal's fail (in whatever order the
        # workers answered) were kept, not refused: no group redelivers or
        # dead-letters a contract event.
        def settled():
            groups = qj(env, "groups", role="admin", user="ops")["items"]
            return all(g["dead_letters"] == 0 and g["lag"] == 0 and g["redelivered"] == 0
                       for g in groups if g["name"] in WORKERS)
        assert wait_for(settled, 20), qj(env, "groups", role="admin", user="ops")
        assert [r["verdict"] for r in shown["reports"]
                if r["version"] == 1 and r["department"] == "legal"] == ["fail"], shown["reports"]

        # A second contract taking the reserved qualifications is refused.
        rc, _, err = q(env, *draft_args, "--schedule", schedule)
        assert rc == 1 and "HF-2026-0001" in err, err

        # Signed while the finance worker is down; the daemon is killed too.
        # Restarted, the finance worker makes the two receivables, once.
        workers["finance"].kill()
        workers["finance"].wait(timeout=30)
        signed = qj(env, "contract", "sign", str(kid), "--copy", "sha256:0123abcd")
        assert signed["state"] == "signed" and signed["signed_copy"] == "sha256:0123abcd"
        c.close()
        env.kill_daemon()
        env.start_daemon()
        c = env.client()
        workers["finance"] = env.start_worker("finance")
        assert wait_for(lambda: len(events(env, "receivable.created")) == 2, 20), \
            events(env, "receivable.created")
        # Delivered again from the start (a lost position, a replay): the
        # results recorded answer, and no receivable is made twice.
        rc, _, err = q(env, "groups", "seek", "finance", "--to", "1", role="admin", user="ops")
        assert rc == 0, err
        assert wait_for(lambda: [g for g in qj(env, "groups", role="admin", user="ops")["items"]
                                 if g["name"] == "finance"][0]["lag"] == 0, 20)
        assert env.sql("SELECT count(*) FROM receivables")[0][0] == 2
        assert len(events(env, "receivable.created")) == 2
        items = qj(env, "payment", "list", str(kid), role="finance", user="qian")["items"]
        assert [(r["instalment"], r["due"], r["amount"]) for r in items] == \
            [(1, "2026-06-10", 117000), (2, "2026-07-10", 273000)], items
        again = qj(env, "payment", "schedule", str(kid), role="finance", user="qian")
        assert again["created"] == 0 and len(again["items"]) == 2, again

        # A payment beyond what is due is refused; the first paid in full.
        before = snapshot(env)
        rc, _, err = q(env, "payment", "record", str(items[0]["id"]), "--amount", "117000.01",
                       role="finance", user="qian")
        assert rc == 1 and "args.amount" in err and "117000.00 still due" in err, err
        assert snapshot(env) == before
        paid = qj(env, "payment", "record", str(items[0]["id"]), "--amount", "117000",
                  role="finance", user="qian")
        assert paid["state"] == "paid", paid

        # The second is overdue after 2026-07-10 (a Friday): reminded on
        # Monday and Tuesday, not on the weekend.
        clock.set("2026-07-11T02:00:00", c)
        clock.set("2026-07-12T02:00:00", c)
        assert events(env, "payment.overdue") == []
        clock.set("2026-07-13T02:00:00", c)
        assert wait_for(lambda: len(events(env, "payment.overdue")) == 1, 20)
        clock.set("2026-07-14T02:00:00", c)
        assert wait_for(lambda: len(events(env, "payment.overdue")) == 2, 20)
        overdue = events(env, "payment.overdue")
        assert [o["days_overdue"] for o in overdue] == [3, 4], overdue
        assert overdue[0]["recipients"] == ["finance", "li.lei"], overdue[0]
        assert overdue[0]["outstanding"] == 273000, overdue[0]

        # At risk 5 working days before 2026-08-31 (Monday): 2026-08-24.
        clock.set("2026-08-21T02:00:00", c)
        assert events(env, "contract.delivery_at_risk") == []
        clock.set("2026-08-24T02:00:00", c)
        assert wait_for(lambda: events(env, "contract.delivery_at_risk"), 20)
        risk = events(env, "contract.delivery_at_risk")[0]
        assert risk["recipients"] == ["li.lei"] and risk["delivery"] == "2026-08-31", risk

        # §7.2: a policy change suspends the category; the legal worker
        # applies it and the signed contract is flagged in that transaction.
        rc, _, err = q(env, "policy", "record", "--category", "construction-general",
                       "--description", "资质标准调整", "--effective", "2026-08-24", role="legal",
                       user="liu")
        assert rc == 0, err
        assert wait_for(lambda: events(env, "contract.flagged"), 20), events(env, "policy.applied")
        applied = events(env, "policy.applied")[0]
        assert applied["flagged_contracts"] == [kid], applied
        shown = qj(env, "contract", "show", str(kid))
        assert "资质标准调整" in shown["flagged"], shown

        # Delivered once handed over; delivering again is refused.
        rc, _, err = q(env, "contract", "deliver", str(kid))
        assert rc == 1 and "open delivery task" in err, err
        hand_over(env, kid, (q1, q2))
        delivered = qj(env, "contract", "deliver", str(kid), "--note", "证书原件已交接")
        assert delivered["state"] == "delivered", delivered
        assert len(events(env, "contract.delivered")) == 1
        rc, _, err = q(env, "contract", "deliver", str(kid))
        assert rc == 1 and "only a signed contract is delivered" in err, err
        page = qj(env, "contract", "list", "--state", "delivered", role="management",
                  user="boss")
        assert [x["number"] for x in page["items"]] == ["HF-2026-0001"], page
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("s6_3_contracts", [test_contract_story])
