"""§6.4 feedback and §3.3 customer first, driven through the real CLI
against a real daemon and the technical worker, on the shipped
configuration and the test clock: a technical problem handed in by the
after-sales staff goes to the technical group (its worker records that the
group took the case); a service complaint comes from a web form through the
protocol command with the integration role and is investigated by the
salesperson; the deadlines are working days on the 2026 calendar (National
Day off, the make-up Saturday on); the customer's profile shows the open
cases. Closing before the outcome was told, an unknown category, a role
that may not: refused, the cases as they were. The technical deadline
passes while the daemon is down (killed with SIGKILL): feedback.overdue
comes once, late, after the restart. Both cases are told and closed; the
report of the year shows them with the resolution times computed here from
the cases; September's digest reaches each department a category names."""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import BIN, Clock, Env, events, run, wait_for  # noqa: E402

CODE = "91350100M000100Y43"


def q(env, *args, role="aftersales", user="zhou.min"):
    """Runs `qualflow --as ROLE --user USER ARGS...`: (exit status, stdout, stderr)."""
    p = subprocess.run([os.path.join(BIN, "qualflow"), "-c", env.conf, "--as", role,
                        "--user", user] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def qj(env, *args, role="aftersales", user="zhou.min"):
    """The --json result of a CLI command that must succeed."""
    rc, out, err = q(env, "--json", *args, role=role, user=user)
    assert rc == 0, (args, err)
    return json.loads(out)


def snapshot(env):
    """Every row of the feedback tables, to show a refusal changed nothing."""
    return {t: sorted(env.sql("SELECT * FROM %s" % t))
            for t in ("feedback_cases", "feedback_findings", "feedback_counts")}


def test_feedback_story():
    env = Env()
    try:
        clock = Clock(env, "2026-09-28T02:00:00")  # Monday 28 September, 10:00 in Hefei
        env.start_daemon()
        env.start_worker("technical")
        c = env.client()
        customer = qj(env, "customer", "add", "--name", "合肥建工集团", "--credit-code", CODE,
                      role="sales", user="li.lei")["id"]

        # A technical problem, high: the category's 2 working days, 29 and 30 September.
        tech = qj(env, "feedback", "add", "--customer", str(customer), "--category",
                  "certificate-invalid", "--severity", "high", "--text",
                  "官网查询不到证书 the certificate is not in the official registry",
                  "--channel", "phone")
        assert tech["kind"] == "technical" and tech["state"] == "open", tech
        assert tech["deadline"] == "2026-09-30" and tech["owner"] is None, tech
        # The technical worker takes it: the group's receipt, no state change.
        assert wait_for(lambda: qj(env, "case", "show", str(tech["id"]))["routed_at"], 20), \
            qj(env, "case", "show", str(tech["id"]))
        assert qj(env, "case", "show", str(tech["id"]))["state"] == "open"

        # A web form hands a service complaint in through the protocol command.
        rc, out, err = q(env, "--json", "call", "feedback.add", json.dumps(
            {"customer_id": customer, "category": "slow-response",
             "text": "三天没人回电话 nobody called back for three days", "channel": "web"}),
            role="integration", user="webform")
        assert rc == 0, err
        service = json.loads(out)
        # Normal: 5 working days: 29, 30 September, 8, 9 and Saturday 10
        # October (a make-up working day); 1-7 October are National Day.
        assert service["source"] == "integration" and service["owner"] == "li.lei", service
        assert service["deadline"] == "2026-10-10", service
        received = events(env, "feedback.received")
        assert [e["recipients"] for e in received] == [["technical"], ["sales", "li.lei"]], \
            received
        shown = qj(env, "customer", "show", str(customer), role="sales", user="li.lei")
        assert [x["id"] for x in shown["open_cases"]] == [tech["id"], service["id"]], shown

        # Refusals change nothing.
        before = snapshot(env)
        rc, _, err = q(env, "case", "close", str(tech["id"]))
        assert rc == 1 and "409" in err and "told" in err and "§3.3" in err, err
        rc, _, err = q(env, "feedback", "add", "--customer", str(customer), "--category",
                       "weather", "--text", "x")
        assert rc == 1 and "args.category" in err and "certificate-invalid" in err, err
        rc, _, err = q(env, "case", "close", str(service["id"]), role="integration",
                       user="webform")
        assert rc == 1 and "403" in err, err
        rc, _, err = q(env, "case", "acknowledge", str(service["id"]), role="technical",
                       user="chen.jie")
        assert rc == 1 and "403" in err and "service" in err, err
        assert snapshot(env) == before

        # National Day: nothing is overdue before the first working day after
        # the deadline; September's digest goes out at 00:00 on 1 October.
        clock.set("2026-10-07T15:00:00", c)  # 23:00 on 7 October
        assert wait_for(lambda: len(events(env, "feedback.digest")) == 5, 20), \
            events(env, "feedback.digest")
        digests = {d["department"]: d for d in events(env, "feedback.digest")}
        assert sorted(digests) == ["finance", "logistics", "review", "sales", "technical"]
        assert digests["sales"]["cases"]["received"] == 1, digests["sales"]
        assert digests["technical"]["cases"]["received"] == 1, digests["technical"]
        assert digests["finance"]["cases"]["received"] == 0, digests["finance"]
        assert events(env, "feedback.overdue") == []

        # The daemon is killed and comes back on 8 October at 10:00: the
        # technical case's deadline passed meanwhile; its timer fires once, late.
        env.kill_daemon()
        clock.set("2026-10-08T02:00:00")
        env.start_daemon()
        c.close()
        c = env.client()
        assert wait_for(lambda: events(env, "feedback.overdue"), 20)
        overdue = events(env, "feedback.overdue")
        assert len(overdue) == 1 and overdue[0]["case_id"] == tech["id"], overdue
        assert overdue[0]["late"] is True and overdue[0]["deadline"] == "2026-09-30", overdue
        assert qj(env, "case", "list", "--state", "overdue")["items"][0]["id"] == tech["id"]

        # The salesperson investigates the complaint, apologises and tells
        # the outcome; then closes it, within its deadline.
        qj(env, "case", "findings", str(service["id"]), "--text",
           "国庆值班表漏排 the holiday rota left the line unmanned", role="sales", user="li.lei")
        rc, _, err = q(env, "case", "tell", str(service["id"]), "--outcome", "已补排值班",
                       "--channel", "phone", role="sales", user="li.lei")
        assert rc == 1 and "args.apology" in err, err
        told = qj(env, "case", "tell", str(service["id"]), "--outcome", "已补排值班 rota fixed",
                  "--apology", "非常抱歉 we are sorry", "--channel", "phone", "--at",
                  "2026-10-08T09:45", role="sales", user="li.lei")
        assert told["state"] == "told" and told["told_channel"] == "phone", told
        closed = qj(env, "case", "close", str(service["id"]), role="sales", user="li.lei")
        assert closed["state"] == "closed" and closed["closed_on_time"] == 1, closed
        # Technical tells and closes its case, late.
        qj(env, "case", "tell", str(tech["id"]), "--outcome", "省厅已同步 registry updated",
           "--channel", "email", role="technical", user="chen.jie")
        late = qj(env, "case", "close", str(tech["id"]), role="technical", user="chen.jie")
        assert late["closed_on_time"] == 0, late
        shown = qj(env, "customer", "show", str(customer), role="sales", user="li.lei")
        assert shown["open_cases"] == [], shown

        # The year's report: both cases, their resolution times as computed
        # from the cases themselves, one within its deadline.
        report = qj(env, "report", "feedback", "--period", "2026", role="management",
                    user="boss")
        cases = [qj(env, "case", "show", str(i)) for i in (tech["id"], service["id"])]
        hours = [x["resolution_ms"] / 3600000.0 for x in cases]
        assert report["cases"]["received"] == 2 and report["cases"]["closed"] == 2, report
        assert report["cases"]["technical"] == 1 and report["cases"]["overdue"] == 1, report
        assert abs(report["resolution"]["median_hours"] - round(statistics.median(hours), 2)) \
            < 0.011, (report["resolution"], hours)
        assert abs(report["resolution"]["p90_hours"] - round(max(hours), 2)) < 0.011, report
        assert report["resolution"]["on_time"] == 1, report
        assert sorted(x["category"] for x in report["categories"]) == \
            ["certificate-invalid", "slow-response"], report["categories"]
        assert report["open"]["cases"] == 0, report["open"]
        rc, out, err = q(env, "report", "feedback", "--period", "2026Q3", role="management",
                         user="boss")
        assert rc == 0 and "period: 2026Q3" in out and "categories:" in out and \
            "CATEGORY" in out, out
        rc, _, err = q(env, "report", "feedback", "--period", "2026Q5", role="management",
                       user="boss")
        assert rc == 1 and "args.period" in err, err
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("s6_4_feedback", [test_feedback_story])
