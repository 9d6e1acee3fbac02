#!/usr/bin/python3
"""A QFLOW/1 worker and client written from proto/PROTOCOL.md alone.

Uses only the Python standard library and pyzmq (Debian's python3-zmq):
nothing from the project is imported, so this test checks that the
protocol document is enough to talk to the daemon from another language.

It starts a real qualflowd ($QF_BIN/qualflowd, default <repo>/bin) on a
private copy of config/qualflow.yaml whose database and ipc endpoints live
in a temporary directory and which adds a consumer group `python-audit`
subscribed to "qualification.*".  Then, as that group, it checks the
session (HELLO/WELCOME, DELIVER in seq order, ACK, NACK and redelivery,
HEARTBEAT both ways, ERROR 404 after silence, BYE) and, as a client, some
requests (qual.add, qual.submit, and 400 for an unknown command, a wrong
protocol frame and invalid JSON).

Prints "PASS protocol_worker: name" or "FAIL protocol_worker: name: why"
per check; exits non-zero when any failed.  The daemon is always stopped.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import zmq

SUITE = "protocol_worker"
PROTOCOL = b"QFLOW/1"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QF_BIN = os.path.abspath(os.environ.get("QF_BIN", os.path.join(REPO, "bin")))
GROUP = "python-audit"
HEARTBEAT_MS = 250
TEST_LIMIT_S = 55          # the whole test, daemon start included

START = time.monotonic()
failures = 0


def passed(name):
    print("PASS %s: %s" % (SUITE, name), flush=True)


def failed(name, why):
    global failures
    failures += 1
    print("FAIL %s: %s: %s" % (SUITE, name, why), flush=True)


def left_s():
    """Seconds left of the whole test's budget."""
    return max(0.0, TEST_LIMIT_S - (time.monotonic() - START))


class Check(Exception):
    """A failed expectation inside one check."""


def expect(cond, why):
    if not cond:
        raise Check(why)


# --------------------------------------------------------------------------
# Configuration and daemon

