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

The configuration is tightened so that leases and retries show within
seconds (delivery.ack_wait_ms 800, max_deliveries 3, backoff 50-200 ms).
Then, as further groups that it creates by HELLO, it checks section 6.3
and 6.5: a lease that ends redelivers with attempt 2 and EXTEND keeps it;
three NACKs put an event on the dead-letter list (dlq.list, dlq.show, the
delivery.dead_lettered event) and dlq.retry delivers it again; a duplicate
ACK gets ERROR 409; groups.list shows the position moving with the acks;
groups.seek replays acked events in order; an ACK result runs once as the
group's role (group `review` runs qual.submit) and its redelivery carries
flags bit 1; and, as a client, that an idempotency_key makes a repeated
qual.add return the same reply and create one qualification.

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
ACK_WAIT_MS = 800          # delivery.ack_wait_ms of the test configuration
MAX_DELIVERIES = 3         # delivery.max_deliveries
BACKOFF_INITIAL_MS = 50    # delivery.backoff_initial_ms
BACKOFF_MAX_MS = 200       # delivery.backoff_max_ms
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
        "ack_wait_ms": str(ACK_WAIT_MS),
        "max_deliveries": str(MAX_DELIVERIES),
        "backoff_initial_ms": str(BACKOFF_INITIAL_MS),
        "backoff_max_ms": str(BACKOFF_MAX_MS),
    }
    out = []
    seen = set()
    for line in lines:
        m = re.match(r"^(  (%s):).*$" % "|".join(subst), line)
        out.append("%s %s" % (m.group(1), subst[m.group(2)]) if m else line)
        if m:
            seen.add(m.group(2))
    missing = sorted(set(subst) - seen)
    if missing:
        # Without them the lease and retry checks would wait for defaults.
        raise OSError("config/qualflow.yaml has no line for %s" % ", ".join(missing))

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
        # When set, DELIVERs with a seq at or below it are acked with {} as
        # they arrive and never reach the inbox: the history a new group is
        # handed, which is not the concern of the check that created it.
        self.ack_through = None
        self.keep_heartbeats = True

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

    def send_request(self, command, args=None, role="admin", request_id=None, raw=None,
                     idempotency_key=None):
        if request_id is None:
            self.next_id += 1
            request_id = "py-%d" % self.next_id
        body = {"role": role, "user": "python", "args": args or {}}
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        body = raw if raw is not None else encode(body)
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
                if (self.ack_through is not None and len(frames) == 10
                        and frames[0] == PROTOCOL and frames[1] == b"DELIVER"
                        and frames[2].isdigit() and int(frames[2]) <= self.ack_through):
                    self.send_worker("ACK", frames[2], frames[3], b"{}")
                elif frames[1:2] == [b"HEARTBEAT"] and not self.keep_heartbeats:
                    pass
                elif len(frames) >= 2 and frames[0] == PROTOCOL:
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

    def call(self, command, args=None, role="admin", timeout_s=5.0, idempotency_key=None):
        return self.wait_reply(self.send_request(command, args, role,
                                                 idempotency_key=idempotency_key), timeout_s)

    def idle(self, seconds):
        """Keeps the sockets serviced (heartbeats, auto-acks) for a while."""
        end = time.monotonic() + min(seconds, left_s())
        while time.monotonic() < end:
            self.service(end - time.monotonic())

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
    status, body = st.peer.call("qual.add", GOOD_QUAL, role="review")
    expect(status == 200, "qual.add answered %d: %s" % (status, body))
    record = body.get("result", {})
    expect(isinstance(record.get("id"), int), "qual.add result has no id: %s" % body)
    expect(record.get("state") == "draft", "new record is %s, not draft" % record.get("state"))
    expect(record.get("cert_no") == GOOD_QUAL["cert_no"], "record cert_no %s" % record)
    st.qual_id = record["id"]


def check_qual_submit(st):
    expect(st.qual_id is not None, "no qualification (qual.add failed)")
    status, body = st.peer.call("qual.submit", {"id": st.qual_id}, role="review")
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
    status, body = st.peer.call("qual.add", args, role="review")
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


