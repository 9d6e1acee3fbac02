"""§5.2 performance through the real CLI against a real daemon and its
workers, on the test clock: a new salesperson is trained, signs two
contracts in 2026Q3 and one callback of theirs is scored; at the end of
the quarter staff.assessment_due gives the supervisor and HR the computed
scorecard (checked against a hand calculation here); `report kpi` gives
the same figures; a KPI figure typed in is refused with no state change;
the supervisor records an improvement plan."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import Clock, Env, add_approved, run, start_all, wait_for  # noqa: E402
from test_s6_3_contracts import hand_over, q, qj  # noqa: E402  (CLI as li.lei, a salesperson)
from test_s6_sales_story import payloads  # noqa: E402

HR = {"role": "hr", "user": "hr.wang"}
SUPERVISOR = {"role": "supervisor", "user": "zhao"}


def sign(env, c, code, cert_no, price):
    """A contract of li.lei's new customer `code`, signed today; its id
    and its qualification's."""
    customer = qj(env, "customer", "add", "--name", "客户 " + code[-4:], "--credit-code",
                  code)["id"]
    qid = add_approved(env, c, cert_no=cert_no)
    pid = qj(env, "proposal", "create", "--customer", str(customer), "--lines",
             "%d:%d" % (qid, price), "--steps", "survey,transfer", "--services", "callback",
             "--delivery", "2026-09-30")["id"]
    qj(env, "proposal", "send", str(pid))
    qj(env, "proposal", "accept", str(pid))
    kid = qj(env, "contract", "draft", "--proposal", str(pid), "--term", "full", "--schedule",
             "2026-07-20:%d" % price)["id"]
    qj(env, "contract", "submit", str(kid))
    assert wait_for(lambda: qj(env, "contract", "show", str(kid))["state"] == "approved", 30), \
        qj(env, "contract", "show", str(kid))["reports"]
    qj(env, "contract", "sign", str(kid), "--copy", "sha256:0123abcd")
    return kid, qid


def test_assessment_story():
    env = Env()
    try:
        clock = Clock(env, "2026-07-01T02:00:00")  # Wednesday 10:00 in Hefei
        start_all(env)
        c = env.client()
        qj(env, "staff", "add", "zhao", "--name", "赵敏", "--department", "sales", "--roles",
           "supervisor,sales", "--started", "2020-03-01", "--onboarded", "2020-03-20", **HR)
        qj(env, "staff", "add", "li.lei", "--name", "李雷", "--department", "sales",
           "--roles", "sales", "--supervisor", "zhao", "--started", "2026-07-01", **HR)
        for topic, hours in (("laws", 16), ("industry", 16), ("products", 16),
                             ("sales-skills", 8)):
            sid = qj(env, "training", "add", "--kind", "onboarding", "--topic", topic,
                     "--title", "入职培训 " + topic, "--date", "2026-07-01", "--hours",
                     str(hours), **HR)["id"]
            qj(env, "training", "attend", str(sid), "--people", "li.lei", **HR)

        k1, q1 = sign(env, c, "91350100M000100Y43", "D234000021", 200000)
        k2, _ = sign(env, c, "91340100MA2MXXXX1T", "D234000022", 300000)
        finance = {"role": "finance", "user": "qian"}
        assert wait_for(lambda: qj(env, "payment", "list", str(k1), **finance)["items"], 20)
        receivable = qj(env, "payment", "list", str(k1), **finance)["items"][0]
        qj(env, "payment", "record", str(receivable["id"]), "--amount", "200000", **finance)
        hand_over(env, k1, (q1,))
        clock.set("2026-07-15T02:00:00", c)
        assert qj(env, "contract", "deliver", str(k1))["state"] == "delivered"
        # The 30-day callback: Friday 2026-08-14.
        first = sorted(qj(env, "callback", "list", "--contract", str(k1))["items"],
                       key=lambda b: b["interval_days"])[0]
        clock.set(first["day"] + "T02:00:00", c)
        assert wait_for(lambda: qj(env, "callback", "show", str(first["id"]))["state"] == "open",
                        20)
        qj(env, "callback", "record", str(first["id"]), "--reached", "--score", "4", "--said",
           "满意")

        # Hand calculation with the defaults (cost ratio 0.6; weights 30 20
        # 20 15 15; targets 1 000 000, 400 000, 4.5, 5, 10 %): sales 500 000,
        # profit 200 000, satisfaction 4, two new customers, no growth (no
        # sales in Q2): 100 × (30 × 0.5 + 20 × 0.5 + 20 × 4 / 4.5 + 15 × 0.4)
        # / (30 + 20 + 20 + 15).
        score = round(100 * (15 + 10 + 20 * 4 / 4.5 + 6) / 85, 2)
        report = qj(env, "report", "kpi", "--period", "2026Q3", **SUPERVISOR)
        mine = [i for i in report["items"] if i["person"] == "li.lei"]
        assert len(mine) == 1, report
        card = mine[0]
        assert (card["contracts"], card["sales"], card["profit"], card["satisfaction"],
                card["new_customers"], card["growth"], card["score"]) == \
            (2, 500000, 200000, 4, 2, None, score), card
        assert [i["person"] for i in report["items"]] == ["li.lei", "zhao"], report
        # The same as a table: a header and li.lei's row with the figures.
        rc, out, err = q(env, "report", "kpi", "--period", "2026Q3", **SUPERVISOR)
        assert rc == 0, err
        lines = out.splitlines()
        header = [line.split() for line in lines if line.startswith("PERSON")]
        assert header and header[0][:3] == ["PERSON", "PERIOD", "CONTRACTS"], out
        row = [line.split() for line in lines if line.startswith("li.lei")]
        assert len(row) == 1 and row[0][1:4] == ["2026Q3", "2", "500000"], out

        # A KPI typed in: refused, nothing recorded.
        before = env.sql("SELECT count(*) FROM events")
        status, body = c.call("assessment.record", {"person": "li.lei", "period": "2026Q3",
                                                    "rating": "good", "comments": "x",
                                                    "score": 99}, role="supervisor")
        assert status != 200, body
        assert env.sql("SELECT count(*) FROM events") == before

        # The quarter ends: the scorecards to the supervisor and HR, once.
        assert payloads(env, "staff.assessment_due") == []
        clock.set("2026-10-12T02:00:00", c)
        assert wait_for(lambda: payloads(env, "staff.assessment_due"), 20)
        due = payloads(env, "staff.assessment_due")
        assert len(due) == 1 and due[0]["period"] == "2026Q3", due
        assert due[0]["recipients"] == ["zhao", "hr"], due
        sent = [s for s in due[0]["scorecards"] if s["person"] == "li.lei"][0]
        assert sent["score"] == score and sent["sales"] == 500000, sent

        done = qj(env, "assessment", "record", "li.lei", "--period", "2026Q3", "--rating",
                  "satisfactory", "--comments", "开局不错", "--plan", "每周拜访两家客户",
                  "--goals", "2026Q4 销售 600000", "--review", "2027-01-15", **SUPERVISOR)
        assert (done["plan"], done["review"], done["scorecard"]["score"]) == \
            ("每周拜访两家客户", "2027-01-15", score), done
        assert len(payloads(env, "staff.assessed")) == 1
        history = qj(env, "report", "kpi", "--person", "li.lei", **SUPERVISOR)
        assert [h["period"] for h in history["items"]] == ["2026Q3"], history
        assert len(history["assessments"]) == 1, history
        clock.set("2026-10-13T02:00:00", c)
        assert len(payloads(env, "staff.assessment_due")) == 1
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("s5_2_assessment", [test_assessment_story])
