"""§14 notification channels against real local servers: the notify
worker's builders (workers/notify: templates, robots, email), driven by
the probe program (tests/probe/notify_probe.c, which renders, builds and
sends one message with libcurl), deliver to receivers on 127.0.0.1 that
check each request as the vendor's documentation states
(tests/integration/notify_servers.py): WeCom, DingTalk and Feishu robots
with their signatures verified, markdown and mentions as sent, sizes cut
to the documented limits, an error code in a 200 answer read as a
failure; and an SMTP server (aiosmtpd) with STARTTLS and AUTH that parses
the MIME structure and decodes the subject.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from notify_servers import (DingTalkReceiver, FeishuReceiver, SmtpReceiver,  # noqa: E402
                            WeComReceiver)
from qfharness import run  # noqa: E402

TESTS_DIR = os.environ.get("QF_TESTS") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "release", "tests")
PROBE = os.path.join(TESTS_DIR, "notify_probe")
SECRET = "SECa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
MARKER = "\n…(truncated)"
PAYLOAD = {"contract": {"id": 42, "customer": "合肥建工 *集团*"},
           "amount": 1250000, "note": "[link](http://evil) <b>x</b>"}


def probe(spec):
    """Runs the probe with `spec`; returns (exit code, its JSON result)."""
    done = subprocess.run([PROBE], input=json.dumps(spec).encode(), capture_output=True,
                          timeout=30)
    try:
        result = json.loads(done.stdout.decode())
    except ValueError:
        raise AssertionError("probe printed %r, stderr %r" % (done.stdout, done.stderr[-2000:]))
    return done.returncode, result


def robot(kind, receiver, **extra):
    spec = {"channel": kind, "url": receiver.url(extra.pop("path", "/send")),
            "title": "合同 #{{contract.id}}",
            "text": "**{{contract.customer}}** 已签 {{amount}} 元\n{{note}}",
            "payload": PAYLOAD}
    spec.update(extra)
    return probe(spec)


def clean(record):
    assert record["problems"] == [], record["problems"]


# ---- WeCom ----------------------------------------------------------------

def test_wecom_markdown_delivered():
    with WeComReceiver() as wecom:
        rc, result = robot("wecom", wecom)
        assert rc == 0 and result["check"] == 0, result
        (record,) = wecom.wait(1)
        clean(record)
        content = record["json"]["markdown"]["content"]
        # Title bold; values' markdown escaped so a payload cannot add a link or bold.
        assert content == ("**合同 \\#42**\n**合肥建工 \\*集团\\*** 已签 1250000 元\n"
                           "\\[link\\]\\(http://evil\\) \\<b\\>x\\</b\\>"), content


def test_wecom_cut_to_4096_bytes():
    with WeComReceiver() as wecom:
        rc, result = robot("wecom", wecom, text="{{big}}", payload={"big": "合" * 5000})
        assert rc == 0, result
        (record,) = wecom.wait(1)
        clean(record)  # over 4096 bytes the receiver answers 40058 like WeCom
        content = record["json"]["markdown"]["content"]
        assert len(content.encode()) <= 4096 and content.endswith(MARKER)
        assert set(content.split("\n", 1)[1][:-len(MARKER)]) == {"合"}


def test_wecom_error_code_is_failure():
    with WeComReceiver() as wecom:
        wecom.fail_with = (93000, "invalid webhook url")
        rc, result = robot("wecom", wecom)
        assert rc == 1 and result["status"] == 200, result
        assert result["check"] != 0
        assert result["check_error"] == "robot wecom: errcode 93000: invalid webhook url", result


def test_http_error_is_failure():
    with WeComReceiver() as wecom:
        wecom.http_status = 503
        rc, result = robot("wecom", wecom)
        assert rc == 1 and result["status"] == 503
        assert result["check_error"].startswith("robot wecom: HTTP 503: "), result


# ---- DingTalk -------------------------------------------------------------

def test_dingtalk_signed_with_mentions():
    with DingTalkReceiver(secret=SECRET) as ding:
        rc, result = robot("dingtalk", ding, path="/robot/send?access_token=abc",
                           secret=SECRET, mentions=["13800001111", "13900002222"])
        assert rc == 0 and result["check"] == 0, result
        (record,) = ding.wait(1)
        clean(record)
        assert record.get("signature_verified"), record
        assert record["query"]["access_token"] == ["abc"]
        msg = record["json"]
        assert msg["msgtype"] == "markdown"
        assert msg["markdown"]["title"] == "合同 #42"
        assert msg["markdown"]["text"].startswith("**合肥建工 \\*集团\\*** 已签")
        assert msg["markdown"]["text"].endswith("\n\n@13800001111 @13900002222")
        assert msg["at"] == {"atMobiles": ["13800001111", "13900002222"], "isAtAll": False}


def test_dingtalk_wrong_secret_read_as_failure():
    with DingTalkReceiver(secret=SECRET) as ding:
        rc, result = robot("dingtalk", ding, secret=SECRET + "x")
        assert rc == 1 and result["status"] == 200, result
        assert result["check_error"].startswith("robot dingtalk: errcode 310000: sign not match")
        (record,) = ding.wait(1)
        assert not record.get("signature_verified")


def test_dingtalk_stale_timestamp_refused():
    # Signed correctly, but an hour and a half ago: the service refuses it.
    import time
    with DingTalkReceiver(secret=SECRET) as ding:
        rc, result = robot("dingtalk", ding, secret=SECRET,
                           now_ms=int((time.time() - 5400) * 1000))
        assert rc == 1 and "errcode 310000" in result["check_error"], result


def test_dingtalk_cut_to_20000_bytes():
    with DingTalkReceiver(secret=SECRET) as ding:
        rc, result = robot("dingtalk", ding, secret=SECRET, text="{{big}}",
                           payload={"big": "x" * 30000}, mentions=["13800001111"])
        assert rc == 0, result
        (record,) = ding.wait(1)
        clean(record)  # the mention is still in the text after the cut
        text = record["json"]["markdown"]["text"]
        assert len(text.encode()) == 20000
        assert text.endswith(MARKER + "\n\n@13800001111")


# ---- Feishu ---------------------------------------------------------------

def test_feishu_signed_card():
    with FeishuReceiver(secret=SECRET) as feishu:
        rc, result = robot("feishu", feishu, secret=SECRET, mentions=["@all"])
        assert rc == 0 and result["check"] == 0, result
        (record,) = feishu.wait(1)
        clean(record)
        assert record.get("signature_verified")
        assert record["json"]["msg_type"] == "interactive"
        assert record["title"] == "合同 #42"
        assert record["text"].startswith("**合肥建工 \\*集团\\*** 已签 1250000 元\n")
        assert record["text"].endswith("\n<at id=all></at>")


def test_feishu_signed_post():
    with FeishuReceiver(secret=SECRET) as feishu:
        rc, result = robot("feishu_post", feishu, secret=SECRET)
        assert rc == 0, result
        (record,) = feishu.wait(1)
        clean(record)
        assert record.get("signature_verified")
        assert record["json"]["msg_type"] == "post"
        assert record["title"] == "合同 #42"


def test_feishu_wrong_secret_read_as_failure():
    with FeishuReceiver(secret=SECRET) as feishu:
        rc, result = robot("feishu", feishu, secret="another")
        assert rc == 1, result
        assert result["check_error"].startswith("robot feishu: code 19021: sign match fail"), \
            result


def test_feishu_body_within_20_kb():
    with FeishuReceiver(secret=SECRET) as feishu:
        # Quotes and newlines take two bytes each in JSON: the limit is the body's.
        rc, result = robot("feishu", feishu, secret=SECRET, text="{{big}}",
                           payload={"big": '合"\n' * 20000})
        assert rc == 0, result
        (record,) = feishu.wait(1)
        clean(record)
        assert 19000 < len(record["raw"]) <= 20000, len(record["raw"])
        assert record["text"].endswith(MARKER)


def test_template_refused_before_sending():
    with WeComReceiver() as wecom:
        rc, result = robot("wecom", wecom, text="{{contract.customer")
        assert rc == 1 and result["built"] is False
        assert "tag opened at byte 0 is not closed" in result["error"], result
        assert wecom.received == []


# ---- Email ----------------------------------------------------------------

def certificate(directory):
    """A self-signed certificate for 127.0.0.1, valid one day."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    return cert, key