# --------------------------------------------------------------------------
# Acknowledgements, leases, retries, dead letters and replay (sections 6.3
# and 6.5).  Each check joins a group of its own, created by HELLO with
# topics ["qualification.created"], so that only the qualifications it adds
# are its concern: whatever older events the group is handed (the section
# does not say where a new group starts in the log) are acked with {} on
# arrival.

CREATED = "qualification.created"


def join_group(st, group):
    """Ends the current worker session with BYE, opens a new socket and
    says HELLO as `group` (created with topics [CREATED] when new); waits
    for WELCOME. DELIVERs of events older than this call are acked at once."""
    peer = st.peer
    if peer.worker is not None:
        peer.send_worker("BYE")
    status, body = peer.call("groups.list")
    expect(status == 200, "groups.list answered %d: %s" % (status, body))
    last_seq = body.get("result", {}).get("last_seq")
    expect(isinstance(last_seq, int), "groups.list has no last_seq: %s" % body)
    peer.heartbeating = True
    peer.open_worker()
    peer.ack_through = last_seq
    peer.keep_heartbeats = False
    st.group = group
    st.subjects = set()
    instance = "py-%s-%d" % (group, os.getpid())
    peer.send_worker("HELLO", encode({"group": group, "instance": instance,
                                      "topics": [CREATED], "window": 10}))
    msg = peer.wait_worker(lambda m: m[0] in ("WELCOME", "ERROR"), 5.0, "WELCOME")
    if msg[0] == "ERROR":
        raise Check("HELLO as %s refused: ERROR %s"
                    % (group, [f.decode("utf-8", "replace") for f in msg[1:]]))
    body = json.loads(msg[1].decode("utf-8"))
    expect(body.get("group") == group, "WELCOME names group %s" % body.get("group"))
    expect(body.get("ack_wait_ms") == ACK_WAIT_MS,
           "WELCOME ack_wait_ms %s, configured %d" % (body.get("ack_wait_ms"), ACK_WAIT_MS))
    expect(body.get("max_deliveries") == MAX_DELIVERIES,
           "WELCOME max_deliveries %s, configured %d"
           % (body.get("max_deliveries"), MAX_DELIVERIES))
    return body


def add_qual(st, cert_no):
    """qual.add with GOOD_QUAL and this cert_no; returns the new record."""
    status, body = st.peer.call("qual.add", dict(GOOD_QUAL, cert_no=cert_no), role="review")
    expect(status == 200, "qual.add answered %d: %s" % (status, body))
    record = body.get("result", {})
    expect(isinstance(record.get("id"), int), "qual.add result has no id: %s" % body)
    st.subjects.add("qualification/%d" % record["id"])
    return record


def next_deliver(st, record, timeout_s=5.0, what=None):
    """Waits for the next DELIVER of this qualification's created event."""
    subject = "qualification/%d" % record["id"]
    msg = st.peer.wait_worker(lambda m: m[0] == "DELIVER" and len(m) == 9
                              and m[4].decode() == subject, timeout_s,
                              what or "DELIVER of %s" % subject)
    d = deliver_fields(msg)
    expect(d["topic"] == CREATED, "DELIVER topic %s for %s" % (d["topic"], subject))
    return d


def no_deliver(st, seq, seconds, why):
    """Services the sockets for `seconds`; fails if seq is delivered."""
    st.peer.idle(seconds)
    again = [m for m in st.peer.inbox if is_deliver(seq=seq)(m)]
    expect(not again, "seq %d delivered again %s (attempt %s)"
           % (seq, why, [int(m[6]) for m in again]))


def group_info(st, group):
    status, body = st.peer.call("groups.list")
    expect(status == 200, "groups.list answered %d: %s" % (status, body))
    groups = {g.get("name"): g for g in body.get("result", {}).get("groups", [])}
    expect(group in groups, "groups.list lists no group %s: %s" % (group, sorted(groups)))
    return groups[group]


