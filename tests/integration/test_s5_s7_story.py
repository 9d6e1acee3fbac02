"""§5 and §7 as one story in 2027Q1, through the real CLI against a real
daemon and the shipped workers, on the test clock (issue 13's acceptance):
a new salesperson of the staff directory is refused a proposal, naming the
onboarding training missing and changing nothing, until HR records the
training; two contracts are signed in the quarter and a callback of the
first is scored; the daemon is restarted in the middle of the quarter and
its period-end timer is the same one after it; at the end of the quarter
staff.assessment_due goes once to the supervisor and HR of the directory
with the scorecard, every figure checked against the hand calculation
below, and the supervisor records an improvement plan. The second
contract's delivery is late: the processing risk the system raised is
scored again and crosses the high threshold, one risk.high; a policy change
raises a policy risk listing exactly the signed contracts; an incident
opened by management has a team, three communication log entries and a
closing conclusion with its lessons.

The dates, on the business calendar of Hefei (UTC+8). The shipped file
lists New Year's Day only for 2027; the test lists the Spring Festival as
well (2027-02-06 Saturday to 02-14 Sunday, nine days like 2026's; an
assumption until the State Council's notice):
  2027-01-04 Mon  li.lei starts; refused; trained; both contracts signed
                  (delivery dates 03-31 and 03-15, the 60 processing days
                  of construction-general after 01-04 being 03-05)
  2027-01-12 Tue  the first contract delivered: its 30-day callback falls
                  on 02-11, a Spring Festival holiday, and moves back
                  (calendar.holiday_shift: previous) to Friday 02-05
  2027-02-05 Fri  the callback opened and scored 5
  2027-02-16 Tue  after the holidays, the daemon restarted
  2027-03-08 Mon  the second contract at risk, 5 working days before 03-15
  2027-03-16 Tue  the day after its delivery date, undelivered: late
  2027-03-17 Wed  a policy change on construction-general
  2027-03-18 Thu  an incident: the legality questioned by the housing office
  2027-04-01 Thu  00:00, the first working day after the quarter:
                  staff.assessment_due; the supervisor assesses at 10:00"""
import datetime
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import Clock, Env, add_approved, ms, run, start_all, wait_for  # noqa: E402
from test_s4_3_calendar import set_holidays  # noqa: E402
from test_s6_3_contracts import hand_over, qj  # noqa: E402  (CLI as li.lei, a salesperson)
from test_s6_sales_story import payloads, refused  # noqa: E402

HR = {"role": "hr", "user": "hr.wang"}
SUPERVISOR = {"role": "supervisor", "user": "zhao"}
FINANCE = {"role": "finance", "user": "qian"}
LEGAL = {"role": "legal", "user": "wu"}
MANAGEMENT = {"role": "management", "user": "boss"}
OPS = {"role": "admin", "user": "ops"}
APRIL_1 = (datetime.date(2027, 4, 1) - datetime.date(1970, 1, 1)).days  # its timer's subject
SPRING_FESTIVAL_2027 = ", ".join("2027-02-%02d" % d for d in range(6, 15))
TABLES = ("staff_people", "staff_training", "staff_attendance", "proposals",
          "proposal_versions", "contracts")


def snapshot(env):
    """The staff, proposal and contract tables and the length of the log:
    a refusal changes none of them."""
    rows = {t: env.sql("SELECT * FROM %s ORDER BY rowid" % t) for t in TABLES}
    rows["events"] = env.sql("SELECT count(*) FROM events")
    return rows


def sign(env, pid, price, delivery):
    """Proposal `pid` (sent) accepted, drafted as a contract paid in full
    on signing, passed by the departments' workers, signed today and paid;
    its id."""
    qj(env, "proposal", "accept", str(pid))
    kid = qj(env, "contract", "draft", "--proposal", str(pid), "--term", "full", "--schedule",
             "2027-01-15:%d" % price, "--delivery", delivery)["id"]
    qj(env, "contract", "submit", str(kid))
    assert wait_for(lambda: qj(env, "contract", "show", str(kid))["state"] == "approved", 30), \
        qj(env, "contract", "show", str(kid))["reports"]
    assert qj(env, "contract", "sign", str(kid), "--copy", "sha256:0123abcd")["state"] == "signed"
    assert wait_for(lambda: qj(env, "payment", "list", str(kid), **FINANCE)["items"], 20)
    receivable = qj(env, "payment", "list", str(kid), **FINANCE)["items"][0]
    qj(env, "payment", "record", str(receivable["id"]), "--amount", str(price), **FINANCE)
    return kid


