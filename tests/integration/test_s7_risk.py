"""§7 risk control and emergencies, driven through the real CLI against a
real daemon and the legal, finance, technical, renewal and sales workers,
on the test clock: a signed contract whose delivery comes near raises a
processing risk in the timer's transaction; its delivery date passes
undelivered and the risk, scored again as late, crosses the high
threshold: one risk.high to management, not one per re-score, and a new
one only after it drops below and crosses again; a policy change applied
by the legal worker raises a policy risk naming the suspended
qualifications and only the contracts already signed for them, which
"avoid" lists to handle; an emergency with its team, a timeline, three
communication log entries and a closing conclusion. The refusals change
nothing: a likelihood outside 1-5, a score typed in, a role that may not
record, editing a communication log entry, closing without a
conclusion."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import Clock, Env, add_approved, events, run, start_all, wait_for  # noqa: E402
from test_s6_3_contracts import q, qj  # noqa: E402  (CLI as li.lei, a salesperson)

CODE = "91350100M000100Y43"
CODE_B = "91340100MA2N01110K"
TABLES = ("risks", "risk_assessments", "risk_responses", "risk_reviews", "risk_actions",
          "incidents", "incident_team", "incident_timeline", "incident_comms")
MANAGEMENT = {"role": "management", "user": "boss"}
LEGAL = {"role": "legal", "user": "wu"}
SUPERVISOR = {"role": "supervisor", "user": "zhao"}
OPS = {"role": "admin", "user": "ops"}


def snapshot(env):
    """Every row of the risk and incident tables, and how many risk and
    incident events the log holds: a refusal changes none of them."""
    rows = {t: env.sql("SELECT * FROM %s ORDER BY rowid" % t) for t in TABLES}
    rows["events"] = env.sql("SELECT count(*) FROM events WHERE topic LIKE 'risk.%' "
                             "OR topic LIKE 'incident.%'")
    return rows


def refused(env, status, words, *args, **who):
    """Runs a command that must fail with exit `status` and every one of
    `words` in its error; returns the error."""
    rc, out, err = q(env, *args, **who)
    assert rc == status, "qualflow %s: expected exit %d, got %d %s %s" % (
        " ".join(args), status, rc, out, err)
    for word in words:
        assert word in err, "qualflow %s: %r not in %r" % (" ".join(args), word, err)
    return err


def drafted(env, customer, quals, user):
    """A contract of `quals` (id, price) for `customer`, drafted by
    salesperson `user` from an accepted proposal: its id (delivery
    2026-08-31)."""
    lines = ", ".join("%d:%d" % (qid, price) for qid, price in quals)
    p = qj(env, "proposal", "create", "--customer", str(customer), "--lines", lines, "--steps",
           "survey,transfer", "--services", "callback", "--delivery", "2026-08-31", user=user)
    qj(env, "proposal", "send", str(p["id"]), user=user)
    qj(env, "proposal", "accept", str(p["id"]), user=user)
    total = sum(price for _, price in quals)
    k = qj(env, "contract", "draft", "--proposal", str(p["id"]), "--term", "split-30-70",
           "--schedule", "2026-06-10:%d,2026-07-10:%d" % (total * 3 // 10, total - total * 3 // 10),
           user=user)
    return k["id"]


def risks(env, kind):
    return qj(env, "risk", "list", "--type", kind, **OPS)["items"]


def test_risk_and_emergency():
    env = Env()
    try:
        clock = Clock(env, "2026-06-03T02:00:00")  # Wednesday 10:00 in Hefei
        start_all(env)
        c = env.client()
        cid = qj(env, "customer", "add", "--name", "合肥建工集团", "--credit-code", CODE)["id"]
        other = qj(env, "customer", "add", "--name", "芜湖建设", "--credit-code", CODE_B,
                   user="wang")["id"]
        q1 = add_approved(env, c, cert_no="D234000011")
        q2 = add_approved(env, c, cert_no="D234000012", scope="建筑工程施工总承包三级")
        q3 = add_approved(env, c, cert_no="D234000013")

        # One contract signed (li.lei's), another only drafted (wang's).
        kid = drafted(env, cid, [(q1, 200000), (q2, 190000)], "li.lei")
        qj(env, "contract", "submit", str(kid))
        assert wait_for(lambda: qj(env, "contract", "show", str(kid))["state"] == "approved", 30)
        assert qj(env, "contract", "sign", str(kid), "--copy", "sha256:0123abcd")["state"] == \
            "signed"
        draft = drafted(env, other, [(q3, 200000)], "wang")
        assert qj(env, "contract", "show", str(draft), user="wang")["state"] == "draft"

        # Refusals that change nothing: a likelihood outside 1-5 (the CLI,
        # and the daemon for any client), a score typed in, a role that
        # may not record.
        before = snapshot(env)
        add = ("risk", "add", "--type", "market", "--description", "竞争对手降价", "--impact",
               "3", "--loss", "50000", "--owner", "zhou")
        refused(env, 2, ["--likelihood", "1 to 5"], *add, "--likelihood", "6", role="market",
                user="zhou")
        body = '{"type": "market", "description": "x", "impact": 3, "loss": 1, "owner": "zhou", ' \
               '"likelihood": %s}'
        refused(env, 1, ["args.likelihood", "from 1 to 5, got 0"], "call", "risk.add",
                body % "0", role="market", user="zhou")
        refused(env, 1, ["args.likelihood", "from 1 to 5, got 6"], "call", "risk.add",
                body % "6", role="market", user="zhou")
        refused(env, 1, ['takes no argument "score"'], "call", "risk.add",
                body % '3, "score": 25', role="market", user="zhou")
        refused(env, 1, ["403", "role sales may not run risk.add"], *add, "--likelihood", "3")
        assert snapshot(env) == before

        # A risk a person records: scored by the matrix (2 x 3 = 6, medium).
        market = qj(env, *add, "--likelihood", "2", role="market", user="zhou")
        assert (market["score"], market["level"], market["raised_by"]) == (6, "medium", "zhou"), \
            market

        # The delivery (Monday 2026-08-31) is at risk five working days
        # before: a processing risk on the register, owned by the
        # salesperson, 3 x 3 = 9 (medium), 20 % of 390,000 expected lost.
        clock.set("2026-08-24T02:00:00", c)
        assert wait_for(lambda: risks(env, "processing"), 20), events(env, "risk.raised")
        risk = risks(env, "processing")[0]
        rid = risk["id"]
        assert (risk["score"], risk["level"], risk["owner"], risk["raised_by"]) == \
            (9, "medium", "li.lei", "system"), risk
        assert (risk["contracts"], risk["customers"], sorted(risk["qualifications"])) == \
            ([kid], [cid], sorted([q1, q2])), risk
        assert risk["expected_loss"] == 78000 and risk["review"] == "2026-08-31", risk
        assert risk["source"] == "contract/%d/delivery" % kid, risk
        assert len(events(env, "contract.delivery_at_risk")) == 1
        assert events(env, "risk.high") == []

        # Reduce: the customer was told, with a solution; not without the day.
        before = snapshot(env)
        refused(env, 1, ["args.told", "told promptly"], "risk", "respond", str(rid),
                "--strategy", "reduce", "--solution", "加急办理", **SUPERVISOR)
        assert snapshot(env) == before
        reduced = qj(env, "risk", "respond", str(rid), "--strategy", "reduce", "--told",
                     "2026-08-24", "--solution", "加急办理, 每日通报进度", **SUPERVISOR)
        assert reduced["response"]["customer_told"] == "2026-08-24", reduced

        # The date passes undelivered: on Tuesday 09-01 the risk is scored
        # again as late, 5 x 3 = 15, high: one risk.high to management.
        clock.set("2026-08-31T02:00:00", c)
        assert events(env, "risk.high") == []
        clock.set("2026-09-01T02:00:00", c)
        assert wait_for(lambda: events(env, "risk.high"), 20), events(env, "risk.assessed")
        high = events(env, "risk.high")
        assert len(high) == 1, high
        assert (high[0]["risk_id"], high[0]["score"], high[0]["level"], high[0]["recipients"]) \
            == (rid, 15, "high", ["management"]), high[0]
        shown = qj(env, "risk", "show", str(rid), **OPS)
        assert (shown["likelihood"], shown["level"]) == (5, "high"), shown
        assert "not delivered by its delivery date 2026-08-31" in \
            shown["assessments"][-1]["reason"], shown["assessments"]

        # Scored again while high (critical included): no new risk.high.
        for impact in ("4", "5"):
            qj(env, "risk", "assess", str(rid), "--impact", impact, "--reason", "客户催告",
               **MANAGEMENT)
        assert qj(env, "risk", "show", str(rid), **OPS)["level"] == "critical"
        assert len(events(env, "risk.high")) == 1
        # Below, then back: a new crossing, one more.
        qj(env, "risk", "assess", str(rid), "--likelihood", "1", **MANAGEMENT)
        assert len(events(env, "risk.high")) == 1
        qj(env, "risk", "assess", str(rid), "--likelihood", "4", **MANAGEMENT)
        assert len(events(env, "risk.high")) == 2
        assert len(qj(env, "risk", "show", str(rid), **OPS)["assessments"]) == 6

        # A policy change on the category: the legal worker applies it and
        # a policy risk names the suspended qualifications and the signed
        # contract only (not the draft).
        qj(env, "policy", "record", "--category", "construction-general", "--description",
           "施工总承包资质标准调整", "--effective", "2026-09-01", **LEGAL)
        assert wait_for(lambda: risks(env, "policy"), 20), events(env, "policy.applied")
        policy = risks(env, "policy")[0]
        assert sorted(policy["qualifications"]) == sorted([q1, q2, q3]), policy
        assert (policy["contracts"], policy["customers"]) == ([kid], [cid]), policy
        assert "1 signed contract(s) to handle" in policy["description"], policy
        assert (policy["score"], policy["level"], policy["owner"]) == (20, "critical", "legal"), \
            policy
        assert sorted(events(env, "policy.applied")[0]["flagged_contracts"]) == \
            sorted([kid, draft])
        avoid = qj(env, "risk", "respond", str(policy["id"]), "--strategy", "avoid", **LEGAL)
        handle = avoid["response"]["contracts_to_handle"]
        assert [(h["contract_id"], h["state"], h["owner"]) for h in handle] == \
            [(kid, "signed", "li.lei")], handle
        assert len(events(env, "risk.high")) == 3  # the policy risk, raised critical

        # An emergency: management told at once; a team; a timeline.
        before = snapshot(env)
        refused(env, 1, ["403", "role sales may not run incident.open"], "incident", "open",
                "--kind", "government", "--title", "x", "--summary", "y")
        assert snapshot(env) == before
        incident = qj(env, "incident", "open", "--kind", "government", "--title",
                      "住建厅质询资质合法性", "--summary",
                      "the provincial housing office questions the legality of a certificate",
                      "--contract", str(kid), "--risk", str(policy["id"]), "--lead", "王总",
                      **MANAGEMENT)
        iid = incident["id"]
        opened = events(env, "incident.opened")
        assert [(o["incident"]["id"], o["recipients"]) for o in opened] == \
            [(iid, ["management"])], opened
        qj(env, "incident", "team", str(iid), "--name", "吴律师", "--duty", "法律顾问", **MANAGEMENT)
        qj(env, "incident", "team", str(iid), "--name", "赵主管", "--duty", "客户沟通", **MANAGEMENT)
        qj(env, "incident", "action", str(iid), "--text", "调取证书档案", "--at",
           "2026-09-01 09:30", **LEGAL)

        # Three communications: government, the customer, the media.
        for party, who, channel, summary in (
                ("government", "住建厅李处长", "meeting", "说明资质取得过程, 提交档案"),
                ("customer", "合肥建工集团陈经理", "phone", "告知情况, 承诺按期交付"),
                ("media", "合肥晚报", "press", "书面回应: 资质合法有效")):
            qj(env, "incident", "log", str(iid), "--party", party, "--who", who, "--channel",
               channel, "--summary", summary, **LEGAL)
        shown = qj(env, "incident", "show", str(iid), **OPS)
        assert [(e["entry"], e["party"]) for e in shown["communications"]] == \
            [(1, "government"), (2, "customer"), (3, "media")], shown["communications"]
        assert sorted(m["name"] for m in shown["team"]) == ["吴律师", "王总", "赵主管"], shown
        assert [a["action"] for a in shown["timeline"]] == ["调取证书档案"], shown

        # Refused, changing nothing: editing entry 2, a role that may not
        # record, closing without a conclusion (the CLI; the daemon for
        # any client; a blank one).
        before = snapshot(env)
        refused(env, 1, ["409", "args.entry", "never edited", "number 4"], "incident", "log",
                str(iid), "--party", "customer", "--who", "合肥建工集团陈经理", "--channel",
                "phone", "--summary", "改写", "--entry", "2", **LEGAL)
        refused(env, 1, ["403", "role sales may not run incident.log"], "incident", "log",
                str(iid), "--party", "customer", "--who", "x", "--channel", "phone", "--summary",
                "y")
        refused(env, 2, ["--conclusion"], "incident", "close", str(iid), "--lessons", "档案备查",
                **MANAGEMENT)
        refused(env, 1, ["400", "args.conclusion"], "call", "incident.close",
                '{"id": %d, "lessons": "档案备查"}' % iid, **MANAGEMENT)
        refused(env, 1, ["400", "args.conclusion"], "incident", "close", str(iid),
                "--conclusion", "  ", "--lessons", "档案备查", **MANAGEMENT)
        assert snapshot(env) == before
        assert qj(env, "incident", "show", str(iid), **OPS)["state"] == "open"

        closed = qj(env, "incident", "close", str(iid), "--conclusion",
                    "住建厅确认资质合法有效, 质询结束", "--lessons",
                    "每项资质的取得档案随时备查; 媒体回应由法务统一口径", **MANAGEMENT)
        assert (closed["state"], len(closed["communications"])) == ("closed", 3), closed
        done = events(env, "incident.closed")
        assert len(done) == 1 and done[0]["recipients"] == ["management"], done
        assert len(events(env, "incident.communication_logged")) == 3
        refused(env, 1, ["409", "closed"], "incident", "log", str(iid), "--party", "media",
                "--who", "x", "--channel", "press", "--summary", "y", **LEGAL)
        assert len(events(env, "risk.high")) == 3
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("s7_risk", [test_risk_and_emergency])
