"""Hostile peers: what one client, worker or subscriber may make the daemon
hold or do (PROTOCOL.md sections 1.1 and 1.2).

Each test plays one attack against a real daemon and checks a bound:
memory is read from /proc (VmRSS, VmHWM) of the release build, since a
sanitizer's allocator keeps freed memory in quarantine; every load is a
fixed amount of work, and every wait is bounded.
"""
import json
import os
import signal
import sys
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zmtp  # noqa: E402
from qfharness import Env, GOOD, SIG, Worker, group, run, wait_for  # noqa: E402

MIB = 1024 * 1024
PEER_QUEUE = 16 * MIB  # daemon.peer_queue_bytes, the default
TAIL = 8 * MIB         # the newest events the daemon keeps in memory (qf_server.c)


def vm_kib(pid, key):
    """VmRSS or VmHWM of a process, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for pid %d" % (key, pid))


def fill(client, count, scope=100, depth=100, start=0):
    """Adds `count` qualifications, `depth` requests in flight: one event each."""
    sent = got = 0
    while got < count:
        while sent < count and sent - got < depth:
            args = dict(GOOD, cert_no="D2340%05d" % (start + sent), scope="x" * scope)
            client.send("qual.add", args, role="review")
            sent += 1
        _, status, body = client.recv(30000)
        got += 1
        assert status == 200, body


def status(env):
    c = env.client()
    try:
        code, body = c.call("status", timeout=10000)
        assert code == 200, body
        return body["result"]
    finally:
        c.close()


def start_with_log(env):
    """Starts the release daemon with 1,000 events of about 1 KiB in its log,
    so that an events.list of 1,000 is about 1 MiB; returns a client."""
    env.start_daemon(release=True)
    c = env.client()
    fill(c, 1000, scope=400)
    return c


def check_growth(what, grown_kib, bound_bytes):
    """Prints what the attack cost the daemon and holds it to the bound."""
    print("# %s: the daemon grew %d MiB (bound %d MiB)" % (
        what, grown_kib // 1024, bound_bytes // MIB))
    assert grown_kib < bound_bytes // 1024, "%s: the daemon grew %d MiB, over %d MiB" % (
        what, grown_kib // 1024, bound_bytes // MIB)


def answers(env):
    """Whether the daemon still answers another client."""
    c = env.client()
    try:
        return c.call("ping")[0] == 200
    finally:
        c.close()


def commands_reach(env, count, seconds=120):
    """Waits until the daemon has handled `count` commands (status counts
    itself too); True when it has."""
    return wait_for(lambda: status(env)["commands"] >= count, seconds, step=0.2)


def stalled(ctx, kind, endpoint, watched=None):
    """A socket whose owner never reads: the smallest queues on its side,
    so that what is sent to it stays in the daemon. With `watched`, its
    handshake is watched (see connected)."""
    sock = ctx.socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVHWM, 1)
    sock.setsockopt(zmq.RCVBUF, 4096)
    if kind == zmq.SUB:
        sock.setsockopt(zmq.SUBSCRIBE, b"")
    if watched is None:
        sock.connect(endpoint)
    else:
        watch(sock, endpoint, watched)
    return sock


def zmtp_send(sock, body, more=False):
    """Sends one frame on a hand-written peer (zmtp.py: libzmq itself would
    keep an unfinished message in its own process, and a libzmq SUB keeps
    its subscriptions in a trie of one level per byte, which overflows its
    stack when freed); False once the daemon has hung up."""
    try:
        sock.sendall(zmtp.frame(body, more=more))
        return True
    except OSError:
        return False


def watch(sock, endpoint, watched):
    """Connects a libzmq socket, watching for the end of its handshake
    (see connected); the watch goes on before the connection starts."""
    watched.append((sock, sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)))
    sock.connect(endpoint)


def connected(watched, timeout=10):
    """Waits until each watched socket has finished its handshake with the
    daemon, so that its subscriptions are on their way (a SUB sends them
    right after it); bounded by `timeout` seconds."""
    deadline = time.time() + timeout
    try:
        for _, monitor in watched:
            left = int((deadline - time.time()) * 1000)
            assert left > 0 and monitor.poll(left), \
                "a socket did not connect within %d s" % timeout
            recv_monitor_message(monitor)
    finally:
        for sock, monitor in watched:
            sock.disable_monitor()
            monitor.close(linger=0)


def grown_kib(pid, base, bound_kib, step=None):
    """How much the process grew over `base` while frames cross in the
    background: watched 15 times 0.2 s apart (a measuring window, not a
    wait for something), each time after calling `step` if given, or until
    it passes the bound."""
    grown = 0
    for i in range(15):
        if step:
            step(i)
        time.sleep(0.2)
        grown = max(grown, vm_kib(pid, "VmRSS") - base)
        if grown > bound_kib:
            break
    return grown


def test_pipelined_reads_do_not_wait_for_the_batch():
    """Item 6: 100 pipelined events.list of 1,000 events each (about 900 KiB
    per reply) from one sales client, with a ping from another client among
    them. The daemon used to hold every reply's JSON tree until its batch
    ended (437 MiB here); now each read is answered at once, encoded once,
    its tree freed."""
    env = Env()
    try:
        start_with_log(env)
        pid = env.daemon.pid
        base = vm_kib(pid, "VmRSS")
        attacker, other = env.client(), env.client()
        for _ in range(100):
            attacker.send("events.list", {"limit": 1000}, role="sales")
        code, _ = other.call("ping", timeout=60000)
        assert code == 200
        sizes = []
        for _ in range(100):
            _, code, body = attacker.recv(60000)
            assert code == 200, body
            assert len(body["result"]["events"]) == 1000
            sizes.append(len(json.dumps(body)))
        # One reply's tree and its bytes at a time, and the batch's bound.
        check_growth("100 replies of %d KiB" % (max(sizes) // 1024),
                     vm_kib(pid, "VmHWM") - base, 48 * MIB)
    finally:
        env.close()


def test_unread_replies_are_bounded():
    """Item 7: a client pipelines 300 events.list (about 900 KiB each) and
    never reads a reply. libzmq used to queue every one (1.2 GiB here); now
    the client's queue holds at most daemon.peer_queue_bytes, the rest is
    dropped and counted, and other clients are answered."""
    env = Env()
    try:
        start_with_log(env)
        pid = env.daemon.pid
        before = status(env)["commands"]
        base = vm_kib(pid, "VmRSS")
        attacker = stalled(env.ctx, zmq.DEALER, env.endpoint("command"))
        body = json.dumps({"role": "sales", "args": {"limit": 1000}}).encode()
        for i in range(300):
            attacker.send_multipart([SIG, b"REQUEST", b"r%d" % i, b"events.list", body])
        assert commands_reach(env, before + 300), "the daemon did not handle the 300 requests"
        check_growth("300 unread replies", vm_kib(pid, "VmHWM") - base, PEER_QUEUE + 32 * MIB)
        queues = status(env).get("send_queues") or {}
        print("# %s" % queues)
        assert queues.get("replies_dropped", 0) > 0, queues
        assert answers(env)
        attacker.close()
    finally:
        env.close()


def test_a_worker_that_never_reads_loses_its_session():
    """Item 7, workers: a worker says HELLO and then never reads, while it
    sends ACKs for events it was never given, each answered with an ERROR.
    The worker socket is shared, so the daemon cannot disconnect one peer:
    once that worker's queue is full its session ends (counted in status as
    workers_dropped), what the daemon holds for it stays bounded, and
    another client is still answered."""
    env = Env()
    try:
        env.start_daemon(release=True)
        pid = env.daemon.pid
        base = vm_kib(pid, "VmRSS")
        worker = stalled(env.ctx, zmq.DEALER, env.endpoint("worker"))
        hello = {"group": "legal", "instance": "never-reads"}
        worker.send_multipart([SIG, b"HELLO", json.dumps(hello).encode()])
        assert wait_for(lambda: any(w["instance"] == "never-reads"
                                    for w in status(env)["workers"]), 10), \
            "the worker's HELLO opened no session"
        event_id = b"0" * 32
        worker.setsockopt(zmq.SNDTIMEO, 5000)
        for i in range(200000):
            worker.send_multipart([SIG, b"ACK", b"%d" % (999999 + i), event_id, b"{}"])
            if i % 5000 == 4999 and status(env)["send_queues"]["workers_dropped"] > 0:
                break
        queues = status(env)["send_queues"]
        print("# %s" % queues)
        assert queues["workers_dropped"] > 0, queues
        assert not any(w["instance"] == "never-reads" for w in status(env)["workers"])
        check_growth("a worker that never reads", vm_kib(pid, "VmHWM") - base,
                     PEER_QUEUE + 32 * MIB)
        assert answers(env)
        worker.close()
    finally:
        env.close()


def test_stalled_subscribers_are_bounded():
    """Item 7: four subscribers that never read, and 20,000 events of about
    4.5 KiB. The PUB socket used to queue every event for each of them; now
    each holds about daemon.peer_queue_bytes, counted by the largest event
    published lately, and a subscriber that reads misses nothing."""
    env = Env()
    try:
        env.start_daemon(release=True)
        c = env.client()
        pid = env.daemon.pid
        base = vm_kib(pid, "VmRSS")
        watched = []
        subs = [stalled(env.ctx, zmq.SUB, env.endpoint("events"), watched) for _ in range(4)]
        reader = env.ctx.socket(zmq.SUB)
        reader.setsockopt(zmq.LINGER, 0)
        reader.setsockopt(zmq.SUBSCRIBE, b"")
        reader.setsockopt(zmq.RCVHWM, 0)
        watch(reader, env.endpoint("events"), watched)
        connected(watched)  # the subscriptions are on their way to the daemon
        seen = set()
        for part in range(10):
            fill(c, 2000, scope=4000, start=part * 2000)
            while reader.poll(0):
                seen.add(int(reader.recv_multipart()[3]))
        while reader.poll(1000):
            seen.add(int(reader.recv_multipart()[3]))
        check_growth("4 stalled subscribers, 20,000 events", vm_kib(pid, "VmHWM") - base,
                     4 * PEER_QUEUE + TAIL + 32 * MIB)
        assert len(seen) == 20000, "the reading subscriber missed %d events" % (20000 - len(seen))
        for s in subs:
            s.close()
    finally:
        env.close()


def test_endless_message_on_the_event_socket():
    """Item 8: a peer of the event socket sends 2 MiB frames with MORE set,
    128 of them, never the last. libzmq holds every frame of a message until
    its last one (256 MiB here); the event socket now takes frames of at most
    512 bytes, so the peer is disconnected at the first. (On the command and
    worker sockets a frame may be 2 MiB, and only CURVE or the socket files'
    permissions keep such a peer out: PROTOCOL.md 1.1.)"""
    env = Env()
    try:
        env.start_daemon(release=True)
        pid = env.daemon.pid
        base = vm_kib(pid, "VmRSS")
        peer = zmtp.null_peer(env.endpoint("events"), b"SUB")
        frame = b"\x02" + b"x" * (2 * MIB - 1)
        sent = 0
        while sent < 128 and zmtp_send(peer, frame, more=True):
            sent += 1
        check_growth("%d frames of 2 MiB with MORE" % sent, grown_kib(pid, base, 64 * 1024),
                     64 * MIB)
        assert answers(env)
        peer.close()
    finally:
        env.close()


def test_large_subscriptions_are_refused():
    """Item 9: eight subscriptions of 2 MiB (topics are at most 128 bytes).
    libzmq built a node per byte of each (521 MiB); the event socket now
    takes frames of at most 512 bytes, and a subscription to a topic of the
    longest allowed still works."""
    env = Env()
    try:
        env.start_daemon(release=True)
        c = env.client()
        pid = env.daemon.pid
        base = vm_kib(pid, "VmRSS")
        big = []
        for i in range(8):
            peer = zmtp.null_peer(env.endpoint("events"), b"SUB")
            zmtp_send(peer, b"\x01%d" % i + b"q" * (2 * MIB - 2))  # a 2 MiB frame
            big.append(peer)
        good = env.ctx.socket(zmq.SUB)
        good.setsockopt(zmq.LINGER, 0)
        good.setsockopt(zmq.SUBSCRIBE, b"qualification.created")
        good.setsockopt(zmq.SUBSCRIBE, b"q" * 128)
        watched = []
        watch(good, env.endpoint("events"), watched)
        connected(watched)
        # The daemon takes in subscriptions when it publishes.
        check_growth("8 subscriptions of 2 MiB",
                     grown_kib(pid, base, 64 * 1024, lambda i: fill(c, 1, start=i)), 64 * MIB)
        assert good.poll(5000), "a subscriber with a 128-byte prefix got no event"
        assert good.recv_multipart()[0] == b"qualification.created"
        for s in big + [good]:
            s.close()
    finally:
        env.close()


def test_groups_created_by_hello_are_capped():
    """Item 10: 10,000 HELLOs with new group names from one connection. They
    used to create 10,000 groups: status over 1 MiB, retention held back,
    and each idle group reading the log every 50 ms after a restart. Now
    HELLOs create at most delivery.hello_groups_max (16), the rest get
    ERROR 409, an admin deletes one with groups.delete, and idle groups
    read nothing."""
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        fill(c, 1)
        configured = len(c.call("groups.list")[1]["result"]["groups"])
        flood = env.ctx.socket(zmq.DEALER)
        flood.setsockopt(zmq.LINGER, 0)
        flood.connect(env.endpoint("worker"))
        for i in range(10000):
            hello = {"group": "flood-%d" % i, "instance": "w", "topics": ["*"]}
            flood.send_multipart([SIG, b"HELLO", json.dumps(hello).encode()])
        refused, reason = 0, ""
        # Until every refusal has come, or 10 s without any message.
        while refused < 10000 - 16 and flood.poll(10000):
            f = flood.recv_multipart()
            if f[1] == b"ERROR" and f[2] == b"409":
                refused += 1
                reason = f[4].decode()
        assert refused == 10000 - 16, "%d HELLOs refused, not 9984" % refused
        assert "delivery.hello_groups_max" in reason and "groups delete" in reason, reason
        result = status(env)
        assert len(result["groups"]) == configured + 16, len(result["groups"])
        code, body = c.call("groups.list")
        assert code == 200 and len(body["result"]["groups"]) == configured + 16, body
        # An admin makes room; the group's session ends; a HELLO may create one again.
        code, body = c.call("groups.delete", {"group": "flood-15"})
        assert code == 200, body
        assert body["result"]["group"] == "flood-15", body
        deleted = [g["name"] for g in c.call("groups.list")[1]["result"]["groups"]]
        assert "flood-15" not in deleted, deleted
        code, body = c.call("groups.delete", {"group": "flood-15"})
        assert code == 404, body
        code, body = c.call("groups.delete", {"group": "legal"})
        assert code == 409 and "configuration" in body["error"]["message"], body
        code, body = c.call("groups.delete", {"group": "flood-1"}, role="sales")
        assert code == 403, body
        w = Worker(env, "late", "late-1", topics=["*"])
        w.close()
        names = [g["name"] for g in c.call("groups.list")[1]["result"]["groups"]]
        assert "flood-15" not in names and "late" in names, names
        flood.close()
        # After a restart no group has a worker: none reads the log.
        env.kill_daemon(signal.SIGTERM)
        env.start_daemon()
        first = status(env)["log_reads"]
        # What must not happen needs a window: 20 of the 50 ms rounds in
        # which an idle group used to read the log.
        time.sleep(1)
        assert status(env)["log_reads"] == first, "idle groups read the log"
    finally:
        env.close()


def test_nack_delay_is_capped():
    """Item 11: a NACK with delay 2^63-1 overflowed the retry time (the
    sanitizers abort; a release build burnt every attempt at once), and
    9e18 parked the event for ever. A delay over 24 h is now refused with
    ERROR 400 and the event stays with its worker."""
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        w = Worker(env, "nacker", "n-1", topics=["qualification.created"])
        fill(c, 1)
        d = w.next_delivery()
        assert d is not None, "no delivery"
        for delay in (9223372036854775807, 9000000000000000000, 86400001):
            w.nack(d, delay=delay)
            error = w.expect_error()
            assert error is not None and error[0] == 400 and error[1] == d["seq"], \
                "NACK delay %d: ERROR %r" % (delay, error)
            assert "86400000" in error[2], error
        assert answers(env), "the daemon died"
        # Nothing changed: the event is still this worker's, at attempt 1.
        code, body = c.call("dlq.list", {"group": "nacker"})
        assert code == 200 and body["result"]["items"] == [], body
        w.ack(d)
        assert wait_for(lambda: group(env, "nacker")["position"] >= d["seq"], 10)
        # 24 h itself is accepted.
        fill(c, 1, start=1)
        d = w.next_delivery()
        w.nack(d, delay=86400000)
        assert w.expect_error(1000) is None
        w.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("sec_hostile_peers", [test_pipelined_reads_do_not_wait_for_the_batch,
                          test_unread_replies_are_bounded,
                          test_a_worker_that_never_reads_loses_its_session,
                          test_stalled_subscribers_are_bounded,
                          test_endless_message_on_the_event_socket,
                          test_large_subscriptions_are_refused,
                          test_groups_created_by_hello_are_capped,
                          test_nack_delay_is_capped])
