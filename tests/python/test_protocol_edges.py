#!/usr/bin/python3
"""The edges of QFLOW/1 (proto/PROTOCOL.md) against a real qualflowd, with
raw DEALER (and REQ) sockets from pyzmq:

- the empty delimiter: what a peer sends and gets on each socket (section 2);
- requests that cannot be read: the best request_id and a `field` (section 5);
- values over their limit get 413 naming the field (sections 4 and 9);
- BYE gives events back without counting a failed attempt, and attempts
  never pass max_deliveries (section 6.3, 6.4);
- WELCOME says the window granted and its cap, and where a group created by
  HELLO starts (section 6.2);
- groups.seek refuses a seq beyond the end of the log (section 6.5).

Prints "PASS protocol_edges: name" or "FAIL protocol_edges: name: why".
"""
import contextlib
import json
import os
import sys

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from qfharness import GOOD, SIG, Env, Worker, event_records, group, run, wait_for  # noqa: E402

SUITE = "protocol_edges"
WINDOW = 3  # delivery.window of the test daemon
MAX_DELIVERIES = 2
FAST = {"max_deliveries": str(MAX_DELIVERIES), "window": str(WINDOW),
        "backoff_initial_ms": "50", "backoff_max_ms": "100"}


@contextlib.contextmanager
def daemon():
    """A qualflowd with the test configuration, stopped and removed after."""
    env = Env(FAST)
    try:
        env.start_daemon()
        yield env
    finally:
        env.close()


def recv(sock, timeout_ms=5000):
    assert sock.poll(timeout_ms), "no answer within %d ms" % timeout_ms
    return sock.recv_multipart()


def reply(sock, frames, timeout_ms=5000):
    """Sends raw frames on the command socket; returns (request_id, status,
    error object) of the REPLY, which must come without a delimiter."""
    sock.send_multipart(frames)
    got = recv(sock, timeout_ms)
    assert len(got) == 5 and got[0] == SIG and got[1] == b"REPLY", got[:3]
    body = json.loads(got[4])
    return got[2].decode(), int(got[3]), body.get("error", {})


def request(rid, command, body):
    return [SIG, b"REQUEST", rid, command, json.dumps(body).encode()]


def qual_add(client, n, cert="D2340000"):
    """Adds n qualifications (as review), each raising qualification.created."""
    for i in range(n):
        status, body = client.call("qual.add", dict(GOOD, cert_no="%s%02d" % (cert, i)),
                                   role="review")
        assert status == 200, body


def created_seqs(env):
    return [e["seq"] for e in event_records(env, "qualification.created")]


def session(env, group, instance, window=None, lead=()):
    """A worker session on the topic qual_add raises."""
    return Worker(env, group, instance, topics=["qualification.created"], window=window,
                  lead=lead)


def deliver(worker, timeout_ms=5000):
    """The next message, which must be a DELIVER: {seq, id, attempt}."""
    msg = worker.next(timeout_ms)
    assert msg is not None and msg[0] == b"DELIVER", msg
    return {"seq": int(msg[1]), "id": msg[2], "attempt": int(msg[6])}


def dead_letters(client, group):
    status, body = client.call("dlq.list", {"group": group})
    assert status == 200, body
    return {d["seq"]: d for d in body["result"]["items"]}


# ---------------------------------------------------------------------------
# Section 2: the empty delimiter.

def test_delimiter_on_each_socket():
    with daemon() as env:
        c = env.dealer("command")
        # Command socket, DEALER without a delimiter: the reply has none.
        c.send_multipart(request(b"d1", b"ping", {"role": "admin"}))
        got = recv(c)
        assert got[:4] == [SIG, b"REPLY", b"d1", b"200"], got[:4]
        # With one: the reply mirrors it, as a REQ peer needs.
        c.send_multipart([b""] + request(b"d2", b"ping", {"role": "admin"}))
        got = recv(c)
        assert got[:5] == [b"", SIG, b"REPLY", b"d2", b"200"], got[:5]
        # A REQ socket (which adds and strips the delimiter itself) works.
        r = env.ctx.socket(zmq.REQ)
        r.setsockopt(zmq.LINGER, 0)
        r.connect(env.endpoint("command"))
        r.send_multipart(request(b"d3", b"ping", {"role": "admin"}))
        got = recv(r)
        assert got[:4] == [SIG, b"REPLY", b"d3", b"200"], got[:4]
        r.close()
        # Worker socket: a leading empty frame is accepted and ignored, and
        # nothing the daemon sends there starts with one.
        for lead, name in (([b""], "with"), ([], "without")):
            s = session(env, "delim-" + name, "i-" + name, lead=lead)
            assert s.first[0] == SIG, s.first[:2]
            s.sock.send_multipart(lead + [SIG, b"HEARTBEAT"])
            s.sock.send_multipart(lead + [SIG, b"ACK", b"999999", b"e", b"{}"])
            err = s.sock.recv_multipart() if s.sock.poll(5000) else None
            while err is not None and err[1] == b"HEARTBEAT":
                err = s.sock.recv_multipart() if s.sock.poll(5000) else None
            assert err is not None and err[:3] == [SIG, b"ERROR", b"409"], err
            s.close()