def wait_position(st, group, low, high=None, timeout_s=5.0):
    """Waits until the group's position is in [low, high]; returns it."""
    deadline = time.monotonic() + timeout_s
    while True:
        position = group_info(st, group).get("position")
        if isinstance(position, int) and position >= low and (high is None or position <= high):
            return position
        expect(time.monotonic() < deadline,
               "group %s position %s, expected %d..%s" % (group, position, low,
                                                          "" if high is None else high))
        st.peer.service(0.1)


def expect_error(st, status, seq, timeout_s=3.0):
    msg = st.peer.wait_worker(is_type("ERROR"), timeout_s, "ERROR %d" % status)
    expect(len(msg) == 4, "ERROR has %d field frames, expected 3" % (len(msg) - 1))
    expect(msg[1] == str(status).encode() and msg[2] == str(seq).encode(),
           "ERROR %s seq %s (%s), expected %d seq %d"
           % (msg[1].decode(), msg[2].decode(), msg[3].decode("utf-8", "replace"), status, seq))
    return msg[3].decode("utf-8")


def no_error(st, what):
    errors = [[f.decode("utf-8", "replace") for f in m[1:]]
              for m in st.peer.inbox if m[0] == "ERROR"]
    expect(not errors, "ERROR %s: %s" % (what, errors))


def check_lease_redelivers(st):
    # Section 6.3: not answered within ack_wait_ms, the attempt failed and
    # the event comes again, attempt 2, after the lease (and a backoff).
    join_group(st, "py-lease")
    record = add_qual(st, "D234000101")
    first = next_deliver(st, record)
    expect(first["attempt"] == 1, "first delivery attempt %d" % first["attempt"])
    got = time.monotonic()
    again = next_deliver(st, record, ACK_WAIT_MS / 1000.0 + 3.0, "redelivery after the lease")
    waited = time.monotonic() - got
    expect(again["seq"] == first["seq"] and again["event_id"] == first["event_id"],
           "redelivered seq %d %s, first was %d %s"
           % (again["seq"], again["event_id"], first["seq"], first["event_id"]))
    expect(again["attempt"] == 2, "redelivery attempt %d, expected 2" % again["attempt"])
    # The lease ran from the daemon's send; allow for the time the first
    # DELIVER spent on the way to us.
    expect(waited >= 0.75 * ACK_WAIT_MS / 1000.0,
           "redelivered %.0f ms after the first delivery, before the %d ms lease ended"
           % (waited * 1000, ACK_WAIT_MS))
    st.peer.send_worker("ACK", str(again["seq"]), again["event_id"], b"{}")
    wait_position(st, "py-lease", again["seq"])
    no_error(st, "after ACK of the redelivery")
    st.lease_acked = again


def check_extend_keeps_lease(st):
    # EXTEND restarts the lease: kept for 3 leases, the event never comes again.
    expect(getattr(st, "group", None) == "py-lease", "no py-lease session (lease check failed)")
    record = add_qual(st, "D234000102")
    d = next_deliver(st, record)
    end = time.monotonic() + 3 * ACK_WAIT_MS / 1000.0
    while time.monotonic() < end:
        st.peer.send_worker("EXTEND", str(d["seq"]), d["event_id"])
        no_deliver(st, d["seq"], min(ACK_WAIT_MS / 4000.0, max(0.0, end - time.monotonic())),
                   "while extended")
    st.peer.send_worker("ACK", str(d["seq"]), d["event_id"], b"{}")
    no_deliver(st, d["seq"], 1.5 * ACK_WAIT_MS / 1000.0, "after its ACK")
    no_error(st, "for EXTEND or ACK")
    wait_position(st, "py-lease", d["seq"])


def check_duplicate_ack_409(st):
    # An ACK for an event that is done is refused with ERROR 409 and the seq.
    d = getattr(st, "lease_acked", None)
    expect(d is not None, "no acked event (lease check failed)")
    st.peer.inbox = [m for m in st.peer.inbox if m[0] != "ERROR"]
    st.peer.send_worker("ACK", str(d["seq"]), d["event_id"], b"{}")
    expect_error(st, 409, d["seq"])


