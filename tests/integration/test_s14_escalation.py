"""Issue 14, escalation and quiet hours, through the daemon, the notify
worker and a real SMTP server on 127.0.0.1, with the test clock (Hefei
time, working time 08:30 to 17:30 on working days).

A route asks for an action: a loan request is told to the leaders
(route recipients) and waits for custody.borrow_approved or
custody.borrow_refused about the same qualification. Without it, after
2 working hours the leader's supervisor is told, after 2 more
management, and no more; the action done (even after the last level)
ends it, and a loan approved in time is never escalated. Outside working
time the new colleagues' messages wait and go as one digest per
recipient at 08:30 the next working day (an email's for each address; a
DingTalk group's one digest @mentioning the mobiles of all its held
messages' recipients), while an urgent topic goes at once; an escalation
counts working hours only, so it passes the night."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from notify_servers import DingTalkReceiver, SmtpReceiver  # noqa: E402
from qfharness import (Clock, Env, add_approved, ask, event_records, ms, run,  # noqa: E402
                       wait_for)
from test_s14_webhooks import SHIPPED_TOPICS  # noqa: E402

HR = {"role": "hr", "user": "hr.wang"}
ARCHIVE = {"custodian": "王芳 (logistics)", "location": "safe 2", "acquired": "2026-05-28"}


MOBILES = {"zhou": "13800138001", "lin": "13800138002"}


def mail_yaml(smtp, ding):
    return """
notify_endpoints:
  - name: ding
    kind: dingtalk
    url: %s
  - name: mail
    kind: email
    url: smtp://127.0.0.1:%d
    tls: plain
    from: qualflow@example.com
notify_routes:
  - name: loans
    topics: [custody.borrow_requested]
    recipients: [leader]
    endpoints: [mail]
    title: "借用审批 Loan to approve: {{subject}}"
    text: "{{data.loan.borrower}}: {{data.loan.purpose}}"
    done: [custody.borrow_approved, custody.borrow_refused]
    escalate_after_hours: 2
    escalate_depth: 2
  - name: staff
    topics: [staff.added]
    endpoints: [mail, ding]
    title: "新同事 New colleague: {{data.person.name}}"
    text: "{{data.person.name}} joins {{data.person.department}}"