LONG_ADDRESS = "operations.department.night.shift@subsidiary.example.com"


def mail(smtp, **extra):
    spec = {"channel": "email", "smtp": smtp, "from": "noreply@qualflow.example",
            "from_name": "Qualflow 通知",
            "to": ["li.lei@example.com", {"address": "han.mei@example.com", "name": "韩梅"},
                   {"address": LONG_ADDRESS, "name": "合肥分公司运营部夜班值班经理"}],
            "subject": "合同 #{{contract.id}} 已签：{{contract.customer}} — 请于三个工作日内完成交接",
            "text": "客户 {{contract.customer}} 已签，金额 {{amount}} 元。\n{{note}}\n.\nend",
            "event_id": "1042", "msg_id": "msg_1042_ops", "payload": PAYLOAD}
    spec.update(extra)
    return probe(spec)


RCPTS = ["li.lei@example.com", "han.mei@example.com", LONG_ADDRESS]
SUBJECT = "合同 #42 已签：合肥建工 *集团* — 请于三个工作日内完成交接"


def test_email_starttls_auth_mime():
    import tempfile
    cert, key = certificate(tempfile.mkdtemp())
    with SmtpReceiver(cert, key, require_tls=True, users={"qualflow": "s3cret"}) as smtp:
        rc, result = mail({"host": "127.0.0.1", "port": smtp.port, "tls": "starttls",
                           "user": "qualflow", "password": "s3cret",
                           "domain": "qualflow.example", "ca_file": cert})
        assert rc == 0, result
        (record,) = smtp.wait(1)
        clean(record)
        assert record["tls"] and record["authenticated"]
        assert record["mail_from"] == "noreply@qualflow.example"
        assert record["rcpt_tos"] == RCPTS
        assert record["subject"] == SUBJECT, record["subject"]
        assert "=?UTF-8?B?" in record["subject_raw"] and "\r\n " in record["subject_raw"]
        assert record["from"] == "Qualflow 通知 <noreply@qualflow.example>", record["from"]
        assert record["to"] == ("li.lei@example.com, 韩梅 <han.mei@example.com>, "
                                "合肥分公司运营部夜班值班经理 <%s>" % LONG_ADDRESS), record["to"]
        assert record["message-id"] == "<qualflow.msg_1042_ops@qualflow.example>"
        assert record["mime-version"] == "1.0"
        assert record["part_types"] == ["text/plain", "text/html"]
        assert record["text"] == ("客户 合肥建工 *集团* 已签，金额 1250000 元。\r\n"
                                  "[link](http://evil) <b>x</b>\r\n.\r\nend"), repr(record["text"])
        # No HTML template: the text, escaped, is the HTML part.
        assert "&lt;b&gt;x&lt;/b&gt;" in record["html"] and "<b>" not in record["html"]


