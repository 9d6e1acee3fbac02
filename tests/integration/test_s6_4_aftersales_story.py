"""The after-sales story of §6.4 (issue 12's acceptance scenario), through
the real CLI against a real daemon and every worker, on the test clock: a
contract is delivered on 2026-09-01; its 30-day callback falls on
2026-10-01, National Day, and comes on the working day before; the
customer is not reached twice (tried again on the next working days,
past the holiday week), and reached on the third call with a score of 2
and a service complaint; the complaint becomes an investigation case,
which goes overdue; the outcome is told to the customer with an apology,
and the case is closed (not before: closing it untold is refused and
changes nothing); the 90-day callback scores 5; the feedback report of
the quarter shows both scores, the case's resolution time and the case.
Each step is checked by the state and the events it must leave."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_s6_3_contracts import q, qj  # noqa: E402  (CLI as li.lei, a salesperson)
from test_s6_4_callbacks import (DAY_30, DAY_90, OPS, callbacks, delivered,  # noqa: E402
                                 opened, snapshot)
from test_s6_sales_story import payloads, records, refused, weekday  # noqa: E402
from qfharness import ms, run, wait_for  # noqa: E402

SUPERVISOR = {"role": "supervisor", "user": "zhao"}
COMPLAINT = "交付后客服三天未回复，问题一直没人跟进 (no one answered for three days)"


def case_state(env, case_id):
    """A case without what changes while nothing happens to it: to compare
    before and after a refusal."""
    return qj(env, "case", "show", str(case_id))


def test_aftersales_story():
    with delivered() as (env, clock, c, kid):
        # The 30-day callback comes on Wednesday 30 September, at 09:00:
        # 1 October is National Day.
        first, second = callbacks(env, kid)
        assert (first["interval_days"], first["day"]) == (30, DAY_30), first
        assert (second["interval_days"], second["day"]) == (90, DAY_90), second
        timers = qj(env, "callback", "show", str(first["id"]))["timers"]
        assert [(t["kind"], t["due"]) for t in timers] == \
            [("callback_due", ms(DAY_30 + "T01:00:00"))], timers
        clock.set(DAY_30 + "T00:59:00", c)
        assert payloads(env, "aftersales.callback_due") == []
        clock.set(DAY_30 + "T01:00:00", c)
        assert wait_for(lambda: opened(env, first["id"]), 20), \
            qj(env, "callback", "show", str(first["id"]))
        due = records(env, "aftersales.callback_due")
        assert len(due) == 1 and weekday(due[0]) == 2, due  # a Wednesday
        assert due[0]["payload"]["day"] == DAY_30 and not due[0]["payload"]["late"], due

        # Not reached that day; tried again on the next working day, after
        # the National Day week: Thursday 8 October.
        call = qj(env, "callback", "record", str(first["id"]), "--not-reached", "--said",
                  "无人接听 (no answer)")
        assert (call["state"], call["attempts"], call["next_attempt"]) == \
            ("open", 1, "2026-10-08"), call
        clock.set("2026-10-07T02:00:00", c)
        assert payloads(env, "aftersales.callback_retry") == []
        clock.set("2026-10-08T01:00:00", c)
        assert wait_for(lambda: payloads(env, "aftersales.callback_retry"), 20)
        retry = payloads(env, "aftersales.callback_retry")
        assert [(r["attempt"], r["recipients"]) for r in retry] == [(2, ["li.lei"])], retry
        call = qj(env, "callback", "record", str(first["id"]), "--not-reached", "--said",
                  "电话忙线 (busy)")
        assert (call["attempts"], call["next_attempt"]) == (2, "2026-10-09"), call

        # The third call reaches the customer: a score of 2 and a service
        # complaint, which becomes an investigation case.
        clock.set("2026-10-09T01:00:00", c)
        assert wait_for(lambda: len(payloads(env, "aftersales.callback_retry")) == 2, 20)
        clock.set("2026-10-09T02:00:00", c)
        done = qj(env, "callback", "record", str(first["id"]), "--reached", "--score", "2",
                  "--said", "证书没问题，但服务太慢 (the certificate is fine, the service slow)",
                  "--problems", "service:slow-response:" + COMPLAINT)
        assert (done["state"], done["attempts"], done["score"]) == ("done", 3, 2), done
        assert [(k["made_on"], k["reached"]) for k in done["calls"]] == \
            [(DAY_30, False), ("2026-10-08", False), ("2026-10-09", True)], done["calls"]
        problem = done["calls"][2]["problems"][0]
        assert (problem["kind"], problem["category"], problem["text"]) == \
            ("service", "slow-response", COMPLAINT), problem
        case_id = problem["feedback_id"]
        case = qj(env, "case", "show", str(case_id))
        assert (case["kind"], case["category"], case["source"], case["callback_id"],
                case["contract_id"], case["owner"], case["state"]) == \
            ("service", "slow-response", "callback", first["id"], kid, "li.lei", "open"), case
        received = payloads(env, "feedback.received")
        assert len(received) == 1, received
        assert payloads(env, "aftersales.callback_escalated") == []

        # Closing it before the outcome is told is refused (§3.3), and
        # changes nothing.
        before, shown = snapshot(env), case_state(env, case_id)
        refused(env, ["409", "args.id"], "case", "close", str(case_id))
        assert snapshot(env) == before and case_state(env, case_id) == shown

        # Its deadline, five working days on (Saturday 10 October is
        # worked), passes: feedback.overdue, once.
        deadline = case["deadline"]
        assert deadline == "2026-10-15", case
        clock.set(deadline + "T09:00:00", c)
        assert payloads(env, "feedback.overdue") == []
        clock.set("2026-10-19T02:00:00", c)
        assert wait_for(lambda: payloads(env, "feedback.overdue"), 20)
        overdue = payloads(env, "feedback.overdue")
        assert len(overdue) == 1 and overdue[0]["case_id"] == case_id, overdue

        # Investigated; the apology and outcome told by phone; closed.
        qj(env, "case", "findings", str(case_id), "--text",
           "售后专员休假期间无人接替 (no cover while the after-sales clerk was away)")
        told = qj(env, "case", "tell", str(case_id), "--outcome",
                  "已指定备岗人员并承诺24小时内回复 (a standby now answers within 24 hours)",
                  "--apology", "就回复延误向客户致歉 (apologised for the delay)", "--channel",
                  "phone")
        assert told["state"] == "told" and told["told_channel"] == "phone", told
        closed = qj(env, "case", "close", str(case_id))
        assert closed["state"] == "closed" and closed["resolution_ms"] > 0, closed
        assert closed["closed_on_time"] in (False, 0), closed

        # The 90-day callback: Monday 30 November, a score of 5.
        clock.set(DAY_90 + "T01:00:00", c)
        assert wait_for(lambda: opened(env, second["id"]), 20), \
            qj(env, "callback", "show", str(second["id"]))
        happy = qj(env, "callback", "record", str(second["id"]), "--reached", "--score", "5",
                   "--said", "问题已解决，很满意 (solved, very satisfied)")
        assert (happy["state"], happy["score"], happy["attempts"]) == ("done", 5, 1), happy
        assert [x["state"] for x in callbacks(env, kid)] == ["done", "done"]
        assert payloads(env, "aftersales.callback_overdue") == []

        # The report of the quarter: both scores, the case's resolution
        # time, the case.
        report = qj(env, "report", "feedback", "--period", "2026Q4", **SUPERVISOR)
        satisfaction = report["satisfaction"]
        assert (satisfaction["callbacks"], satisfaction["average"], satisfaction["scores"]) == \
            (2, 3.5, [0, 1, 0, 0, 1]), satisfaction
        assert [(m["month"], m["average"]) for m in satisfaction["by_month"]] == \
            [("2026-10", 2.0), ("2026-11", 5.0)], satisfaction["by_month"]
        assert [(s["salesperson"], s["scores"]) for s in satisfaction["by_salesperson"]] == \
            [("li.lei", [0, 1, 0, 0, 1])], satisfaction["by_salesperson"]
        assert report["resolution"]["count"] == 1, report["resolution"]
        hours = closed["resolution_ms"] / 3600000
        assert abs(report["resolution"]["median_hours"] - hours) < 0.1, (report, hours)
        assert (report["cases"]["received"], report["cases"]["service"], report["cases"]["overdue"],
                report["cases"]["closed"]) == (1, 1, 1, 1), report["cases"]
        assert [(x["category"], x["cases"], x["overdue"]) for x in report["categories"]] == \
            [("slow-response", 1, 1)], report["categories"]
        rc, text, err = q(env, "report", "feedback", "--period", "2026Q4", **SUPERVISOR)
        assert rc == 0 and "slow-response" in text, (text, err)
        groups = qj(env, "groups", **OPS)["items"]
        assert all(g["dead_letters"] == 0 for g in groups), groups


if __name__ == "__main__":
    run("s6_4_aftersales_story", [test_aftersales_story])
