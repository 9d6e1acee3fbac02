"""The event stream publishes only while someone is subscribed (PROTOCOL.md
section 7): the event socket is an XPUB, the daemon reads its peers'
subscriptions and skips the publication of a batch's events when no prefix
is subscribed. Real daemon, real SUB and XSUB sockets over ipc; `status`
shows event_stream.{subscribed_prefixes, events_published, events_skipped,
messages_ignored}."""
import os
import sys
import time

import zmq

sys.path.insert(0, os.path.dirname(__file__))
import zmtp  # noqa: E402
from qfharness import GOOD, Env, ask, run, wait_for  # noqa: E402


def stream(env):
    return ask(env, "status")["event_stream"]


def add(env, count, start=0):
    """Adds `count` qualifications; returns the seqs of the events they
    raised (qualification.* topics only)."""
    last = ask(env, "status")["last_seq"]
    c = env.client()
    try:
        for i in range(count):
            args = dict(GOOD, cert_no="D2350%05d" % (start + i))
            code, body = c.call("qual.add", args, role="review")
            assert code == 200, body
    finally:
        c.close()
    events = ask(env, "events.list", {"after": last, "limit": 1000})["events"]
    assert all(e["topic"].startswith("qualification.") for e in events), events
    return [e["seq"] for e in events]


def subscriber(env, prefix, kind=zmq.SUB):
    sock = env.ctx.socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 0)  # an XSUB drops what its queue cannot take
    if kind == zmq.SUB:
        sock.setsockopt(zmq.SUBSCRIBE, prefix)
    sock.connect(env.endpoint("events"))
    return sock