def check_acks_in_one_message(st):
    # Section 6.3: ACKS acknowledges several events in one message, as an
    # ACK with {} of each; WELCOME says how many it may list. Seqs not
    # awaiting an ack get one ERROR 409 naming the first; the others count.
    welcome = join_group(st, "py-acks")
    expect(welcome.get("acks_max") == 1024, "WELCOME acks_max %s" % welcome.get("acks_max"))
    records = [add_qual(st, "D23400020%d" % i) for i in range(3)]
    seqs = [next_deliver(st, r)["seq"] for r in records]
    st.peer.send_worker("ACKS", ",".join(str(s) for s in seqs))
    wait_position(st, "py-acks", seqs[-1])
    no_error(st, "after ACKS of three delivered events")
    no_deliver(st, seqs[0], 1.5 * ACK_WAIT_MS / 1000.0, "after ACKS")
    # Acked already, plus one never delivered (the newest seq is below it).
    fresh = add_qual(st, "D234000210")
    d = next_deliver(st, fresh)
    st.peer.send_worker("ACKS", "%d,%d,%d" % (seqs[1], d["seq"], d["seq"] + 1000))
    reason = expect_error(st, 409, seqs[1])
    expect("2 of the 3 seqs" in reason and "py-acks" in reason,
           "ERROR for the refused seqs: %s" % reason)
    wait_position(st, "py-acks", d["seq"])
    for bad in ("1,,2", "x", ",".join(["1"] * 1025)):
        st.peer.inbox = [m for m in st.peer.inbox if m[0] != "ERROR"]
        st.peer.send_worker("ACKS", bad)
        status = 413 if len(bad) > 100 else 400
        reason = expect_error(st, status, 0)
        expect("seqs" in reason, "ERROR %d for ACKS %r does not name the frame: %s"
               % (status, bad[:20], reason))


def check_packed_deliveries(st):
    # Section 6.2: a HELLO with "packed": true gets its deliveries as
    # PACKED: a heads frame of one line per event (DELIVER's seven small
    # fields and the payload's size, separated by single spaces), then the
    # payloads one after another; WELCOME says so. Anything but a boolean
    # is refused.
    peer = st.peer
    group = "py-packed"
    for bad in ("yes", 1):
        peer.open_worker()
        peer.send_worker("HELLO", encode({"group": group, "instance": "py-p", "topics": [CREATED],
                                          "packed": bad}))
        reason = expect_error(st, 400, 0)
        expect("packed" in reason, "ERROR for packed %r: %s" % (bad, reason))
    status, body = peer.call("groups.list")
    last_seq = body.get("result", {}).get("last_seq")
    peer.open_worker()
    peer.send_worker("HELLO", encode({"group": group, "instance": "py-p", "topics": [CREATED],
                                      "packed": True}))
    msg = peer.wait_worker(lambda m: m[0] in ("WELCOME", "ERROR"), 5.0, "WELCOME")
    expect(msg[0] == "WELCOME", "HELLO with packed refused: %s" % msg)
    expect(json.loads(msg[1].decode()).get("packed") is True, "WELCOME lacks packed: true")
    status, body = peer.call("groups.seek", {"group": group, "seq": last_seq + 1})
    expect(status == 200, "groups.seek answered %d: %s" % (status, body))
    # Three events: they come in one PACKED or a few.
    records = [add_qual(st, "D23400030%d" % i) for i in range(1, 4)]
    wanted = {"qualification/%d" % r["id"]: r for r in records}
    got = {}
    deadline = time.monotonic() + 5.0
    while len(got) < len(wanted) and time.monotonic() < deadline:
        peer.service(0.1)
        for msg in [m for m in peer.inbox if m[0] == "PACKED"]:
            peer.inbox.remove(msg)
            expect(len(msg) == 3, "PACKED has %d field frames, expected 2" % (len(msg) - 1))
            lines = msg[1].decode("ascii").split("\n")
            payloads, at = msg[2], 0
            for line in lines:
                head = line.split(" ")
                expect(len(head) == 8, "PACKED line has %d fields: %r" % (len(head), line))
                seq, event_id, topic, subject, tm, attempt, flags, size = head
                payload = json.loads(payloads[at:at + int(size)].decode("utf-8"))
                at += int(size)
                expect(topic == CREATED and attempt == "1" and flags == "0",
                       "PACKED line %r" % line)
                expect(re.fullmatch(r"[0-9a-f]{32}", event_id)
                       and abs(int(tm) / 1000.0 - time.time()) < 60,
                       "PACKED event_id or time %r" % line)
                # The history a new group is handed before its seek is not
                # acked: the seek took it back.
                if subject in wanted:
                    expect(payload.get("id") == wanted[subject]["id"],
                           "PACKED payload of %s: %r" % (subject, payload))
                    got[subject] = (seq, event_id)
                    peer.send_worker("ACK", seq, event_id, b"{}")
            expect(at == len(payloads), "PACKED payloads are %d bytes, the lines say %d"
                   % (len(payloads), at))
    expect(len(got) == len(wanted), "PACKED brought %d of the 3 events" % len(got))
    expect(not [m for m in peer.inbox if m[0] == "DELIVER"], "DELIVER to a packed session")
    wait_position(st, group, max(int(seq) for seq, _ in got.values()))
    no_error(st, "after ACK of PACKED deliveries")
    peer.send_worker("BYE")
    peer.worker.close()
    peer.worker = None