# ---------------------------------------------------------------------------
# Sections 4, 5, 9: what cannot be read, and what is too large.

def test_unreadable_requests_name_the_field():
    with daemon() as env:
        c = env.dealer("command")
        ping = json.dumps({"role": "admin"}).encode()
        cases = [
            # (frames, request_id of the reply, status, field)
            ([SIG, b"REQUEST", b"", b"ping", ping], "-", 400, "request_id"),
            ([SIG, b"REQUEST", b"has space", b"ping", ping], "-", 400, "request_id"),
            ([SIG, b"REQUEST", b"-", b"ping", ping], "-", 400, "request_id"),
            ([SIG, b"REQUEST"], "-", 400, "request_id"),
            ([SIG, b"REQUEST", b"u1"], "u1", 400, "command"),
            ([SIG, b"REQUEST", b"u2", b"ping"], "u2", 400, "body"),
            ([b"QFLOW/9", b"REQUEST", b"u3", b"ping", ping], "u3", 400, "protocol"),
            ([SIG, b"REQUESTS", b"u4", b"ping", ping], "u4", 400, "type"),
            ([SIG, b"HELLO", ping], "-", 400, "type"),
            ([SIG, b"REQUEST", b"u5", b"Ping Me", ping], "u5", 400, "command"),
            ([SIG, b"REQUEST", b"u6", b"ping", b'{"role": '], "u6", 400, "body"),
            ([SIG, b"REQUEST", b"u7", b"ping", b"[1]"], "u7", 400, "body"),
            ([SIG, b"REQUEST", b"u8", b"ping", ping, b"extra"], "u8", 400, "frames"),
        ]
        for frames, rid, status, field in cases:
            got = reply(c, frames)
            assert got[0] == rid and got[1] == status and got[2].get("field") == field, \
                (frames[:4], got)
            assert got[2].get("status") == status and got[2].get("message"), got


def test_over_limit_gets_413_with_the_field():
    with daemon() as env:
        c = env.dealer("command")
        good = {"role": "review", "args": GOOD}
        too_large = [
            (request(b"t1", b"qual.add", dict(good, args=dict(GOOD, scope="x" * 5001))),
             "t1", "args.scope"),
            (request(b"t2", b"qual.add", dict(good, args=dict(GOOD, category="c" * 65))),
             "t2", "args.category"),
            (request(b"t3", b"qual.add", dict(good, user="u" * 65)), "t3", "user"),
            (request(b"t4", b"qual.add", dict(good, idempotency_key="k" * 65)), "t4",
             "idempotency_key"),
            (request(b"r" * 65, b"ping", {"role": "admin"}), "-", "request_id"),
            (request(b"t5", b"a" * 65, {"role": "admin"}), "t5", "command"),
            ([SIG, b"REQUEST", b"t6", b"ping", b"{" + b" " * (1024 * 1024 + 1) + b"}"], "t6",
             "body"),
        ]
        for frames, rid, field in too_large:
            got = reply(c, frames)
            assert got[0] == rid and got[1] == 413 and got[2].get("field") == field, \
                (frames[2][:20], frames[3][:20], got)
        # At the limit is fine: 4096 bytes of scope, a 64-byte user.
        got = reply(c, request(b"t7", b"qual.add", dict(good, user="u" * 64,
                                                        args=dict(GOOD, scope="x" * 4096))))
        assert got[1] == 200, got
        # The worker socket: ERROR 413 naming the field in its reason.
        w = env.dealer("worker")
        w.send_multipart([SIG, b"NACK", b"1", b"e", b"0", b"r" * 1025])
        err = recv(w)
        assert err[:4] == [SIG, b"ERROR", b"413", b"0"] and err[4].startswith(b"reason"), err
        w.send_multipart([SIG, b"HELLO", json.dumps({"group": "g", "instance": "i" * 65,
                                                     "topics": ["x"]}).encode()])
        err = recv(w)
        assert err[:3] == [SIG, b"ERROR", b"413"] and b"instance" in err[4], err


