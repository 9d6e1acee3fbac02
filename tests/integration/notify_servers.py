"""Real local servers for the notification tests, on 127.0.0.1 only, each
started by a test and stopped by it (every wait bounded).

WebhookReceiver: an HTTP server that receives Standard Webhooks requests
and verifies every one with the reference library (npm's standardwebhooks,
which scripts/install-deps installs into build/node; webhook_verify.js runs
it), against the secret each path holds and the tests' clock. Each path can
be told to answer with a status, to answer late, or to reset the
connection without an answer.
"""
import json
import os
import socket
import struct
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