def proposal(env, code, qid, price, delivery):
    """A draft proposal of `qid` at `price` to li.lei's new customer `code`."""
    customer = qj(env, "customer", "add", "--name", "客户 " + code[-4:], "--credit-code",
                  code)["id"]
    return qj(env, "proposal", "create", "--customer", str(customer), "--lines",
              "%d:%d" % (qid, price), "--steps", "survey,transfer", "--services", "callback",
              "--delivery", delivery)["id"]


def period_timer(env):
    """The durable timers of the quarter's end, as rows."""
    return env.sql("SELECT id, due, subject, state FROM timers WHERE kind = 'assessment_due' "
                   "ORDER BY id")


def risks_of(env, kind):
    return qj(env, "risk", "list", "--type", kind, **OPS)["items"]


def test_staff_and_risk_story():
    env = Env()
    try:
        set_holidays(env, 2027, "2027-01-01, " + SPRING_FESTIVAL_2027)
        clock = Clock(env, "2027-01-04T02:00:00")  # Monday 10:00 in Hefei
        start_all(env)
        c = env.client()

        # The directory: HR, the supervisor, and li.lei who starts today.
        qj(env, "staff", "add", "hr.wang", "--name", "王芳", "--department", "hr", "--roles",
           "hr", "--started", "2021-01-04", **HR)
        qj(env, "staff", "add", "zhao", "--name", "赵敏", "--department", "sales", "--roles",
           "supervisor", "--started", "2020-03-02", "--onboarded", "2020-03-20", **HR)
        li = qj(env, "staff", "add", "li.lei", "--name", "李雷", "--department", "sales",
                "--roles", "sales", "--supervisor", "zhao", "--started", "2027-01-04", **HR)
        assert not li["onboarding"]["complete"], li

        q1 = add_approved(env, c, cert_no="D234000031")
        q2 = add_approved(env, c, cert_no="D234000032", scope="建筑工程施工总承包三级")
        p1 = proposal(env, "91350100M000100Y43", q1, 240000, "2027-03-31")
        p2 = proposal(env, "91340100MA2MXXXX1T", q2, 360000, "2027-03-15")

        # 1. Refused until the onboarding training is recorded; nothing changes.
        before = snapshot(env)
        refused(env, ["li.lei may not send a proposal", "§5.1", "0.0 of 56 hours",
                      "laws, industry, products, sales-skills", "training attend"],
                "proposal", "send", str(p1))
        assert snapshot(env) == before
        assert qj(env, "proposal", "show", str(p1))["state"] == "draft"
        for topic, hours in (("laws", 16), ("industry", 16), ("products", 16),
                             ("sales-skills", 8)):
            sid = qj(env, "training", "add", "--kind", "onboarding", "--topic", topic,
                     "--title", "入职培训 " + topic, "--date", "2027-01-04", "--hours",
                     str(hours), **HR)["id"]
            qj(env, "training", "attend", str(sid), "--people", "li.lei", **HR)
        assert qj(env, "staff", "show", "li.lei")["onboarding"]["complete"]
        completed = payloads(env, "staff.onboarding_completed")
        assert [p["recipients"] for p in completed] == [["li.lei", "zhao"]], completed
        for pid in (p1, p2):
            assert qj(env, "proposal", "send", str(pid))["state"] == "sent"

        # 2. Two contracts signed in Q1; the first delivered on Tuesday 01-12.
        k1 = sign(env, p1, 240000, "2027-03-31")
        k2 = sign(env, p2, 360000, "2027-03-15")
        hand_over(env, k1, (q1,))
        clock.set("2027-01-12T02:00:00", c)
        assert qj(env, "contract", "deliver", str(k1))["state"] == "delivered"
        # 01-12 + 30 days is Thursday 02-11, in the Spring Festival: the
        # callback moves back to Friday 02-05, the last working day before.
        first = sorted(qj(env, "callback", "list", "--contract", str(k1))["items"],
                       key=lambda b: b["interval_days"])[0]
        assert (first["interval_days"], first["day"]) == (30, "2027-02-05"), first
        clock.set("2027-02-05T02:00:00", c)
        assert wait_for(lambda: qj(env, "callback", "show", str(first["id"]))["state"] == "open",
                        20)
        qj(env, "callback", "record", str(first["id"]), "--reached", "--score", "5", "--said",
           "办理很快, 很满意")

        # 3. Restarted in the middle of the quarter (killed, as a crash
        # would): the quarter's end is the same durable timer after it,
        # due at 00:00 of Thursday 04-01 in Hefei, and is not placed twice
        # (nor are the second contract's delivery timers lost: they raise
        # the risk below).
        timer = period_timer(env)
        assert [(t[1], t[2], t[3]) for t in timer] == \
            [(ms("2027-03-31T16:00:00"), "assessment/%d" % APRIL_1, "pending")], timer
        clock.set("2027-02-16T02:00:00", c)  # Tuesday, after the holidays
        c.close()
        env.kill_daemon(signal.SIGKILL)
        env.start_daemon()
        c = env.client()
        assert c.call("ping")[1]["result"]["time"] == ms("2027-02-16T02:00:00")
        assert period_timer(env) == timer

        # 6. The second contract's delivery date (Monday 03-15) comes near:
        # five working days before, a processing risk, 3 x 3 = 9, medium.
        clock.set("2027-03-05T02:00:00", c)
        assert risks_of(env, "processing") == []
        clock.set("2027-03-08T02:00:00", c)
        assert wait_for(lambda: risks_of(env, "processing"), 20), \
            payloads(env, "contract.delivery_at_risk")
        processing = risks_of(env, "processing")
        assert len(processing) == 1, processing  # the first, delivered, is not at risk
        rid = processing[0]["id"]
        assert (processing[0]["contracts"], processing[0]["score"], processing[0]["level"],
                processing[0]["raised_by"]) == ([k2], 9, "medium", "system"), processing
        assert payloads(env, "risk.high") == []
        # Undelivered on Tuesday 03-16: scored again as late, 5 x 3 = 15,
        # high: one risk.high to management; not again on the next day.
        clock.set("2027-03-15T02:00:00", c)
        assert payloads(env, "risk.high") == []
        clock.set("2027-03-16T02:00:00", c)
        assert wait_for(lambda: payloads(env, "risk.high"), 20), payloads(env, "risk.assessed")
        clock.set("2027-03-17T02:00:00", c)
        high = payloads(env, "risk.high")
        assert [(h["risk_id"], h["score"], h["level"], h["recipients"]) for h in high] == \
            [(rid, 15, "high", ["management"])], high
        shown = qj(env, "risk", "show", str(rid), **OPS)
        assert (shown["likelihood"], shown["impact"], shown["level"]) == (5, 3, "high"), shown
        assert "not delivered by its delivery date 2027-03-15" in \
            shown["assessments"][-1]["reason"], shown["assessments"]
        # Scored again by management while high (4 x 5 = 20, critical): no
        # second risk.high, one per crossing, not one per re-score.
        again = qj(env, "risk", "assess", str(rid), "--impact", "4", "--reason", "客户催告",
                   **MANAGEMENT)
        assert (again["score"], again["level"]) == (20, "critical"), again
        assert len(payloads(env, "risk.high")) == 1

        # 7. A policy change on the category (Wednesday 03-17): the legal
        # worker applies it; the policy risk lists the signed contract, the
        # second; not the first, delivered, nothing left to handle.
        qj(env, "policy", "record", "--category", "construction-general", "--description",
           "施工总承包资质标准调整", "--effective", "2027-03-17", **LEGAL)
        assert wait_for(lambda: risks_of(env, "policy"), 20), payloads(env, "policy.applied")
        policy = risks_of(env, "policy")
        assert len(policy) == 1, policy
        policy = policy[0]
        assert (sorted(policy["qualifications"]), policy["contracts"]) == \
            (sorted([q1, q2]), [k2]), policy
        assert "1 signed contract(s) to handle" in policy["description"], policy
        assert policy["expected_loss"] == 72000, policy  # 20 % of 360,000
        handle = qj(env, "risk", "respond", str(policy["id"]), "--strategy", "avoid",
                    **LEGAL)["response"]["contracts_to_handle"]
        assert [(h["contract_id"], h["state"]) for h in handle] == [(k2, "signed")], handle
        # The policy risk is raised critical: its own risk.high; the
        # processing risk's is still the one.
        high = payloads(env, "risk.high")
        assert [h["risk_id"] for h in high] == [rid, policy["id"]], high

        # 8. An incident (Thursday 03-18), opened by management: management
        # told at once; a team; three communications; closed with a
        # conclusion and its lessons.
        clock.set("2027-03-18T02:00:00", c)
        iid = qj(env, "incident", "open", "--kind", "government", "--title", "住建厅质询资质合法性",
                 "--summary", "the housing office questions a certificate after the change",
                 "--contract", str(k2), "--risk", str(policy["id"]), "--lead", "王总",
                 **MANAGEMENT)["id"]
        opened = payloads(env, "incident.opened")
        assert [(o["incident"]["id"], o["recipients"]) for o in opened] == \
            [(iid, ["management"])], opened
        qj(env, "incident", "team", str(iid), "--name", "吴律师", "--duty", "法律顾问",
           **MANAGEMENT)
        qj(env, "incident", "team", str(iid), "--name", "赵敏", "--duty", "客户沟通",
           **MANAGEMENT)
        for party, who, channel, summary in (
                ("government", "住建厅李处长", "meeting", "说明资质取得过程, 提交档案"),
                ("customer", "客户 XX1T 陈经理", "phone", "告知情况与延期, 承诺加急办理"),
                ("media", "合肥晚报", "press", "书面回应: 资质合法有效")):
            qj(env, "incident", "log", str(iid), "--party", party, "--who", who, "--channel",
               channel, "--summary", summary, **LEGAL)
        closed = qj(env, "incident", "close", str(iid), "--conclusion",
                    "住建厅确认资质合法有效, 质询结束", "--lessons",
                    "政策调整时先核对在办合同的资质档案; 对外回应由法务统一口径", **MANAGEMENT)
        assert closed["state"] == "closed" and closed["conclusion"].startswith("住建厅确认"), closed
        assert [(e["entry"], e["party"]) for e in closed["communications"]] == \
            [(1, "government"), (2, "customer"), (3, "media")], closed["communications"]
        assert sorted(m["name"] for m in closed["team"]) == ["吴律师", "王总", "赵敏"], closed
        assert len(payloads(env, "incident.closed")) == 1

        # 4. The quarter ends. Hand calculation with the defaults of
        # `qualflowd --config-reference` (assessment.cost_ratio 0.6;
        # weights sales 30, profit 20, satisfaction 20, new customers 15,
        # growth 15; targets 1,000,000 yuan, 400,000 yuan, 4.5, 5, 10 %):
        #   sales         240,000 + 360,000 = 600,000   600,000 / 1,000,000 = 0.6
        #   profit        600,000 x (1 - 0.6) = 240,000 240,000 / 400,000   = 0.6
        #   satisfaction  one callback scored 5: 5      5 / 4.5, at most      1
        #   new customers both customers' first contract: 2        2 / 5  = 0.4
        #   growth        nothing sold in 2026Q4: left out, the rest re-weighted
        #   score = 100 x (30 x 0.6 + 20 x 0.6 + 20 x 1 + 15 x 0.4) / (30 + 20 + 20 + 15)
        #         = 100 x 56 / 85 = 65.88
        score = round(100 * (30 * 0.6 + 20 * 0.6 + 20 * 1 + 15 * 0.4) / 85, 2)
        assert score == 65.88
        clock.set("2027-03-31T15:59:00", c)  # Wednesday 23:59 in Hefei
        assert payloads(env, "staff.assessment_due") == []
        clock.set("2027-03-31T16:00:30", c)  # Thursday 04-01 00:00:30
        assert wait_for(lambda: payloads(env, "staff.assessment_due"), 20)
        due = payloads(env, "staff.assessment_due")
        assert len(due) == 1, due
        due = due[0]
        assert (due["period"], due["from"], due["to"], due["late"], due["recipients"]) == \
            ("2027Q1", "2027-01-01", "2027-03-31", False, ["zhao", "hr.wang"]), due
        assert [s["person"] for s in due["scorecards"]] == ["li.lei"], due["scorecards"]
        card = due["scorecards"][0]
        assert (card["contracts"], card["sales"], card["profit"], card["satisfaction"],
                card["new_customers"], card["previous_sales"], card["growth"]) == \
            (2, 600000, 240000, 5, 2, 0, None), card
        assert card["achievement"] == {"sales": 0.6, "profit": 0.6, "satisfaction": 1,
                                       "new_customers": 0.4, "growth": None}, card
        assert card["score"] == score, card
        assert [t[3] for t in period_timer(env) if t[0] == timer[0][0]] == ["fired"]
        report = qj(env, "report", "kpi", "--period", "2027Q1", **SUPERVISOR)["items"]
        assert [(i["person"], i["sales"], i["score"]) for i in report] == \
            [("li.lei", 600000, score)], report

        # 5. The supervisor assesses li.lei: an improvement plan.
        clock.set("2027-04-01T02:00:00", c)
        done = qj(env, "assessment", "record", "li.lei", "--period", "2027Q1", "--rating",
                  "satisfactory", "--comments", "签约两单, 交付延误一单", "--plan",
                  "交付前两周逐项核对办理进度", "--goals", "2027Q2 销售 800000, 无延误交付",
                  "--review", "2027-07-15", **SUPERVISOR)
        assert (done["plan"], done["goals"], done["review"], done["scorecard"]["score"]) == \
            ("交付前两周逐项核对办理进度", "2027Q2 销售 800000, 无延误交付", "2027-07-15",
             score), done
        assessed = payloads(env, "staff.assessed")
        assert len(assessed) == 1, assessed
        clock.set("2027-04-02T02:00:00", c)
        assert len(payloads(env, "staff.assessment_due")) == 1
        assert [h["risk_id"] for h in payloads(env, "risk.high")] == [rid, policy["id"]]
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("s5_s7_story", [test_staff_and_risk_story])
