"""Issue 14, office robots and email through the daemon: the
qualflow-notify worker sends a routed event to a WeCom group robot
(markdown), a DingTalk custom robot (signed, @mentioning the mobile of the
event's recipient from the staff directory), a Feishu custom bot (signed)
and an SMTP server (To: the recipient's email from the directory, the
subject RFC 2047 encoded, a text and an HTML part), each a real receiver
on 127.0.0.1 (notify_servers.py) checking the format and signature its
service documents. The route's title and text are templates filled from
the event. A robot answering 200 with an error code has failed: the
message is tried on the retry schedule, then exhausted."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from notify_servers import (DingTalkReceiver, FeishuReceiver, SmtpReceiver,  # noqa: E402
                            WeComReceiver)
from qfharness import Clock, Env, event_records, run, wait_for  # noqa: E402
from test_s14_channels import certificate  # noqa: E402
from test_s14_webhooks import SHIPPED_TOPICS, log  # noqa: E402

HR = {"role": "hr", "user": "hr.wang"}
DING_SECRET = "SEC0123456789abcdef0123456789abcdef"
FEISHU_SECRET = "feishu-bot-secret-42"
# Sent whatever the time of the run: quiet hours are test_s14_escalation's.
AT_ONCE = {"notify.quiet_hours": "false"}
TITLE = "新同事 New colleague: {{subject}}"
TEXT = "**{{data.person.name}}** ({{data.person.department}}) joined; event {{event_id}}"


def robots_yaml(wecom, ding, feishu, smtp):
    return """
notify_endpoints:
  - name: wecom
    kind: wecom
    url: %s
  - name: ding
    kind: dingtalk
    url: %s
    secret: %s
  - name: feishu
    kind: feishu
    url: %s
    secret: %s
  - name: mail
    kind: email
    url: smtp://127.0.0.1:%d
    tls: plain
    from: qualflow@example.com
notify_routes:
  - name: staff
    topics: [staff.added]
    endpoints: [wecom, ding, feishu, mail]
    title: "%s"
    text: "%s"
