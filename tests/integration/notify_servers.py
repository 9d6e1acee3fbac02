"""Real local servers for the notification tests, on 127.0.0.1, each in a
thread of the test's process and stopped by the test (every wait bounded).

Robots: WeComReceiver, DingTalkReceiver and FeishuReceiver accept what
each vendor's robot documentation describes and answer as it does: a 200
with {"errcode": 0} (WeCom, DingTalk) or {"code": 0} (Feishu), and, for a
request the real service would refuse, a 200 with the error code it
documents (signature not matching, content over the size limit, malformed
message). They verify signatures as documented:
  DingTalk: sign = urlEncode(base64(HmacSHA256(key=secret,
            msg="timestamp\\nsecret"))), timestamp in ms, both in the query;
  Feishu:   sign = base64(HmacSHA256(key="timestamp\\nsecret", msg="")),
            timestamp in seconds, both in the JSON body;
and, like the services, refuse a timestamp more than an hour away. Each
keeps what it received (`received`: one dict per request, with `problems`,
the checks it failed) and can be told to answer an error (`fail_with`).

Email: SmtpReceiver, an aiosmtpd server (optionally STARTTLS with a
certificate the test makes, and AUTH) that parses each message's MIME
structure and decodes its RFC 2047 subject, keeping one dict per message.

Webhooks: WebhookReceiver, an HTTP server that receives Standard Webhooks requests
and verifies every one with the reference library (npm's standardwebhooks,
which scripts/install-deps installs into build/node; webhook_verify.js runs
it), against the secret each path holds and the tests' clock. Each path can
be told to answer with a status, to answer late, or to reset the
connection without an answer.
"""
import base64
import email
import email.header
import email.policy
import hashlib
import hmac
import http.server
import json
import logging
import os
import re
import socket
import ssl
import struct
import subprocess
import threading
import time
import urllib.parse
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


# aiosmtpd logs each refused session with its traceback: the tests read
# what the client saw instead.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)
# AUTH in the clear is what the "starttls_try" test asks of a loopback server.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")