def write_config(tmp):
    """Copies config/qualflow.yaml with private endpoints and database (as
    tests/integration/lib.sh does) and adds the python-audit group."""
    with open(os.path.join(REPO, "config", "qualflow.yaml"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    subst = {
        "database": os.path.join(tmp, "qualflow.db"),
        "command_endpoint": "ipc://%s/command.sock" % tmp,
        "event_endpoint": "ipc://%s/events.sock" % tmp,
        "worker_endpoint": "ipc://%s/worker.sock" % tmp,
        "heartbeat_ms": str(HEARTBEAT_MS),
    }
    out = []
    for line in lines:
        m = re.match(r"^(  (%s):).*$" % "|".join(subst), line)
        out.append("%s %s" % (m.group(1), subst[m.group(2)]) if m else line)

    # The group, in the style of the groups already there: a list of
    # "- name: x" items or a mapping of names.
    at = next((i for i, l in enumerate(out) if re.match(r"^groups:\s*(#.*)?$", l)), None)
    if at is None:
        out += ["groups:", "  %s:" % GROUP, '    topics: ["qualification.*"]']
    else:
        first = next((l for l in out[at + 1:] if l.strip() and not l.strip().startswith("#")),
                     "")
        indent = len(first) - len(first.lstrip()) if first.startswith(" ") else 2
        pad = " " * indent
        if first.lstrip().startswith("- "):
            entry = [pad + "- name: " + GROUP, pad + '  topics: ["qualification.*"]']
        else:
            entry = [pad + GROUP + ":", pad + '  topics: ["qualification.*"]']
        out[at + 1:at + 1] = entry
    path = os.path.join(tmp, "qualflow.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return path


def encode(obj):
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------
# The worker session and a command client, sharing one poll loop so the
# worker keeps heartbeating while the client waits for replies.

class Peer:
    def __init__(self, ctx, command_ep, worker_ep):
        self.ctx = ctx
        self.command_ep = command_ep
        self.worker_ep = worker_ep
        self.client = self._dealer(command_ep)
        self.worker = None
        self.inbox = []            # messages from the worker socket: [type, fields...]
        self.replies = {}          # request_id -> (status, body)
        self.last_sent = 0.0
        self.heartbeating = True
        self.next_id = 0

    def _dealer(self, endpoint):
        sock = self.ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        return sock

    def open_worker(self):
        if self.worker is not None:
            self.worker.close()
        self.worker = self._dealer(self.worker_ep)
        self.inbox = []

    def send_worker(self, mtype, *fields):
        frames = [PROTOCOL, mtype.encode()] + [f if isinstance(f, bytes) else str(f).encode()
                                               for f in fields]
        self.worker.send_multipart(frames)
        self.last_sent = time.monotonic()

    def send_request(self, command, args=None, role="admin", request_id=None, raw=None):
        if request_id is None:
            self.next_id += 1
            request_id = "py-%d" % self.next_id
        body = raw if raw is not None else encode({"role": role, "user": "python",
                                                   "args": args or {}})
        self.client.send_multipart([PROTOCOL, b"REQUEST", request_id.encode(),
                                    command.encode(), body])
        return request_id

    def service(self, timeout_s):
        """Polls both sockets once (up to timeout_s), filing what arrives;
        sends a worker HEARTBEAT when one is due."""
        poller = zmq.Poller()
        poller.register(self.client, zmq.POLLIN)
        if self.worker is not None:
            poller.register(self.worker, zmq.POLLIN)
        if self.worker is not None and self.heartbeating:
            due = self.last_sent + HEARTBEAT_MS / 1000.0 - time.monotonic()
            timeout_s = max(0.0, min(timeout_s, due))
        events = dict(poller.poll(int(timeout_s * 1000)))
        if self.client in events:
            while True:
                try:
                    frames = self.client.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if frames and frames[0] == b"":
                    frames = frames[1:]
                if len(frames) == 5 and frames[0] == PROTOCOL and frames[1] == b"REPLY":
                    try:
                        body = json.loads(frames[4].decode("utf-8"))
                    except ValueError:
                        body = {"unparsable": frames[4][:200].decode("utf-8", "replace")}
                    self.replies[frames[2].decode()] = (int(frames[3]), body)
                else:
                    self.replies.setdefault("?malformed", []).append(frames)
        if self.worker is not None and self.worker in events:
            while True:
                try:
                    frames = self.worker.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if len(frames) >= 2 and frames[0] == PROTOCOL:
                    self.inbox.append([frames[1].decode()] + frames[2:])
                else:
                    self.inbox.append(["?malformed"] + frames)
        if (self.worker is not None and self.heartbeating
                and time.monotonic() - self.last_sent >= HEARTBEAT_MS / 1000.0):
            self.send_worker("HEARTBEAT")

    def wait_reply(self, request_id, timeout_s=5.0):
        deadline = time.monotonic() + min(timeout_s, left_s())
        while request_id not in self.replies:
            now = time.monotonic()
            if now >= deadline:
                raise Check("no REPLY to %s within %.1f s" % (request_id, timeout_s))
            self.service(deadline - now)
        return self.replies.pop(request_id)

    def call(self, command, args=None, role="admin", timeout_s=5.0):
        return self.wait_reply(self.send_request(command, args, role), timeout_s)

    def wait_worker(self, pred, timeout_s=5.0, what="a message"):
        """Waits for a worker-socket message satisfying pred; removes and
        returns it. Messages that do not match stay in the inbox."""
        deadline = time.monotonic() + min(timeout_s, left_s())
        while True:
            for i, msg in enumerate(self.inbox):
                if pred(msg):
                    return self.inbox.pop(i)
            now = time.monotonic()
            if now >= deadline:
                seen = [m[0] for m in self.inbox]
                raise Check("no %s within %.1f s (inbox: %s)" % (what, timeout_s, seen))
            self.service(deadline - now)

    def close(self):
        for sock in (self.client, self.worker):
            if sock is not None:
                sock.close()


def deliver_fields(msg):
    """DELIVER fields as a dict; raises Check when malformed."""
    expect(len(msg) == 9, "DELIVER has %d field frames, expected 8" % (len(msg) - 1))
    _, seq, event_id, topic, subject, tm, attempt, flags, payload = msg
    for name, value in (("seq", seq), ("time", tm), ("attempt", attempt), ("flags", flags)):
        expect(re.fullmatch(rb"[0-9]{1,19}", value), "DELIVER %s %r is not a number" % (name, value))
    try:
        body = json.loads(payload.decode("utf-8"))
    except ValueError as e:
        raise Check("DELIVER payload is not JSON: %s" % e)
    expect(isinstance(body, dict), "DELIVER payload is not an object")
    return {"seq": int(seq), "event_id": event_id.decode(), "topic": topic.decode(),
            "subject": subject.decode(), "time": int(tm), "attempt": int(attempt),
            "flags": int(flags), "payload": body}


def is_deliver(topic=None, seq=None):
    def pred(msg):
        if msg[0] != "DELIVER" or len(msg) != 9:
            return False
        if topic is not None and msg[3].decode() != topic:
            return False
        return seq is None or int(msg[1]) == seq
    return pred


def is_type(mtype):
    return lambda msg: msg[0] == mtype


GOOD_QUAL = {"cert_no": "D234000001", "authority": "安徽省住房和城乡建设厅",
             "category": "construction-general", "scope": "建筑工程施工总承包二级",
             "issued": "2025-01-01", "expires": "2030-01-01", "name": "python 二级",
             "acquisition_cost": 100000, "expected_revenue": 180000}


# --------------------------------------------------------------------------
# Checks: each a function of the shared state; they run in order and a
# check that needs an earlier one's result fails when that one failed.

class State:
    peer = None
    welcome = None
    qual_id = None
    seqs = []


def check_hello_welcome(st):
    st.peer.open_worker()
    instance = "py-audit-%d" % os.getpid()
    st.peer.send_worker("HELLO", encode({"group": GROUP, "instance": instance,
                                         "topics": ["qualification.*"], "window": 10}))
    msg = st.peer.wait_worker(lambda m: m[0] in ("WELCOME", "ERROR"), 5.0, "WELCOME")
    if msg[0] == "ERROR":
        raise Check("HELLO refused: ERROR %s" % [f.decode("utf-8", "replace") for f in msg[1:]])
    expect(len(msg) == 2, "WELCOME has %d field frames, expected 1" % (len(msg) - 1))
    body = json.loads(msg[1].decode("utf-8"))
    for key in ("group", "instance", "window", "heartbeat_ms", "ack_wait_ms", "max_deliveries"):
        expect(key in body, "WELCOME lacks %s: %s" % (key, body))
    expect(body["group"] == GROUP and body["instance"] == instance,
           "WELCOME names %s/%s" % (body["group"], body["instance"]))
    expect(body["window"] == 10, "WELCOME window %s, asked for 10" % body["window"])
    expect(body["heartbeat_ms"] == HEARTBEAT_MS,
           "WELCOME heartbeat_ms %s, configured %d" % (body["heartbeat_ms"], HEARTBEAT_MS))
    st.welcome = body


def check_qual_add(st):
    status, body = st.peer.call("qual.add", GOOD_QUAL)
    expect(status == 200, "qual.add answered %d: %s" % (status, body))
    record = body.get("result", {})
    expect(isinstance(record.get("id"), int), "qual.add result has no id: %s" % body)
    expect(record.get("state") == "draft", "new record is %s, not draft" % record.get("state"))
    expect(record.get("cert_no") == GOOD_QUAL["cert_no"], "record cert_no %s" % record)
    st.qual_id = record["id"]


def check_qual_submit(st):
    expect(st.qual_id is not None, "no qualification (qual.add failed)")
    status, body = st.peer.call("qual.submit", {"id": st.qual_id})
    expect(status == 200, "qual.submit answered %d: %s" % (status, body))
    record = body.get("result", {})
    expect(record.get("state") == "in_review", "submitted record is %s" % record.get("state"))
    expect(record.get("round") == 1, "submitted record round %s" % record.get("round"))


def check_deliver_in_seq_order(st):
    expect(st.qual_id is not None, "no qualification (qual.add failed)")
    subject = "qualification/%d" % st.qual_id
    first = deliver_fields(st.peer.wait_worker(is_deliver(), 5.0, "first DELIVER"))
    second = deliver_fields(st.peer.wait_worker(is_deliver(), 5.0, "second DELIVER"))
    expect(first["topic"] == "qualification.created",
           "first DELIVER is %s, expected qualification.created" % first["topic"])
    expect(second["topic"] == "qualification.review_requested",
           "second DELIVER is %s" % second["topic"])
    expect(first["seq"] < second["seq"], "seq %d then %d" % (first["seq"], second["seq"]))
    for d in (first, second):
        expect(d["subject"] == subject, "subject %r, expected %r" % (d["subject"], subject))
        expect(d["attempt"] == 1, "attempt %d on a first delivery" % d["attempt"])
        expect(d["flags"] & 1 == 0, "flags %d on a first delivery" % d["flags"])
        expect(re.fullmatch(r"[0-9a-f]{32}", d["event_id"]), "event_id %r" % d["event_id"])
        expect(abs(d["time"] / 1000.0 - time.time()) < 60, "time %d is not now" % d["time"])
    expect(first["payload"].get("id") == st.qual_id, "created payload: %s" % first["payload"])
    payload = second["payload"]
    expect(payload.get("qualification", {}).get("id") == st.qual_id,
           "review_requested payload qualification: %s" % payload)
    expect(payload.get("round") == 1, "review_requested round %s" % payload.get("round"))
    depts = payload.get("departments")
    expect(isinstance(depts, list) and "legal" in depts,
           "review_requested departments %s" % depts)
    st.deliveries = [first, second]


def check_ack(st):
    expect(getattr(st, "deliveries", None), "nothing delivered to ack")
    for d in st.deliveries:
        st.peer.send_worker("ACK", str(d["seq"]), d["event_id"], b"{}")
    last = st.deliveries[-1]["seq"]
    # The group's position (its ack floor) reaches the last acked seq once
    # the acks commit; no ERROR comes back for them.
    deadline = time.monotonic() + 5.0
    position = None
    while time.monotonic() < deadline:
        status, body = st.peer.call("status")
        expect(status == 200, "status answered %d: %s" % (status, body))
        groups = {g.get("name"): g for g in body.get("result", {}).get("groups", [])}
        expect(GROUP in groups, "status lists no group %s: %s" % (GROUP, list(groups)))
        position = groups[GROUP].get("position")
        if position == last:
            break
        st.peer.service(0.1)
    expect(position == last, "group position %s after acking seq %d" % (position, last))
    errors = [m for m in st.peer.inbox if m[0] == "ERROR"]
    expect(not errors, "ERROR after ACK: %s" % errors)
    redelivered = [m for m in st.peer.inbox if m[0] == "DELIVER"]
    expect(not redelivered, "acked events delivered again: %s" % [m[1] for m in redelivered])


def check_nack_redelivers(st):
    args = dict(GOOD_QUAL, cert_no="D234000002")
    status, body = st.peer.call("qual.add", args)
    expect(status == 200, "qual.add answered %d: %s" % (status, body))
    d = deliver_fields(st.peer.wait_worker(is_deliver("qualification.created"), 5.0,
                                           "DELIVER of the new qualification"))
    st.peer.send_worker("NACK", str(d["seq"]), d["event_id"], "100", "python test: try again")
    again = deliver_fields(st.peer.wait_worker(is_deliver(seq=d["seq"]), 5.0, "redelivery"))
    expect(again["event_id"] == d["event_id"], "redelivery has another event_id")
    expect(again["attempt"] == 2, "redelivery attempt %d, expected 2" % again["attempt"])
    st.peer.send_worker("ACK", str(again["seq"]), again["event_id"], b"{}")


def check_unknown_command(st):
    status, body = st.peer.call("no.such.command")
    expect(status == 400, "unknown command answered %d: %s" % (status, body))
    err = body.get("error", {})
    expect(err.get("status") == 400 and err.get("message"),
           "error body %s lacks status/message" % body)


def check_wrong_protocol_version(st):
    # A separate socket: with the signature wrong the daemon may not trust
    # the request id, so any REPLY on this socket is the answer.
    sock = st.peer._dealer(st.peer.command_ep)
    try:
        sock.send_multipart([b"QFLOW/9", b"REQUEST", b"bad-version", b"ping",
                             encode({"role": "admin"})])
        if not sock.poll(5000):
            raise Check("no answer within 5 s")
        frames = sock.recv_multipart()
        if frames and frames[0] == b"":
            frames = frames[1:]
        expect(len(frames) == 5 and frames[0] == PROTOCOL and frames[1] == b"REPLY",
               "answer is not a QFLOW/1 REPLY: %s" % frames[:3])
        expect(frames[3] == b"400", "status %s, expected 400" % frames[3].decode())
        text = frames[4].decode("utf-8", "replace")
        expect("protocol" in text, "error does not mention the protocol: %s" % text)
    finally:
        sock.close()


def check_invalid_json(st):
    rid = st.peer.send_request("ping", raw=b'{"role": "admin", "args": {')
    status, body = st.peer.wait_reply(rid)
    expect(status == 400, "invalid JSON answered %d: %s" % (status, body))
    rid = st.peer.send_request("ping", raw=b'["role", "admin"]')
    status, body = st.peer.wait_reply(rid)
    expect(status == 400, "a JSON array body answered %d: %s" % (status, body))


def check_heartbeats(st):
    # Idle for 6 heartbeat intervals, sending only HEARTBEATs: the daemon
    # must answer with its own and keep the session (no ERROR).
    st.peer.inbox = [m for m in st.peer.inbox if m[0] != "HEARTBEAT"]
    end = time.monotonic() + 6 * HEARTBEAT_MS / 1000.0
    while time.monotonic() < end:
        st.peer.service(end - time.monotonic())
    beats = [m for m in st.peer.inbox if m[0] == "HEARTBEAT"]
    errors = [m for m in st.peer.inbox if m[0] == "ERROR"]
    expect(not errors, "ERROR while heartbeating: %s" % errors)
    expect(len(beats) >= 2, "%d HEARTBEATs from the daemon in %d ms"
           % (len(beats), 6 * HEARTBEAT_MS))
    expect(all(len(m) == 1 for m in beats), "HEARTBEAT with fields")
    st.peer.inbox = [m for m in st.peer.inbox if m[0] != "HEARTBEAT"]
    status, body = st.peer.call("status")
    workers = body.get("result", {}).get("workers", [])
    expect(any(w.get("group") == GROUP for w in workers),
           "status lists no %s worker after heartbeats: %s" % (GROUP, workers))


def check_silence_ends_session(st):
    # Say nothing for 5 intervals: the daemon considers us gone, and
    # answers our next HEARTBEAT with ERROR 404, seq 0 (section 6.5-6.6).
    st.peer.heartbeating = False
    end = time.monotonic() + 5 * HEARTBEAT_MS / 1000.0
    while time.monotonic() < end:
        st.peer.service(end - time.monotonic())
    st.peer.inbox = []
    st.peer.send_worker("HEARTBEAT")
    msg = st.peer.wait_worker(is_type("ERROR"), 3.0, "ERROR 404")
    expect(len(msg) == 4, "ERROR has %d field frames, expected 3" % (len(msg) - 1))
    expect(msg[1] == b"404" and msg[2] == b"0",
           "ERROR %s seq %s, expected 404 seq 0" % (msg[1].decode(), msg[2].decode()))


def check_hello_again_and_bye(st):
    # A new socket says HELLO again and the session is back; BYE ends it.
    st.peer.heartbeating = True
    check_hello_welcome(st)
    st.peer.send_worker("BYE")
    deadline = time.monotonic() + 3.0
    while True:
        status, body = st.peer.call("status")
        workers = body.get("result", {}).get("workers", [])
        if not any(w.get("group") == GROUP for w in workers):
            break
        expect(time.monotonic() < deadline, "worker still listed 3 s after BYE: %s" % workers)
        st.peer.service(0.1)


CHECKS = [
    ("hello_welcome", check_hello_welcome),
    ("request_qual_add", check_qual_add),
    ("request_qual_submit", check_qual_submit),
    ("deliver_in_seq_order", check_deliver_in_seq_order),
    ("ack_advances_group", check_ack),
    ("nack_redelivers", check_nack_redelivers),
    ("unknown_command_400", check_unknown_command),
    ("wrong_protocol_version_400", check_wrong_protocol_version),
    ("invalid_json_400", check_invalid_json),
    ("heartbeats", check_heartbeats),
    ("silence_ends_session", check_silence_ends_session),
    ("hello_again_and_bye", check_hello_again_and_bye),
]


def wait_ready(peer, daemon, log_path):
    """Sends ping until a REPLY 200 arrives (up to 15 s)."""
    deadline = time.monotonic() + min(15.0, left_s())
    sent = set()
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise Check("qualflowd exited with status %d" % daemon.returncode)
        sent.add(peer.send_request("ping"))
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            peer.service(end - time.monotonic())
            for rid in list(peer.replies):
                if rid in sent:
                    status, body = peer.replies.pop(rid)
                    if status == 200 and body.get("result", {}).get("pong") is True:
                        return
                    raise Check("ping answered %d: %s" % (status, body))
    raise Check("no REPLY 200 to ping within 15 s")


def tail(path, n=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no log)"


def stop_daemon(daemon):
    """SIGTERM, then SIGKILL after 10 s. Returns the exit status."""
    if daemon.poll() is not None:
        return daemon.returncode
    daemon.send_signal(signal.SIGTERM)
    try:
        return daemon.wait(10)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait(5)
        return None


def main():
    tmp = tempfile.mkdtemp(prefix="qf-py.")
    log_path = os.path.join(tmp, "daemon.log")
    daemon = None
    ctx = zmq.Context()
    st = State()
    try:
        binary = os.path.join(QF_BIN, "qualflowd")
        try:
            conf = write_config(tmp)
        except OSError as e:
            failed("setup", "cannot write the config: %s" % e)
            return 1
        if not os.access(binary, os.X_OK):
            failed("setup", "%s is not built" % binary)
            return 1
        try:
            with open(log_path, "ab") as log:
                daemon = subprocess.Popen([binary, "-c", conf], cwd=tmp, stdout=log,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        except OSError as e:
            failed("setup", "cannot start %s: %s" % (binary, e))
            return 1
        st.peer = Peer(ctx, "ipc://%s/command.sock" % tmp, "ipc://%s/worker.sock" % tmp)
        try:
            wait_ready(st.peer, daemon, log_path)
            passed("daemon_ready")
        except Check as e:
            failed("daemon_ready", str(e))
            print("--- daemon log:\n" + tail(log_path), flush=True)
            return 1
        for name, fn in CHECKS:
            if left_s() <= 0:
                failed(name, "out of time (the whole test is limited to %d s)" % TEST_LIMIT_S)
                continue
            try:
                fn(st)
                passed(name)
            except Check as e:
                failed(name, str(e))
            except (zmq.ZMQError, ValueError, KeyError, TypeError, AttributeError) as e:
                failed(name, "%s: %s" % (type(e).__name__, e))
        status = stop_daemon(daemon)
        if status == 0:
            passed("daemon_stops_cleanly")
        else:
            failed("daemon_stops_cleanly", "qualflowd exit status %s after SIGTERM" % status)
        if failures:
            print("--- daemon log:\n" + tail(log_path), flush=True)
        return 1 if failures else 0
    finally:
        if st.peer is not None:
            st.peer.close()
        if daemon is not None and daemon.poll() is None:
            daemon.kill()
            daemon.wait(5)
        ctx.term()
        if not os.environ.get("QF_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