def check_dead_letter(st):
    # max_deliveries NACKs: the event goes to the dead-letter list with the
    # last reason, an event delivery.dead_lettered is appended, and no more
    # deliveries come; dlq.retry (admin only) sends it back.
    group = "py-dlq"
    join_group(st, group)
    record = add_qual(st, "D234000103")
    d = None
    for attempt in range(1, MAX_DELIVERIES + 1):
        d = next_deliver(st, record, 5.0, "delivery attempt %d" % attempt)
        expect(d["attempt"] == attempt, "delivery attempt %d, expected %d"
               % (d["attempt"], attempt))
        # delay 0: the daemon's backoff (50 ms doubling, at most 200 ms).
        st.peer.send_worker("NACK", str(d["seq"]), d["event_id"], "0",
                            "python nack %d" % attempt)
    seq, event_id = d["seq"], d["event_id"]
    last_reason = "python nack %d" % MAX_DELIVERIES

    item = None
    deadline = time.monotonic() + 5.0
    while item is None:
        status, body = st.peer.call("dlq.list", {"group": group})
        expect(status == 200, "dlq.list answered %d: %s" % (status, body))
        result = body.get("result", {})
        expect(result.get("group") == group, "dlq.list group %s" % result.get("group"))
        item = next((i for i in result.get("items", []) if i.get("seq") == seq), None)
        if item is None:
            expect(time.monotonic() < deadline, "seq %d not in dlq.list after %d NACKs: %s"
                   % (seq, MAX_DELIVERIES, result))
            st.peer.service(0.1)
    expect(item.get("event_id") == event_id, "dead letter event_id %s" % item.get("event_id"))
    expect(item.get("topic") == CREATED, "dead letter topic %s" % item.get("topic"))
    expect(item.get("attempts") == MAX_DELIVERIES,
           "dead letter attempts %s, expected %d" % (item.get("attempts"), MAX_DELIVERIES))
    expect(last_reason in str(item.get("last_error")),
           "dead letter last_error %r lacks the last reason %r" % (item.get("last_error"),
                                                                   last_reason))
    no_deliver(st, seq, 1.0, "after it went to the dead-letter list")

    status, body = st.peer.call("dlq.show", {"group": group, "seq": seq})
    expect(status == 200, "dlq.show answered %d: %s" % (status, body))
    event = body.get("result", {}).get("event", {})
    expect(event.get("seq") == seq and event.get("id") == event_id
           and event.get("topic") == CREATED
           and event.get("payload", {}).get("id") == record["id"],
           "dlq.show event %s" % event)

    status, body = st.peer.call("events.list", {"topic": "delivery.dead_lettered",
                                                "limit": 1000})
    expect(status == 200, "events.list answered %d: %s" % (status, body))
    dead = [e for e in body.get("result", {}).get("events", [])
            if e.get("payload", {}).get("group") == group
            and e.get("payload", {}).get("seq") == seq]
    expect(len(dead) == 1, "%d delivery.dead_lettered events for %s seq %d"
           % (len(dead), group, seq))
    payload = dead[0]["payload"]
    expect(dead[0].get("subject") == "group/%s" % group, "subject %s" % dead[0].get("subject"))
    expect(payload.get("event_id") == event_id and payload.get("attempts") == MAX_DELIVERIES
           and last_reason in str(payload.get("last_error")),
           "delivery.dead_lettered payload %s" % payload)

    status, body = st.peer.call("dlq.retry", {"group": group, "seq": seq}, role="legal")
    expect(status == 403, "dlq.retry as legal answered %d: %s" % (status, body))
    no_deliver(st, seq, 0.3, "after a refused dlq.retry")
    status, body = st.peer.call("dlq.retry", {"group": group, "seq": seq})
    expect(status == 200, "dlq.retry answered %d: %s" % (status, body))
    again = next_deliver(st, record, 5.0, "delivery after dlq.retry")
    expect(again["seq"] == seq and again["event_id"] == event_id,
           "dlq.retry delivered seq %d" % again["seq"])
    expect(again["attempt"] == 1, "attempt %d after dlq.retry, expected 1 (attempts from 0)"
           % again["attempt"])
    st.peer.inbox = [m for m in st.peer.inbox if m[0] != "ERROR"]
    st.peer.send_worker("ACK", str(seq), event_id, b"{}")
    no_deliver(st, seq, 0.5, "after its ACK")
    no_error(st, "after ACK of the retried dead letter")