def test_email_implicit_tls():
    import tempfile
    cert, key = certificate(tempfile.mkdtemp())
    with SmtpReceiver(cert, key, implicit_tls=True, users={"qualflow": "s3cret"}) as smtp:
        rc, result = mail({"host": "127.0.0.1", "port": smtp.port, "tls": "tls",
                           "user": "qualflow", "password": "s3cret",
                           "domain": "qualflow.example", "ca_file": cert})
        assert rc == 0, result
        (record,) = smtp.wait(1)
        clean(record)
        assert record["tls"] and record["authenticated"]
        assert record["subject"] == SUBJECT


def test_email_html_template_escaped():
    with SmtpReceiver() as smtp:
        rc, result = mail({"host": "127.0.0.1", "port": smtp.port, "tls": "plain",
                           "domain": "qualflow.example"},
                          html="<p>客户 <b>{{contract.customer}}</b> {{note}}</p>")
        assert rc == 0, result
        (record,) = smtp.wait(1)
        clean(record)
        assert not record["tls"] and not record["authenticated"]
        assert record["html"] == ("<p>客户 <b>合肥建工 *集团*</b> [link](http://evil) "
                                  "&lt;b&gt;x&lt;/b&gt;</p>"), record["html"]


def test_email_starttls_required_is_required():
    # A server that offers no STARTTLS: "starttls" (the default) sends nothing ...
    with SmtpReceiver(users={"qualflow": "s3cret"}) as smtp:
        rc, result = mail({"host": "127.0.0.1", "port": smtp.port, "tls": "starttls",
                           "user": "qualflow", "password": "s3cret",
                           "domain": "qualflow.example"})
        assert rc == 1 and "STARTTLS" in result.get("curl", ""), result
        assert smtp.received == []
        # ... where "starttls_try" goes on in the clear (AUTH allowed on loopback here).
        rc, result = mail({"host": "127.0.0.1", "port": smtp.port, "tls": "starttls_try",
                           "user": "qualflow", "password": "s3cret",
                           "domain": "qualflow.example"})
        assert rc == 0, result
        (record,) = smtp.wait(1)
        clean(record)
        assert not record["tls"] and record["authenticated"]


