"""§5 staff through the real CLI against a real daemon and its workers, on
the test clock: a new salesperson of the staff directory is refused a
proposal, naming the onboarding training missing, until HR records the
training, then sends it; a person acts only in the roles the directory
gives them; a role that may not record a violation is refused; the
automatic violation of a refused discount is on record although its
command is refused; a salesperson who lets the onboarding window pass is
reminded once, on the next working day; with staff.require_directory a
user the directory does not list is refused. With security.curve on, the
certificate names the person: the directory narrows the roles it allows,
and the certificate of a person who left is refused. Every refusal is
checked to change nothing."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import Clock, Env, add_approved, run, start_all, wait_for  # noqa: E402
from test_s6_3_contracts import q, qj  # noqa: E402  (CLI as li.lei, a salesperson)
from test_sec_identity import CurveEnv  # noqa: E402
from test_s6_sales_story import records as events, refused  # noqa: E402

CODE = "91350100M000100Y43"
HR = {"role": "hr", "user": "hr.wang"}
SUPERVISOR = {"role": "supervisor", "user": "zhao"}
TABLES = ("staff_people", "staff_training", "staff_attendance", "staff_violations",
          "proposals", "proposal_versions")


def snapshot(env):
    """Every row of the staff and proposal tables and the length of the
    log, to show a refusal changed nothing."""
    rows = {t: env.sql("SELECT * FROM %s ORDER BY rowid" % t) for t in TABLES}
    rows["events"] = env.sql("SELECT count(*) FROM events")
    return rows


def test_onboarding_before_the_first_proposal():
    env = Env()
    try:
        clock = Clock(env, "2026-06-03T02:00:00")  # Wednesday 10:00 in Hefei
        start_all(env)
        c = env.client()
        qj(env, "staff", "add", "zhao", "--name", "赵敏", "--department", "sales", "--roles",
           "supervisor,sales", "--started", "2020-03-01", "--onboarded", "2020-03-20", **HR)
        li = qj(env, "staff", "add", "li.lei", "--name", "李雷", "--department", "sales",
                "--roles", "sales", "--supervisor", "zhao", "--started", "2026-06-03", **HR)
        assert li["onboarding"]["required"] and not li["onboarding"]["complete"], li
        assert li["onboarding"]["due"] == "2026-07-03", li["onboarding"]
        added = events(env, "staff.added")
        assert [e["subject"] for e in added] == ["staff/zhao", "staff/li.lei"], added
        assert added[1]["payload"]["recipients"] == ["zhao", "hr"], added[1]

        cid = qj(env, "customer", "add", "--name", "合肥建工集团", "--credit-code", CODE)["id"]
        qid = add_approved(env, c, cert_no="D234000021")
        pid = qj(env, "proposal", "create", "--customer", str(cid), "--lines", "%d:200000" % qid,
                 "--steps", "survey", "--services", "callback", "--delivery", "2026-08-31")["id"]

        # Refused, naming the training missing; nothing changes.
        before = snapshot(env)
        refused(env, ["li.lei may not send a proposal", "§5.1", "0.0 of 56 hours",
                      "laws, industry, products, sales-skills", "2026-07-03",
                      "training attend"], "proposal", "send", str(pid))
        # The directory's roles bind li.lei; a role that may not record a
        # violation is refused.
        refused(env, ["403", "acts in the roles the staff directory gives them: sales",
                      "not in management"], "proposal", "send", str(pid), role="management")
        refused(env, ["403", "role sales may not run conduct.record"], "conduct", "record",
                "--person", "li.lei", "--type", "other", "--severity", "minor",
                "--description", "自己记录")
        refused(env, ["403", "supervisor"], "conduct", "list", **SUPERVISOR)
        assert snapshot(env) == before
        assert qj(env, "proposal", "show", str(pid))["state"] == "draft"

        # HR records the training: three full days, then the last topic.
        sessions = {}
        for topic, hours in (("laws", 16), ("industry", 16), ("products", 16),
                             ("sales-skills", 8)):
            sessions[topic] = qj(env, "training", "add", "--kind", "onboarding", "--topic",
                                 topic, "--title", "入职培训 " + topic, "--date", "2026-06-03",
                                 "--hours", str(hours), **HR)["id"]
        for topic in ("laws", "industry", "products"):
            done = qj(env, "training", "attend", str(sessions[topic]), "--people", "li.lei", **HR)
            assert done["completed"] == [], done
        refused(env, ["48.0 of 56 hours", "topics not yet attended: sales-skills"],
                "proposal", "send", str(pid))
        done = qj(env, "training", "attend", str(sessions["sales-skills"]), "--people",
                  "li.lei", **HR)
        assert done["completed"] == ["li.lei"], done
        completed = events(env, "staff.onboarding_completed")
        assert len(completed) == 1 and completed[0]["payload"]["recipients"] == \
            ["li.lei", "zhao"], completed
        shown = qj(env, "staff", "show", "li.lei")
        assert shown["onboarded"] == "2026-06-03" and shown["onboarding"]["complete"], shown
        record = qj(env, "training", "list", "--person", "li.lei")["items"]
        assert sum(s["hours"] for s in record) == 56 and len(record) == 4, record
        assert shown["onboarding"]["hours"] == 56, shown

        # Now it is sent.
        assert qj(env, "proposal", "send", str(pid))["state"] == "sent"
        assert len(events(env, "proposal.sent")) == 1

        # A discount beyond the limit: refused, and on record as a violation
        # although the send is refused.
        v2 = qj(env, "proposal", "revise", str(pid), "--lines", "%d:184000" % qid,
                "--note", "客户要求降价")
        assert v2["version"] == 2
        refused(env, ["lines[1].price", "§5.3", "conduct"], "proposal", "send", str(pid))
        violations = qj(env, "conduct", "list", "--person", "li.lei", **HR)["items"]
        assert [(v["source"], v["type"], v["severity"]) for v in violations] == \
            [("automatic", "unauthorised-promise", "serious")], violations
        assert violations[0]["details"]["proposal_id"] == pid, violations
        serious = events(env, "staff.conduct_serious")
        assert len(serious) == 1 and serious[0]["payload"]["recipients"] == \
            ["management", "hr"], serious
        mine = qj(env, "conduct", "list", "--person", "li.lei", **SUPERVISOR)["items"]
        assert [v["id"] for v in mine] == [violations[0]["id"]], mine

        # Another salesperson lets the window pass: reminded once, at 09:00
        # of the first working day after it (2026-07-03 is a Friday).
        qj(env, "staff", "add", "wang", "--name", "王五", "--department", "sales", "--roles",
           "sales", "--supervisor", "zhao", "--started", "2026-06-03", **HR)
        clock.set("2026-07-05T02:00:00", c)  # Sunday
        clock.set("2026-07-06T00:59:00", c)  # Monday 08:59
        assert events(env, "staff.onboarding_overdue") == []
        clock.set("2026-07-06T01:00:30", c)  # Monday 09:00:30
        assert wait_for(lambda: events(env, "staff.onboarding_overdue"), 20)
        overdue = events(env, "staff.onboarding_overdue")
        assert len(overdue) == 1 and overdue[0]["subject"] == "staff/wang", overdue
        p = overdue[0]["payload"]
        assert (p["due"], p["hours"], p["recipients"]) == \
            ("2026-07-03", 0, ["wang", "zhao", "hr"]), p
        clock.set("2026-07-07T02:00:00", c)
        assert len(events(env, "staff.onboarding_overdue")) == 1

        # A person who left acts no more.
        qj(env, "staff", "leave", "wang", "--reason", "试用期未通过", **HR)
        refused(env, ["403", "left the company"], "staff", "show", "wang",
                user="wang")
    finally:
        env.close()


def test_require_directory():
    env = Env({"staff.require_directory": "true"})
    try:
        env.start_daemon()
        # Empty, it is not set up yet: its first people go in.
        qj(env, "staff", "add", "hr.wang", "--name", "王芳", "--department", "hr", "--roles",
           "hr", "--started", "2021-01-01", role="hr", user="setup")
        before = snapshot(env)
        refused(env, ["403", "user setup is not in the staff directory",
                      "staff.require_directory"], "staff", "list", role="hr", user="setup")
        refused(env, ["403", "user li.lei is not in the staff directory"], "customer", "list")
        assert snapshot(env) == before
        # Operations stay the operators'.
        assert q(env, "status", role="admin", user="ops")[0] == 0
        qj(env, "staff", "add", "li.lei", "--name", "李雷", "--department", "sales", "--roles",
           "sales", "--started", "2026-06-03", **HR)
        assert q(env, "customer", "list")[0] == 0
    finally:
        env.close()


def test_certificate_names_a_person():
    env = CurveEnv({"ops": ("--roles", "*", "--groups", "*"),
                    "hr.wang": ("--roles", "hr"),
                    "li.lei": ("--roles", "sales management"),
                    "gone": ("--roles", "sales"),
                    "stranger": ("--roles", "sales")})
    try:
        env.start_daemon()

        def cli(cert, *args):
            p = env.cli(cert, *args)
            return p.returncode, p.stdout + p.stderr

        for person in ("li.lei", "gone"):
            rc, out = cli("hr.wang", "--as", "hr", "staff", "add", person, "--name", person,
                          "--department", "sales", "--roles", "sales", "--started",
                          "2020-01-01", "--onboarded", "2020-02-01")
            assert rc == 0, out
        rc, out = cli("hr.wang", "--as", "hr", "staff", "leave", "gone", "--reason", "离职")
        assert rc == 0, out
        people = env.sql("SELECT person, by FROM staff_people ORDER BY id")
        assert people == [("li.lei", "hr.wang"), ("gone", "hr.wang")], people
        # The certificate allows sales and management; the directory sales.
        assert cli("li.lei", "--as", "sales", "staff", "show", "li.lei")[0] == 0
        rc, out = cli("li.lei", "--as", "management", "staff", "list")
        assert rc == 1 and "user li.lei acts in the roles the staff directory gives them: " \
            "sales; not in management" in out, out
        # The user is the certificate's name, whatever --user says.
        rc, out = cli("li.lei", "--as", "management", "--user", "hr.wang", "staff", "list")
        assert rc == 1 and "user li.lei" in out, out
        # A certificate whose person left is refused in every role.
        rc, out = cli("gone", "--as", "sales", "staff", "list")
        assert rc == 1 and "user gone left the company on" in out, out
        # One the directory does not list keeps its certificate's roles
        # (staff.require_directory is off).
        assert cli("stranger", "--as", "sales", "staff", "list")[0] == 0
        assert cli("ops", "--as", "admin", "status")[0] == 0
    finally:
        env.close()


if __name__ == "__main__":
    run("s5_staff", [test_onboarding_before_the_first_proposal, test_require_directory,
                     test_certificate_names_a_person])