def check_position_and_seek(st):
    # groups.list: the position stays below an unacked event and moves as
    # the events are acked. groups.seek with seq: everything from there is
    # delivered again, in seq order.
    group = "py-replay"
    join_group(st, group)
    records = [add_qual(st, "D23400020%d" % i) for i in range(3)]
    ds = [next_deliver(st, r) for r in records]
    seqs = [d["seq"] for d in ds]
    expect(seqs == sorted(seqs), "delivered in seq order %s" % seqs)
    info = group_info(st, group)
    expect(isinstance(info.get("position"), int) and info["position"] < seqs[0],
           "position %s with seq %d unacked" % (info.get("position"), seqs[0]))
    expect(info.get("in_flight", 0) >= 3, "in_flight %s with 3 unacked" % info.get("in_flight"))
    st.peer.send_worker("ACK", str(ds[0]["seq"]), ds[0]["event_id"], b"{}")
    wait_position(st, group, seqs[0], seqs[1] - 1)
    for d in ds[1:]:
        st.peer.send_worker("ACK", str(d["seq"]), d["event_id"], b"{}")
    wait_position(st, group, seqs[2])
    no_error(st, "after ACKs")

    status, body = st.peer.call("groups.seek", {"group": group, "seq": seqs[0]})
    expect(status == 200, "groups.seek answered %d: %s" % (status, body))
    result = body.get("result", {})
    expect(result.get("group") == group and result.get("next_seq") == seqs[0],
           "groups.seek result %s, expected next_seq %d" % (result, seqs[0]))
    replayed = [next_deliver(st, r, 5.0, "replay of seq %d" % d["seq"])
                for r, d in zip(records, ds)]
    # Nothing but the three (their arrival order: replay_in_order).
    extra = [int(m[1]) for m in st.peer.inbox if m[0] == "DELIVER"]
    expect(not extra, "more deliveries than the three replayed: %s" % extra)
    for d, r in zip(ds, replayed):
        expect(r["seq"] == d["seq"] and r["event_id"] == d["event_id"],
               "replayed seq %d %s, first %d %s" % (r["seq"], r["event_id"], d["seq"],
                                                     d["event_id"]))
    st.peer.send_worker("ACK", str(replayed[-1]["seq"]), replayed[-1]["event_id"], b"{}")
    for r in replayed[:-1]:
        st.peer.send_worker("ACK", str(r["seq"]), r["event_id"], b"{}")
    wait_position(st, group, seqs[2])
    no_error(st, "after ACKs of the replay")