def ready_peer(env):
    """A hand-written SUB peer (zmtp.py) that has read the daemon's greeting
    and READY: a frame sent before them may be lost."""
    sock = zmtp.null_peer(env.endpoint("events"), b"SUB")

    def exact(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            assert chunk, "the daemon hung up during the handshake"
            data += chunk
        return data

    exact(64)
    header = exact(2)
    assert exact(header[1]).startswith(b"\x05READY"), header
    return sock


def prefixes_become(env, count, timeout=10):
    return wait_for(lambda: stream(env)["subscribed_prefixes"] == count, timeout)


def received(sock, count, timeout_ms=5000):
    """The seqs of the next `count` events on `sock` (fewer when they stop)."""
    seqs = []
    while len(seqs) < count and sock.poll(timeout_ms):
        frames = sock.recv_multipart()
        assert frames[1] == b"QFLOW/1" and frames[2] == b"EVENT", frames[:3]
        seqs.append(int(frames[3]))
    return seqs


def test_nobody_subscribed_nothing_published():
    """With no subscriber, committed events are counted as skipped."""
    env = Env()
    try:
        env.start_daemon()
        before = stream(env)
        assert before["subscribed_prefixes"] == 0, before
        add(env, 5)
        after = stream(env)
        assert after["events_published"] == before["events_published"], (before, after)
        assert after["events_skipped"] >= before["events_skipped"] + 5, (before, after)
    finally:
        env.close()


def test_subscriber_gets_events_then_publication_stops_when_it_leaves():
    """A subscriber whose subscription the daemon has taken gets every event
    committed after it; once it unsubscribes, or disconnects, nothing is
    published, and a new subscriber brings publication back."""
    env = Env()
    try:
        env.start_daemon()
        add(env, 2)  # before anyone listens: skipped
        sub = subscriber(env, b"qualification.")
        assert prefixes_become(env, 1), stream(env)
        published = stream(env)["events_published"]
        seqs = add(env, 20, start=100)
        assert received(sub, 20) == seqs
        assert stream(env)["events_published"] >= published + 20
        # An unsubscribe from a connected subscriber stops publication.
        sub.setsockopt(zmq.UNSUBSCRIBE, b"qualification.")
        assert prefixes_become(env, 0), stream(env)
        before = stream(env)
        add(env, 5, start=200)
        after = stream(env)
        assert after["events_published"] == before["events_published"], (before, after)
        assert after["events_skipped"] >= before["events_skipped"] + 5, (before, after)
        assert received(sub, 1, 300) == []
        # Subscribed again, then gone: its disconnection unsubscribes it.
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        assert prefixes_become(env, 1), stream(env)
        seqs = add(env, 3, start=300)
        assert received(sub, 3) == seqs
        sub.close()
        assert prefixes_become(env, 0), stream(env)
        before = stream(env)
        add(env, 4, start=400)
        after = stream(env)
        assert after["events_published"] == before["events_published"], (before, after)
    finally:
        env.close()


def test_second_subscriber_of_a_prefix_leaving_keeps_the_first():
    """Two subscribers of the same prefix count as one; the second leaving
    (unsubscribing, then disconnecting) does not stop the first's events."""
    env = Env()
    try:
        env.start_daemon()
        first = subscriber(env, b"")
        assert prefixes_become(env, 1), stream(env)
        second = subscriber(env, b"")
        # The second has its subscription in once it receives an event.
        start = 0
        while not received(second, 1, 200):
            start += 1
            assert start < 50, "the second subscriber got no event"
            add(env, 1, start=start)
        received(first, start, 2000)  # what the first got meanwhile
        second.setsockopt(zmq.UNSUBSCRIBE, b"")
        second.close()
        time.sleep(0.5)  # the daemon's side of its connection ends
        assert stream(env)["subscribed_prefixes"] == 1, stream(env)
        seqs = add(env, 10, start=1000)
        assert received(first, 10) == seqs
    finally:
        env.close()


def test_malformed_subscriptions_are_ignored():
    """An XSUB sends frames that are no subscription (empty, a first byte
    other than 0 or 1, a prefix longer than a topic or holding a NUL, the
    parts of a multipart message), and a hand-written peer (an XSUB sends
    no unsubscribe it did not subscribe) an unsubscribe of a prefix nobody
    subscribed, which libzmq passes on: the frames are counted and dropped,
    the unsubscribe changes nothing, and the subscriber of another prefix
    keeps its events."""
    env = Env()
    try:
        env.start_daemon()
        good = subscriber(env, b"")
        assert prefixes_become(env, 1), stream(env)
        ignored = stream(env)["messages_ignored"]
        raw = subscriber(env, None, zmq.XSUB)
        garbage = [b"", b"\x02abc", b"hello", b"\x01" + b"q" * 129, b"\x01a\x00b"]
        for frame in garbage:
            raw.send(frame)
        raw.send_multipart([b"\x05x", b"y"])
        hand = ready_peer(env)
        hand.sendall(zmtp.frame(b"\x00zzz"))  # an unsubscribe of a prefix nobody holds
        hand.sendall(zmtp.frame(b"\x07"))  # read after it
        assert wait_for(lambda: stream(env)["messages_ignored"] == ignored + 8, 10), stream(env)
        status = stream(env)
        assert status["subscribed_prefixes"] == 1 and not status["prefixes_overflowed"], status
        seqs = add(env, 5)
        assert received(good, 5) == seqs
        raw.close()
        hand.close()
        good.close()
        assert prefixes_become(env, 0), stream(env)
    finally:
        env.close()


def test_a_flood_of_prefixes_is_bounded():
    """An XSUB subscribes 12,000 distinct prefixes: the daemon keeps at most
    10,000, answers meanwhile, and from then on publishes whoever is left
    (the prefixes it did not keep cannot be told gone)."""
    env = Env()
    try:
        env.start_daemon()
        raw = subscriber(env, None, zmq.XSUB)
        for i in range(12000):
            raw.send(b"\x01p%d" % i)
        assert wait_for(lambda: stream(env)["prefixes_overflowed"], 60), stream(env)
        assert stream(env)["subscribed_prefixes"] == 10000
        raw.close()
        assert prefixes_become(env, 0, 60), stream(env)
        before = stream(env)
        add(env, 2)
        after = stream(env)
        assert after["events_published"] >= before["events_published"] + 2, (before, after)
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_event_stream", [test_nobody_subscribed_nothing_published,
                                test_subscriber_gets_events_then_publication_stops_when_it_leaves,
                                test_second_subscriber_of_a_prefix_leaving_keeps_the_first,
                                test_malformed_subscriptions_are_ignored,
                                test_a_flood_of_prefixes_is_bounded])