def test_email_wrong_password_or_untrusted_certificate_fail():
    import tempfile
    cert, key = certificate(tempfile.mkdtemp())
    with SmtpReceiver(cert, key, require_tls=True, users={"qualflow": "s3cret"}) as smtp:
        server = {"host": "127.0.0.1", "port": smtp.port, "tls": "starttls", "user": "qualflow",
                  "password": "wrong", "domain": "qualflow.example", "ca_file": cert}
        rc, result = mail(server)
        assert rc == 1 and result.get("curl") == "Login denied", result
        # The server's certificate is not one the system trusts: refused.
        server.update(password="s3cret", ca_file=None)
        rc, result = mail(server)
        assert rc == 1 and "SSL certificate problem" in result.get("curl", ""), result
        assert smtp.received == []


def test_email_header_injection_refused():
    with SmtpReceiver() as smtp:
        rc, result = mail({"host": "127.0.0.1", "port": smtp.port, "tls": "plain",
                           "domain": "qualflow.example"},
                          to=["li.lei@example.com\r\nBcc: all@example.com"])
        assert rc == 1 and result["built"] is False
        assert "to[0]" in result["error"], result
        # A subject with a line break is carried encoded, not as a new header.
        rc, result = mail({"host": "127.0.0.1", "port": smtp.port, "tls": "plain",
                           "domain": "qualflow.example"},
                          subject="{{s}}", payload={"s": "hi\r\nBcc: all@example.com"})
        assert rc == 0, result
        (record,) = smtp.wait(1)
        clean(record)
        assert record["subject"] == "hi Bcc: all@example.com", record["subject"]
        assert record["rcpt_tos"] == RCPTS


if __name__ == "__main__":
    run("s14_channels", [
        test_wecom_markdown_delivered,
        test_wecom_cut_to_4096_bytes,
        test_wecom_error_code_is_failure,
        test_http_error_is_failure,
        test_dingtalk_signed_with_mentions,
        test_dingtalk_wrong_secret_read_as_failure,
        test_dingtalk_stale_timestamp_refused,
        test_dingtalk_cut_to_20000_bytes,
        test_feishu_signed_card,
        test_feishu_signed_post,
        test_feishu_wrong_secret_read_as_failure,
        test_feishu_body_within_20_kb,
        test_template_refused_before_sending,
        test_email_starttls_auth_mime,
        test_email_implicit_tls,
        test_email_html_template_escaped,
        test_email_starttls_required_is_required,
        test_email_wrong_password_or_untrusted_certificate_fail,
        test_email_header_injection_refused,
    ])