def check_replay_in_order(st):
    # Arrival order of a replay, observed directly (the wait above picks
    # messages by subject): seek again and read the DELIVERs as they come.
    group = "py-replay"
    expect(getattr(st, "group", None) == group, "no py-replay session (seek check failed)")
    status, body = st.peer.call("events.list", {"topic": CREATED, "limit": 1000})
    expect(status == 200, "events.list answered %d: %s" % (status, body))
    mine = sorted(e["seq"] for e in body.get("result", {}).get("events", [])
                  if e.get("subject") in st.subjects)
    expect(len(mine) == 3, "events.list shows %d events of the replay group" % len(mine))
    status, body = st.peer.call("groups.seek", {"group": group, "seq": mine[0]})
    expect(status == 200, "groups.seek answered %d: %s" % (status, body))
    arrived = []
    deadline = time.monotonic() + 5.0
    while len(arrived) < 3:
        msg = st.peer.wait_worker(is_type("DELIVER"), max(0.1, deadline - time.monotonic()),
                                  "replayed DELIVER")
        arrived.append(deliver_fields(msg))
    expect([d["seq"] for d in arrived] == mine,
           "replay arrived as seq %s, expected %s" % ([d["seq"] for d in arrived], mine))
    for d in arrived:
        st.peer.send_worker("ACK", str(d["seq"]), d["event_id"], b"{}")
    wait_position(st, group, mine[-1])


def check_idempotency_key(st):
    # The same qual.add with the same key: the same reply, one qualification.
    key = "py-idem-%d" % os.getpid()
    cert_no = "D234000301"
    args = dict(GOOD_QUAL, cert_no=cert_no)
    first = st.peer.call("qual.add", args, role="review", idempotency_key=key)
    expect(first[0] == 200, "qual.add answered %d: %s" % first)
    second = st.peer.call("qual.add", args, role="review", idempotency_key=key)
    expect(second == first, "second qual.add with the key answered %s, the first %s"
           % (second, first))
    status, body = st.peer.call("qual.list", {"limit": 1000})
    expect(status == 200, "qual.list answered %d: %s" % (status, body))
    same = [r for r in body.get("result", {}).get("items", []) if r.get("cert_no") == cert_no]
    expect(len(same) == 1, "%d qualifications with cert_no %s after two qual.add with one key"
           % (len(same), cert_no))
    # The same key with another command is refused, and changes nothing.
    status, body = st.peer.call("qual.submit", {"id": same[0]["id"]}, role="review",
                                idempotency_key=key)
    expect(status == 409, "qual.submit with qual.add's key answered %d: %s" % (status, body))
    status, body = st.peer.call("qual.get", {"id": same[0]["id"]})
    expect(status == 200 and body.get("result", {}).get("state") == "draft",
           "qualification after the refused qual.submit: %d %s" % (status, body))