# ---------------------------------------------------------------------------
# Section 6: attempts, WELCOME, seek.

def test_bye_is_not_a_failed_attempt():
    with daemon() as env:
        c = env.client()
        qual_add(c, 1)
        seq = created_seqs(env)[0]
        a = session(env, "bye", "a")
        d = deliver(a)
        assert (d["seq"], d["attempt"]) == (seq, 1), d
        a.close()  # BYE with the event in hand: given back, not failed
        b = session(env, "bye", "b")
        d = deliver(b)
        assert (d["seq"], d["attempt"]) == (seq, 1), "after BYE: %s" % d
        b.send(b"NACK", seq, d["id"], 0, b"first failure")
        d = deliver(b)
        assert d["attempt"] == 2, "after one NACK: %s" % d
        b.close()  # BYE again, at the last attempt
        b = session(env, "bye", "b2")
        d = deliver(b)
        assert d["attempt"] == MAX_DELIVERIES, "attempt %d after BYE at the last one" % \
            d["attempt"]
        b.send(b"NACK", seq, d["id"], 0, b"second failure")
        assert wait_for(lambda: seq in dead_letters(c, "bye"), 5), "not dead-lettered"
        dl = dead_letters(c, "bye")[seq]
        assert dl["attempts"] == MAX_DELIVERIES, dl
        assert dl["last_error"] == "second failure", dl
        b.close()


def test_welcome_window_and_start():
    with daemon() as env:
        c = env.client()
        qual_add(c, WINDOW + 2)
        seqs = created_seqs(env)
        # A group created by HELLO starts at the beginning of the log; a
        # window above delivery.window is granted as delivery.window.
        s = session(env, "fresh", "f", window=WINDOW * 10)
        w = s.welcome
        assert w["window"] == WINDOW and w["window_max"] == WINDOW, w
        assert w["position"] == 0, w
        held = [deliver(s) for _ in range(WINDOW)]
        assert [d["seq"] for d in held] == seqs[:WINDOW], held
        msg = s.next(600)
        assert msg is None, "more than the window delivered: %s" % (msg,)
        for d in held:
            s.send(b"ACK", d["seq"], d["id"], b"{}")
        rest = [deliver(s) for _ in range(len(seqs) - WINDOW)]
        assert [d["seq"] for d in rest] == seqs[WINDOW:], rest
        for d in rest:
            s.send(b"ACK", d["seq"], d["id"], b"{}")
        s.close()
        # A smaller window is granted as asked; position shows the progress.
        assert wait_for(lambda: group(env, "fresh")["position"] == seqs[-1], 5), \
            group(env, "fresh")
        s = session(env, "fresh", "f2", window=1)
        assert s.welcome["window"] == 1 and s.welcome["position"] == seqs[-1], s.welcome
        s.close()


def test_seek_beyond_the_end_is_refused():
    with daemon() as env:
        c = env.client()
        qual_add(c, 2)
        session(env, "seeker", "s").close()
        status, body = c.call("groups.list")
        last = body["result"]["last_seq"]
        status, body = c.call("groups.seek", {"group": "seeker", "seq": last + 2})
        assert status == 400 and body["error"]["field"] == "args.seq", body
        assert str(last) in body["error"]["message"], body
        status, body = c.call("groups.seek", {"group": "seeker", "seq": last + 1})
        assert status == 200 and body["result"]["next_seq"] == last + 1, body
        status, body = c.call("groups.seek", {"group": "seeker", "time": 2 ** 62})
        assert status == 200 and body["result"]["next_seq"] == last + 1, body
        # From last + 1 the group gets the next event, not a later one.
        s = session(env, "seeker", "s2")
        qual_add(c, 1, cert="E2340000")
        d = deliver(s)
        assert d["seq"] == created_seqs(env)[-1], (d, created_seqs(env))
        s.close()


if __name__ == "__main__":
    run(SUITE, [test_delimiter_on_each_socket, test_unreadable_requests_name_the_field,
                test_over_limit_gets_413_with_the_field, test_bye_is_not_a_failed_attempt,
                test_welcome_window_and_start, test_seek_beyond_the_end_is_refused])