""" % (ding.url("/robot/send?access_token=t1"), smtp.port)


def mails_to(smtp, address, prefix):
    """The emails received for `address` whose subject starts with `prefix`."""
    with smtp.lock:
        got = list(smtp.received)
    return [m for m in got if address in m["rcpt_tos"] and m["subject"].startswith(prefix)]


def one_mail(smtp, address, prefix, timeout=20):
    assert wait_for(lambda: mails_to(smtp, address, prefix), timeout), (
        "no mail to %s starting %r; received: %s"
        % (address, prefix, [(m["rcpt_tos"], m["subject"]) for m in smtp.received]))
    (mail,) = mails_to(smtp, address, prefix)
    assert not mail["problems"], mail
    return mail


def escalations(env, state=None):
    args = {"state": state} if state else {}
    return ask(env, "notify.escalations", args)["items"]


def call(c, command, args, role):
    status, body = c.call(command, args, role=role)
    assert status == 200, (command, status, body)
    return body["result"]


def digests(ding):
    """The DingTalk digests received."""
    with ding.lock:
        got = list(ding.received)
    return [r for r in got
            if ((r["json"] or {}).get("markdown") or {}).get("title", "").startswith("非工作时间")]


def test_escalation_and_quiet_hours():
    smtp, ding = SmtpReceiver(), DingTalkReceiver()
    env = None
    with smtp, ding:
        try:
            env = Env({"notify.urgent_topics": "[custody.borrow_requested, incident.opened]"},
                      mail_yaml(smtp, ding))
            clock = Clock(env, "2026-12-07T01:00:00")  # Monday 09:00 in Hefei
            with open(env.conf, encoding="utf-8") as f:
                text = f.read()
            assert SHIPPED_TOPICS in text
            with open(env.conf, "w", encoding="utf-8") as f:
                f.write(text.replace(SHIPPED_TOPICS, "topics: [custody.borrow_requested, "
                                                     "staff.added, notify.escalated]"))
            env.start_daemon()
            for worker in ("legal", "finance", "technical", "notify"):
                env.start_worker(worker)
            c = env.client()

            # The directory: lin (a leader) under zhou, zhou under boss
            # (management).
            for person, roles, supervisor in (("boss", "management", None),
                                               ("zhou", "supervisor", "boss"),
                                               ("lin", "leader", "zhou")):
                args = {"person": person, "name": person.title(), "department": "logistics",
                        "roles": roles, "started": "2020-03-01", "onboarded": "2020-03-20",
                        "email": person + "@example.com"}
                if supervisor:
                    args["supervisor"] = supervisor
                if person in MOBILES:
                    args["mobile"] = MOBILES[person]
                status, body = c.call("staff.add", args, **HR)
                assert status == 200, body
            quals = []
            for cert in ("D234000141", "D234000142"):
                qid = add_approved(env, c, cert_no=cert)
                call(c, "custody.archive", dict(ARCHIVE, qualification_id=qid), "logistics")
                quals.append(qid)
            qa, qb = quals
            loan = {"borrower": "李雷", "purpose": "tender", "due": "2026-12-31"}

            # 09:00: the loan request goes to the leader, lin.
            a = call(c, "loan.request", dict(loan, qualification_id=qa), "sales")
            first = one_mail(smtp, "lin@example.com", "借用审批")
            assert first["subject"] == "借用审批 Loan to approve: qualification/%d" % qa, first
            assert "李雷: tender" in first["text"], first["text"]
            (open_a,) = escalations(env, "open")
            assert (open_a["level"], open_a["recipients"], open_a["subject"]) == (
                0, ["lin"], "qualification/%d" % qa), open_a
            # Due two working hours later.
            assert open_a["due_at"] == ms("2026-12-07T03:00:00"), open_a

            # 10:59: not yet. 11:01: zhou, lin's supervisor.
            clock.set("2026-12-07T02:59:00", c)
            time.sleep(1.0)
            assert not mails_to(smtp, "zhou@example.com", "升级")
            clock.set("2026-12-07T03:01:00", c)
            l1 = one_mail(smtp, "zhou@example.com", "升级 Escalation L1: 借用审批")
            assert l1["rcpt_tos"] == ["zhou@example.com"], l1
            assert "李雷: tender" in l1["text"], l1["text"]
            (row,) = escalations(env)
            assert (row["level"], row["state"], row["recipients"]) == (1, "open", ["zhou"]), row

            # 13:02: management (boss), the last level.
            clock.set("2026-12-07T05:02:00", c)
            one_mail(smtp, "boss@example.com", "升级 Escalation L2: 借用审批")
            assert wait_for(lambda: escalations(env)[0]["state"] == "escalated", 10)
            raised = [e["payload"] for e in event_records(env, "notify.escalated")]
            assert [(p["escalation"]["level"], p["recipients"], p["escalation"]["final"])
                    for p in raised] == [(1, ["zhou"], False), (2, ["boss"], True)], raised
            assert raised[0]["loan"]["id"] == a["id"], raised[0]

            # A loan approved in time is never escalated.
            b = call(c, "loan.request", dict(loan, qualification_id=qb), "sales")
            assert wait_for(lambda: len(mails_to(smtp, "lin@example.com", "借用审批")) == 2, 20)
            clock.set("2026-12-07T05:30:00", c)
            call(c, "loan.approve", {"loan_id": b["id"]}, "leader")
            clock.set("2026-12-07T09:00:00", c)  # 17:00, well past its due time
            time.sleep(1.5)
            mine = [e for e in escalations(env) if e["subject"] == "qualification/%d" % qb]
            assert [(e["state"], e["level"], e["done_by"]) for e in mine] == [
                ("done", 0, "custody.borrow_approved")], mine
            assert len(event_records(env, "notify.escalated")) == 2

            # 18:30, quiet hours. Refusing loan A ends its escalation even
            # after its last level.
            clock.set("2026-12-07T10:30:00", c)
            call(c, "loan.refuse", {"loan_id": a["id"]}, "leader")
            row = [e for e in escalations(env) if e["subject"] == "qualification/%d" % qa][0]
            assert (row["state"], row["done_by"]) == ("done", "custody.borrow_refused"), row

            # Two new colleagues under zhou and one under lin: held for
            # zhou's and lin's digests, and the DingTalk group's.
            for person, supervisor in (("han", "zhou"), ("wu", "zhou"), ("li", "lin")):
                status, body = c.call("staff.add", {
                    "person": person, "name": person.title(), "department": "logistics",
                    "roles": "logistics", "supervisor": supervisor, "started": "2026-12-07",
                    "onboarded": "2026-12-07"}, **HR)
                assert status == 200, body
            assert wait_for(lambda: len(ask(env, "notify.held")["items"]) == 6, 20)
            held = ask(env, "notify.held")["items"]
            release = ms("2026-12-08T00:30:00")
            assert sorted((h["endpoint"], h["recipient"], h["release_at"]) for h in held) == [
                ("ding", "", release)] * 3 + [("mail", "lin@example.com", release)] + [
                ("mail", "zhou@example.com", release)] * 2, held
            # An urgent topic goes at once: loan A asked for again.
            call(c, "loan.request", dict(loan, qualification_id=qa), "sales")
            assert wait_for(lambda: len(mails_to(smtp, "lin@example.com", "借用审批")) == 3, 20)
            assert not mails_to(smtp, "zhou@example.com", "新同事 New colleague: Han")
            assert not mails_to(smtp, "zhou@example.com", "非工作时间")
            assert not digests(ding)

            # Tuesday 08:31: one digest for zhou with both; nothing held.
            clock.set("2026-12-08T00:31:00", c)
            digest = one_mail(smtp, "zhou@example.com", "非工作时间通知汇总 Digest: 2")
            assert digest["part_types"] == ["text/plain", "text/html"], digest
            for name in ("Han", "Wu"):
                assert "新同事 New colleague: %s" % name in digest["text"], digest["text"]
                assert "%s joins logistics" % name in digest["html"], digest["html"]
            one_mail(smtp, "lin@example.com", "非工作时间通知汇总 Digest: 1")
            # One DingTalk digest of the three, @mentioning both supervisors.
            assert wait_for(lambda: digests(ding), 20), ding.received
            (robot,) = digests(ding)
            assert not robot["problems"], robot
            assert sorted(robot["json"]["at"]["atMobiles"]) == sorted(MOBILES.values()), robot
            for name in ("Han", "Wu", "Li"):
                assert "新同事 New colleague: %s" % name in robot["json"]["markdown"]["text"], robot
            assert ask(env, "notify.held")["items"] == []
            # The night's loan request escalates two working hours into
            # Tuesday (10:30), not during the night.
            time.sleep(1.0)
            assert len(mails_to(smtp, "zhou@example.com", "升级")) == 1
            clock.set("2026-12-08T02:29:00", c)
            time.sleep(1.0)
            assert len(mails_to(smtp, "zhou@example.com", "升级")) == 1
            clock.set("2026-12-08T02:31:00", c)
            assert wait_for(lambda: len(mails_to(smtp, "zhou@example.com", "升级")) == 2, 20)
            c.close()
        finally:
            if env:
                env.close()


if __name__ == "__main__":
    run("s14_escalation", [test_escalation_and_quiet_hours])