def check_result_applied_once(st):
    # Group `review` (role review may run qual.submit) acks a created event
    # with {"command": "qual.submit", ...}: the qualification goes to
    # in_review once. Replayed with groups.seek, the event carries flags
    # bit 1 and the result is not applied again.
    group = "review"
    join_group(st, group)
    record = add_qual(st, "D234000401")
    subject = "qualification/%d" % record["id"]
    d = next_deliver(st, record)
    expect(d["flags"] & 1 == 0, "flags %d on a first delivery" % d["flags"])
    result = encode({"command": "qual.submit", "args": {"id": record["id"]}})
    st.peer.send_worker("ACK", str(d["seq"]), d["event_id"], result)
    wait_position(st, group, d["seq"])
    no_error(st, "after ACK with a qual.submit result")
    status, body = st.peer.call("qual.get", {"id": record["id"]})
    expect(status == 200, "qual.get answered %d: %s" % (status, body))
    got = body.get("result", {})
    expect(got.get("state") == "in_review" and got.get("round") == 1,
           "after the ACK result the qualification is %s round %s"
           % (got.get("state"), got.get("round")))
    st.review_event = (record, d)

    status, body = st.peer.call("groups.seek", {"group": group, "seq": d["seq"]})
    expect(status == 200, "groups.seek answered %d: %s" % (status, body))
    again = next_deliver(st, record, 5.0, "redelivery after groups.seek")
    expect(again["seq"] == d["seq"], "redelivered seq %d" % again["seq"])
    # Acked as section 6.2 says before judging the flags, so that the
    # rest of this check and the next one still run when the bit is missing.
    st.peer.send_worker("ACK", str(again["seq"]), again["event_id"], b"{}")
    flags_wrong = None
    if again["flags"] & 1 != 1:
        flags_wrong = ("flags %d on the redelivery (after groups.seek) of an event whose "
                       "result committed, expected bit 1" % again["flags"])
    wait_position(st, group, d["seq"])
    no_deliver(st, d["seq"], 0.5, "after its second ACK")
    no_error(st, "after ACK of the redelivery")

    status, body = st.peer.call("qual.get", {"id": record["id"]})
    got = body.get("result", {})
    expect(status == 200 and got.get("state") == "in_review" and got.get("round") == 1,
           "after the redelivery the qualification is %s round %s"
           % (got.get("state"), got.get("round")))
    status, body = st.peer.call("events.list", {"topic": "qualification.review_requested",
                                                "limit": 1000})
    expect(status == 200, "events.list answered %d: %s" % (status, body))
    requested = [e for e in body.get("result", {}).get("events", [])
                 if e.get("subject") == subject]
    expect(len(requested) == 1, "%d qualification.review_requested events for %s"
           % (len(requested), subject))
    expect(flags_wrong is None, flags_wrong)


def check_result_repeated_not_applied(st):
    # A worker that ignores flags bit 1 and sends the same result again:
    # "a result is applied at most once per (group, event id)", so the
    # daemon accepts the ACK without running qual.submit a second time
    # (which would fail, as the record is in_review: ERROR and a NACK).
    info = getattr(st, "review_event", None)
    expect(info is not None, "no result acked (previous check failed)")
    record, d = info
    status, body = st.peer.call("groups.seek", {"group": "review", "seq": d["seq"]})
    expect(status == 200, "groups.seek answered %d: %s" % (status, body))
    again = next_deliver(st, record, 5.0, "redelivery after groups.seek")
    result = encode({"command": "qual.submit", "args": {"id": record["id"]}})
    st.peer.send_worker("ACK", str(again["seq"]), again["event_id"], result)
    no_deliver(st, d["seq"], 1.0, "after an ACK repeating the recorded result")
    no_error(st, "for an ACK repeating the recorded result")
    status, body = st.peer.call("events.list", {"topic": "qualification.review_requested",
                                                "limit": 1000})
    requested = [e for e in body.get("result", {}).get("events", [])
                 if e.get("subject") == "qualification/%d" % record["id"]]
    expect(len(requested) == 1, "%d qualification.review_requested events" % len(requested))
    status, body = st.peer.call("qual.get", {"id": record["id"]})
    got = body.get("result", {})
    expect(status == 200 and got.get("state") == "in_review" and got.get("round") == 1,
           "the qualification is %s round %s" % (got.get("state"), got.get("round")))
    wait_position(st, "review", d["seq"])
    st.peer.send_worker("BYE")


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
    ("idempotency_key", check_idempotency_key),
    ("lease_redelivers", check_lease_redelivers),
    ("extend_keeps_lease", check_extend_keeps_lease),
    ("duplicate_ack_409", check_duplicate_ack_409),
    ("acks_in_one_message", check_acks_in_one_message),
    ("packed_deliveries", check_packed_deliveries),
    ("dead_letter_and_retry", check_dead_letter),
    ("position_and_seek", check_position_and_seek),
    ("replay_in_order", check_replay_in_order),
    ("result_applied_once", check_result_applied_once),
    ("result_repeated_not_applied", check_result_repeated_not_applied),
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