class _Receiver:
    """What every receiver keeps: `received` (one dict per request or
    message, appended under `lock`), started and stopped as a context."""

    kind = "receiver"

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()

    def keep(self, record):
        with self.lock:
            self.received.append(record)

    def wait(self, count=1, timeout=10):
        """The records once `count` arrived; fails after `timeout` seconds."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError("%s: %d received in %d s, wanted %d"
                             % (self.kind, len(self.received), timeout, count))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _RobotReceiver(_Receiver):
    """An HTTP server on 127.0.0.1 taking robot POSTs (threaded, bounded:
    each request is read whole by Content-Length, at most 1 MiB)."""

    kind = "robot"

    def __init__(self, secret=None):
        super().__init__()
        self.secret = secret
        self.fail_with = None    # (code, message): answer every request with it
        self.http_status = 200   # another status to answer with
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(min(length, 1 << 20))
                answer = owner._receive(self.path, dict(self.headers), body)
                data = json.dumps(answer).encode()
                self.send_response(owner.http_status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/send"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def _receive(self, path, headers, body):
        record = {"path": path, "headers": headers, "raw": body, "problems": []}
        try:
            record["json"] = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            record["json"] = None
            record["problems"].append("body is not UTF-8 JSON: %s" % e)
        if "application/json" not in headers.get("Content-Type", ""):
            record["problems"].append("Content-Type is not application/json")
        if record["json"] is not None:
            self.check(record)
        self.keep(record)
        if self.fail_with:
            return self.answer(*self.fail_with)
        if record["problems"]:
            return self.answer(*self.refusal(record))
        return self.answer(0, "ok")

    def check(self, record):
        """Appends to record["problems"] what the service would refuse."""
        raise NotImplementedError

    def refusal(self, record):
        """(code, message) the service answers a refused request with."""
        raise NotImplementedError

    def answer(self, code, message):
        return {"errcode": code, "errmsg": message}


def _fresh(stamp_seconds):
    """The services refuse a timestamp more than an hour from their clock."""
    return abs(time.time() - stamp_seconds) <= 3600


class WeComReceiver(_RobotReceiver):
    """WeCom group robot: {"msgtype": "markdown", "markdown": {"content"}},
    content UTF-8 and at most 4096 bytes (errcode 40058 beyond)."""

    kind = "wecom"

    def check(self, record):
        msg, problems = record["json"], record["problems"]
        if msg.get("msgtype") != "markdown":
            problems.append("msgtype is not markdown")
            return
        content = (msg.get("markdown") or {}).get("content")
        if not isinstance(content, str) or not content:
            problems.append("markdown.content missing")
        elif len(content.encode("utf-8")) > 4096:
            record["too_long"] = True
            problems.append("markdown.content exceed max length 4096")

    def refusal(self, record):
        if record.get("too_long"):
            return 40058, "markdown.content exceed max length 4096. invalid Request Parameter"
        return 40008, "invalid message type"


class DingTalkReceiver(_RobotReceiver):
    """DingTalk custom robot, signed ("加签") when made with a secret:
    &timestamp=MS&sign=... on the URL; msgtype markdown {title, text},
    text at most 20000 bytes; at.atMobiles, each written "@mobile" in the
    text. errcode 310000 for a bad signature."""

    kind = "dingtalk"

    def check(self, record):
        query = urllib.parse.urlsplit(record["path"]).query
        record["query"] = urllib.parse.parse_qs(query)
        problems = record["problems"]
        if self.secret is not None:
            stamps = record["query"].get("timestamp", [])
            signs = record["query"].get("sign", [])
            if len(stamps) != 1 or len(signs) != 1 or not stamps[0].isdigit():
                record["bad_sign"] = True
                problems.append("timestamp or sign missing")
            else:
                to_sign = ("%s\n%s" % (stamps[0], self.secret)).encode()
                expected = base64.b64encode(hmac.new(self.secret.encode(), to_sign,
                                                     hashlib.sha256).digest()).decode()
                # The sign must arrive URL-encoded: a raw '+' would read as a space.
                if not hmac.compare_digest(signs[0], expected) or "+" in query:
                    record["bad_sign"] = True
                    problems.append("sign not match")
                elif not _fresh(int(stamps[0]) / 1000):
                    record["bad_sign"] = True
                    problems.append("timestamp is more than an hour away")
                else:
                    record["signature_verified"] = True
        msg = record["json"]
        if msg.get("msgtype") != "markdown":
            problems.append("msgtype is not markdown")
            return
        markdown = msg.get("markdown") or {}
        title, text = markdown.get("title"), markdown.get("text")
        if not isinstance(title, str) or not title or not isinstance(text, str) or not text:
            problems.append("markdown.title or markdown.text missing")
            return
        if len(text.encode("utf-8")) > 20000:
            problems.append("markdown.text over 20000 bytes")
        at = msg.get("at") or {}
        for mobile in at.get("atMobiles", []):
            if "@" + mobile not in text:
                problems.append("@%s not in the text" % mobile)

    def refusal(self, record):
        if record.get("bad_sign"):
            return 310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"
        return 300001, "param error"


class FeishuReceiver(_RobotReceiver):
    """Feishu custom bot, signature check ("签名校验") when made with a
    secret: "timestamp" (seconds) and "sign" in the body; msg_type
    interactive (a card) or post; the body at most 20 KB. code 19021 for a
    bad signature, 9499 for a bad request."""

    kind = "feishu"

    def check(self, record):
        msg, problems = record["json"], record["problems"]
        if len(record["raw"]) > 20 * 1024:
            problems.append("request body over 20 KB")
        if self.secret is not None:
            stamp, sign = msg.get("timestamp"), msg.get("sign")
            if not isinstance(stamp, str) or not stamp.isdigit() or not isinstance(sign, str):
                record["bad_sign"] = True
                problems.append("timestamp or sign missing")
            else:
                key = ("%s\n%s" % (stamp, self.secret)).encode()
                expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
                if not hmac.compare_digest(sign, expected) or not _fresh(int(stamp)):
                    record["bad_sign"] = True
                    problems.append("sign match fail or timestamp is not within one hour")
                else:
                    record["signature_verified"] = True
        kind = msg.get("msg_type")
        if kind == "interactive":
            card = msg.get("card") or {}
            title = (((card.get("header") or {}).get("title")) or {}).get("content")
            elements = card.get("elements")
            if not isinstance(title, str) or not isinstance(elements, list) or not elements:
                problems.append("card header.title or elements missing")
                return
            record["title"] = title
            record["text"] = "".join((e.get("text") or {}).get("content", "") for e in elements)
        elif kind == "post":
            post = ((msg.get("content") or {}).get("post") or {}).get("zh_cn") or {}
            content = post.get("content")
            if not isinstance(post.get("title"), str) or not isinstance(content, list):
                problems.append("content.post.zh_cn title or content missing")
                return
            record["title"] = post["title"]
            record["text"] = "".join(run.get("text", "") for line in content for run in line)
        else:
            problems.append("msg_type %r is neither interactive nor post" % kind)

    def refusal(self, record):
        if record.get("bad_sign"):
            return 19021, "sign match fail or timestamp is not within one hour from current time"
        return 9499, "Bad Request"

    def answer(self, code, message):
        return {"code": code, "msg": message, "data": {}}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpReceiver(_Receiver):
    """An SMTP server (aiosmtpd) on 127.0.0.1. certfile/keyfile: offers
    STARTTLS and, with require_tls, refuses mail and AUTH before it; with
    implicit_tls, speaks TLS from the first byte instead. users:
    {name: password} to require AUTH (PLAIN or LOGIN). Each message is kept
    as a dict: envelope, whether it came over TLS and authenticated, the
    decoded subject, the text and HTML parts, the headers, and `problems`
    (what does not follow RFC 5322 / 2045 / 2047 as the sender promises)."""

    kind = "smtp"

    def __init__(self, certfile=None, keyfile=None, require_tls=False, users=None,
                 implicit_tls=False):
        super().__init__()
        self.port = _free_port()
        context = None
        if certfile:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certfile, keyfile)
        self.users = users
        kwargs = {}
        if users is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=require_tls)
        else:
            kwargs.update(auth_require_tls=False)
        if implicit_tls:
            # TLS from the first byte (smtps://, port 465's way).
            kwargs.update(ssl_context=context)
        else:
            kwargs.update(tls_context=context, require_starttls=require_tls)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     ready_timeout=10, **kwargs)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        password = auth_data.password
        if isinstance(password, bytes):
            password = password.decode()
        # handled=False: aiosmtpd itself answers 535 to a refusal.
        return AuthResult(success=self.users.get(login) == password, handled=False)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        raw = envelope.original_content or envelope.content
        record = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                  # STARTTLS sets session.ssl; implicit TLS shows on the transport.
                  "tls": session.ssl is not None
                  or server.transport.get_extra_info("ssl_object") is not None,
                  "authenticated": bool(session.authenticated),
                  "raw": raw, "problems": []}
        try:
            self._parse(raw, record)
        except Exception as e:  # noqa: BLE001 - a parse failure is what the test must see
            record["problems"].append("unparsable: %r" % e)
        self.keep(record)
        return "250 OK"

    @staticmethod
    def _parse(raw, record):
        problems = record["problems"]
        head = raw.split(b"\r\n\r\n", 1)[0]
        for line in raw.split(b"\r\n"):
            if b"\n" in line or b"\r" in line:
                problems.append("a bare CR or LF")
                break
            if len(line) > 998:
                problems.append("a line over 998 bytes")
                break
        for line in head.split(b"\r\n"):
            if len(line) > 78:
                problems.append("header line over 78: %r" % line[:40])
        words = re.findall(rb"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=", head)
        for word in words:
            if len(word) > 75:
                problems.append("encoded word over 75 characters")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        subject = message.get("Subject", "")
        raw_subject = email.message_from_bytes(raw, policy=email.policy.compat32)["Subject"]
        record["subject_raw"] = raw_subject
        record["subject"] = str(email.header.make_header(email.header.decode_header(raw_subject)))
        if str(subject) != record["subject"]:
            problems.append("two decoders disagree on the subject")
        for name in ("From", "To", "Date", "Message-ID", "MIME-Version"):
            record[name.lower()] = str(message.get(name, ""))
            if not message.get(name):
                problems.append("no %s header" % name)
        record["content_type"] = message.get_content_type()
        if message.get_content_type() != "multipart/alternative":
            problems.append("not multipart/alternative")
            return
        parts = list(message.iter_parts())
        record["part_types"] = [p.get_content_type() for p in parts]
        for part in parts:
            if part.get_content_charset() != "utf-8":
                problems.append("%s charset is not UTF-8" % part.get_content_type())
            if part.get_content_type() == "text/plain":
                record["text"] = part.get_content()
            elif part.get_content_type() == "text/html":
                record["html"] = part.get_content()
        if record["part_types"] != ["text/plain", "text/html"]:
            problems.append("parts are %s" % record["part_types"])


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("QF_ROOT") or os.path.abspath(os.path.join(HERE, "..", ".."))


class _Verifier:
    """One node process running webhook_verify.js, asked one line at a time."""

    def __init__(self):
        self.proc = subprocess.Popen(["node", os.path.join(HERE, "webhook_verify.js")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=dict(os.environ, QF_ROOT=ROOT))
        self.lock = threading.Lock()

    def verify(self, secret, headers, body, now_ms):
        with self.lock:
            self.proc.stdin.write(json.dumps({"secret": secret, "headers": headers,
                                              "body": body, "now_ms": now_ms}) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            return {"ok": False, "error": "the verifier exited"}
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class WebhookReceiver:
    """Receives webhooks on http://127.0.0.1:PORT/PATH.

    receiver.hold(path, secrets): the path verifies with each of those
    secrets (whsec_...): a request is verified when every one verifies it.
    receiver.behave(path, status=200, delay=0, reset=False): how it answers.
    receiver.requests(path): what it received, in order, each a dict with
    path, id, timestamp, signature, body, verified, error, data, at
    (monotonic time the request arrived) and received_ms (wall clock ms)."""

    def __init__(self, clock_path=None):
        self.clock_path = clock_path
        self.verifier = _Verifier()
        self.secrets = {}
        self.behaviour = {}
        self.log = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                receiver._handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass    # a reset asked for, or a sender that gave up

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d/%s" % (self.port, path)

    def hold(self, path, secrets):
        self.secrets[path] = list(secrets)

    def behave(self, path, status=200, delay=0.0, reset=False):
        self.behaviour[path] = {"status": status, "delay": delay, "reset": reset}

    def requests(self, path=None):
        with self.lock:
            return [r for r in self.log if path is None or r["path"] == path]

    def _now_ms(self):
        if self.clock_path:
            with open(self.clock_path) as f:
                return int(f.read().strip())
        return int(time.time() * 1000)

    def _handle(self, handler):
        at, received_ms = time.monotonic(), int(time.time() * 1000)
        path = handler.path.lstrip("/")
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length).decode("utf-8")
        headers = {k.lower(): v for k, v in handler.headers.items()}
        now = self._now_ms()
        checks = [self.verifier.verify(s, headers, body, now)
                  for s in self.secrets.get(path) or [""]]
        failed = [c for c in checks if not c["ok"]]
        check = failed[0] if failed else checks[0]
        record = {"path": path, "id": headers.get("webhook-id"),
                  "timestamp": headers.get("webhook-timestamp"),
                  "signature": headers.get("webhook-signature"), "body": body,
                  "verified": check["ok"], "error": check.get("error"),
                  "data": check.get("data"), "at": at,
                  "received_ms": received_ms}
        with self.lock:
            self.log.append(record)
        how = self.behaviour.get(path, {"status": 200, "delay": 0, "reset": False})
        if how["delay"]:
            time.sleep(how["delay"])
        if how["reset"]:
            # An RST instead of an answer: SO_LINGER 0, then close.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
            handler.close_connection = True
            handler.connection.close()
            return
        status = how["status"] if check["ok"] else 401
        answer = b'{"ok":true}' if status < 300 else b'{"ok":false}'
        try:
            handler.send_response(status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(answer)))
            handler.end_headers()
            handler.wfile.write(answer)
        except OSError:
            pass    # the sender gave up (its timeout)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.verifier.close()