""" % (wecom.url("/cgi-bin/webhook/send?key=k1"), ding.url("/robot/send?access_token=t1"),
       DING_SECRET, feishu.url("/open-apis/bot/v2/hook/h1"), FEISHU_SECRET, smtp.port, TITLE,
       TEXT)


def start(env):
    with open(env.conf, encoding="utf-8") as f:
        text = f.read()
    assert SHIPPED_TOPICS in text, "the notify group of config/qualflow.yaml changed"
    with open(env.conf, "w", encoding="utf-8") as f:
        f.write(text.replace(SHIPPED_TOPICS, "topics: [staff.added]"))
    env.start_daemon()
    env.start_worker("notify")


def add_people(env):
    """zhao (email, mobile) then li.lei under zhao: staff.added of li.lei
    goes to zhao and to hr (a role nobody holds: no address)."""
    c = env.client()
    try:
        for person, extra in (("zhao", {"roles": "supervisor,sales", "email": "zhao@example.com",
                                        "mobile": "13800138000", "name": "赵敏"}),
                              ("li.lei", {"roles": "sales", "supervisor": "zhao",
                                          "name": "李雷"})):
            args = dict({"person": person, "department": "sales", "started": "2020-03-01",
                         "onboarded": "2020-03-20"}, **extra)
            status, body = c.call("staff.add", args, **HR)
            assert status == 200, body
    finally:
        c.close()
    (added,) = [e for e in event_records(env, "staff.added") if e["subject"] == "staff/li.lei"]
    assert added["payload"]["recipients"] == ["zhao", "hr"], added
    return added


def test_robots_and_email_reach_their_receivers():
    wecom, ding = WeComReceiver(), DingTalkReceiver(secret=DING_SECRET)
    feishu, smtp = FeishuReceiver(secret=FEISHU_SECRET), SmtpReceiver()
    env = None
    with wecom, ding, feishu, smtp:
        try:
            env = Env(AT_ONCE, robots_yaml(wecom, ding, feishu, smtp))
            start(env)
            add_people(env)
            events = event_records(env, "staff.added")
            ids = {e["subject"]: e["id"] for e in events}
            li = ids["staff/li.lei"]

            # Two events (zhao's own too): each reaches each robot.
            got = wecom.wait(2, 20)
            assert all(not r["problems"] for r in got), got
            content = [r["json"]["markdown"]["content"] for r in got]
            mine = [t for t in content if li in t]
            assert len(mine) == 1, content
            assert "新同事 New colleague: staff/li.lei" in mine[0], mine
            assert "**李雷** (sales) joined" in mine[0], mine

            got = ding.wait(2, 20)
            assert all(not r["problems"] and r["signature_verified"] for r in got), got
            (mine,) = [r["json"] for r in got if li in r["json"]["markdown"]["text"]]
            assert mine["markdown"]["title"] == "新同事 New colleague: staff/li.lei", mine
            # zhao, the recipient with a mobile, is @mentioned; "hr" has none.
            assert mine["at"]["atMobiles"] == ["13800138000"], mine
            assert "@13800138000" in mine["markdown"]["text"], mine

            got = feishu.wait(2, 20)
            assert all(not r["problems"] and r["signature_verified"] for r in got), got
            (mine,) = [r for r in got if li in r["text"]]
            assert mine["title"] == "新同事 New colleague: staff/li.lei", mine
            assert "李雷" in mine["text"], mine

            # Email: only li.lei's event has a recipient with an email (zhao).
            (mail,) = smtp.wait(1, 20)
            assert not mail["problems"], mail
            assert mail["mail_from"] == "qualflow@example.com", mail
            assert mail["rcpt_tos"] == ["zhao@example.com"], mail
            assert "zhao@example.com" in mail["to"], mail
            assert mail["subject"] == "新同事 New colleague: staff/li.lei", mail
            assert "=?UTF-8?B?" in mail["subject_raw"], mail["subject_raw"]
            assert mail["part_types"] == ["text/plain", "text/html"], mail
            assert "**李雷** (sales) joined" in mail["text"], mail["text"]
            assert "李雷" in mail["html"] and li in mail["html"], mail["html"]
            assert li in mail["message-id"], mail["message-id"]

            for endpoint in ("wecom", "ding", "feishu", "mail"):
                record = log(env, "msg_%s_%s" % (li, endpoint))
                assert record["state"] == "sent", (endpoint, record)
                assert record["channel"] == {"ding": "dingtalk", "mail": "email"}.get(
                    endpoint, endpoint), record
            # zhao's own event names nobody with an email: its email fails
            # at once, never tried, with the reason; the robots took it.
            msg = "msg_%s_mail" % ids["staff/zhao"]
            zhao = log(env, msg)
            assert (zhao["state"], zhao["attempts"], zhao["attempt_log"]) == ("failed", 0, []), zhao
            (why,) = [e["payload"] for e in event_records(env, "notify.exhausted")
                      if e["payload"]["msg_id"] == msg]
            assert "email address" in why["last_error"] and why["attempts"] == 0, why

            # notify.test of a robot goes as a robot message, by its kind.
            c = env.client()
            try:
                status, body = c.call("notify.test", {"endpoint": "feishu"})
            finally:
                c.close()
            assert status == 200, body
            got = feishu.wait(3, 20)
            assert any(r["title"].startswith("notify.test") for r in got), got
            assert all(not r["problems"] for r in got), got
        finally:
            if env:
                env.close()


def test_robot_error_code_is_retried_then_exhausted():
    wecom, ding = WeComReceiver(), DingTalkReceiver(secret=DING_SECRET)
    feishu, smtp = FeishuReceiver(secret=FEISHU_SECRET), SmtpReceiver()
    env = None
    with wecom, ding, feishu, smtp:
        try:
            env = Env(dict(AT_ONCE, **{"notify.retry_schedule": "[0, 5]"}),
                      robots_yaml(wecom, ding, feishu, smtp))
            clock = Clock(env, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()))
            with open(clock.path) as f:
                begin = int(f.read())
            # HTTP 200, but the robot refuses: errcode 93000 (WeCom's
            # "invalid webhook url").
            wecom.fail_with = (93000, "invalid webhook url")
            start(env)
            add_people(env)
            li = [e["id"] for e in event_records(env, "staff.added")
                  if e["subject"] == "staff/li.lei"][0]
            msg = "msg_%s_wecom" % li
            assert wait_for(lambda: len(log(env, msg)["attempt_log"]) == 1, 20), log(env, msg)
            record = log(env, msg)
            assert record["state"] == "pending", record
            first = record["attempt_log"][0]
            assert first["status"] == 200 and "93000" in first["error"], first
            clock.set_ms(begin + 5000)
            assert wait_for(lambda: log(env, msg)["state"] == "failed", 20), log(env, msg)
            attempts = log(env, msg)["attempt_log"]
            assert [a["status"] for a in attempts] == [200, 200], attempts
            exhausted = [e["payload"] for e in event_records(env, "notify.exhausted")
                         if e["payload"]["msg_id"] == msg]
            assert len(exhausted) == 1 and exhausted[0]["attempts"] == 2, exhausted
            # The other robots took the same event at the first attempt.
            assert log(env, "msg_%s_ding" % li)["state"] == "sent"
        finally:
            if env:
                env.close()


def test_email_with_starttls_and_auth_from_the_environment():
    """The worker's email endpoint as an operator sets it up: STARTTLS
    required, AUTH with the password in the variable password_env names
    (never in the file), the server's certificate checked against
    ca_file. The receiver refuses mail and AUTH before STARTTLS."""
    cert, key = certificate(tempfile.mkdtemp())
    smtp = SmtpReceiver(cert, key, require_tls=True, users={"qualflow": "s3cret"})
    env = None
    with smtp:
        try:
            env = Env(AT_ONCE, """
notify_endpoints:
  - name: mail
    kind: email
    url: smtp://127.0.0.1:%d
    tls: starttls
    from: qualflow@example.com
    user: qualflow
    password_env: QF_TEST_SMTP_PASSWORD
    ca_file: %s
notify_routes:
  - name: staff
    topics: [staff.added]
    endpoints: [mail]
    title: "%s"
    text: "%s"
""" % (smtp.port, cert, TITLE, TEXT))
            with open(env.conf, encoding="utf-8") as f:
                assert "s3cret" not in f.read()
            with open(env.conf, encoding="utf-8") as f:
                text = f.read()
            with open(env.conf, "w", encoding="utf-8") as f:
                f.write(text.replace(SHIPPED_TOPICS, "topics: [staff.added]"))
            env.start_daemon()
            env.start_worker("notify", env={"QF_TEST_SMTP_PASSWORD": "s3cret"})
            add_people(env)
            (mail,) = smtp.wait(1, 20)
            assert not mail["problems"], mail
            assert mail["tls"] and mail["authenticated"], mail
            assert mail["rcpt_tos"] == ["zhao@example.com"], mail
            assert mail["subject"] == "新同事 New colleague: staff/li.lei", mail
        finally:
            if env:
                env.close()


if __name__ == "__main__":
    run("s14_robots", [test_robots_and_email_reach_their_receivers,
                       test_robot_error_code_is_retried_then_exhausted,
                       test_email_with_starttls_and_auth_from_the_environment])
