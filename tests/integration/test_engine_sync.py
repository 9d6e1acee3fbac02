"""The WAL's sync beside the loop (daemon/qf_sync.h), against a real daemon
whose disk is made slow, then failing, by a preloaded library
(tests/faults/failsync.c: fsync and fdatasync of the WAL file are late or
fail with EIO while a flag file exists).

- A slow disk: a command's reply, a read-only command sent behind it, the
  event on the stream and its delivery to a worker all wait for the sync
  that makes the command durable; the loop meanwhile answers nothing that
  could show the change early. status.wal_sync counts the syncs.
- A failing disk: the daemon stops at once with exit status 3, answers
  nothing the failed sync should have covered, says why in its log, and
  starts again on the same database with every confirmed change there.
"""
import json
import os
import sys
import time

import zmq

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import GOOD, Env, Worker, cli, log_text, run, wait_for  # noqa: E402

TESTS = os.environ.get("QF_TESTS") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "release", "tests")
SLOW_MS = 400


def preload(env):
    """The environment that gives qualflowd the fault library."""
    lib = os.path.abspath(os.path.join(TESTS, "libfailsync.so"))
    assert os.path.exists(lib), "%s is missing: make build" % lib
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"LD_PRELOAD": lib, "QF_FAILSYNC_FLAG": os.path.join(env.dir, "disk-fault"),
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}


def test_everything_a_commit_shows_waits_for_its_sync():
    env = Env()
    try:
        faults = preload(env)
        faults["QF_FAILSYNC_SLOW_MS"] = str(SLOW_MS)
        env.start_daemon(env=faults)
        c = env.client()
        worker = Worker(env, "sync-watch", "w1", topics=["qualification.created"])
        stream = zmq.Context.instance().socket(zmq.SUB)
        stream.setsockopt(zmq.LINGER, 0)
        stream.setsockopt(zmq.SUBSCRIBE, b"")
        stream.connect(env.endpoint("events"))
        time.sleep(0.3)  # the subscription reaches the daemon
        status, body = c.call("qual.add", dict(GOOD, name="before the slow disk"), role="review")
        assert status == 200, body
        worker.ack(worker.next_delivery())

        open(faults["QF_FAILSYNC_FLAG"], "w").close()
        t0 = time.time()
        c.send("qual.add", dict(GOOD, name="on the slow disk"), role="review")
        c.send("ping")
        # When each of the four came: the two replies, the delivery to the
        # worker and the event on the stream.
        came, replies, delivery = {}, [], None
        poller = zmq.Poller()
        for sock in (c.sock, worker.sock, stream):
            poller.register(sock, zmq.POLLIN)
        while len(came) < 4 and time.time() - t0 < 15:
            for sock, _ in poller.poll(500):
                frames = sock.recv_multipart()
                if sock is c.sock:
                    replies.append((int(frames[3]), json.loads(frames[4])))
                    came["reply %d" % len(replies)] = time.time() - t0
                elif sock is worker.sock and frames[1] == b"DELIVER":
                    delivery = {"seq": int(frames[2]), "id": frames[3].decode(),
                                "payload": json.loads(frames[9])}
                    came["delivery"] = time.time() - t0
                elif sock is stream and json.loads(frames[-1])["name"] == "on the slow disk":
                    came["event"] = time.time() - t0
        assert len(came) == 4, came
        assert [r[0] for r in replies] == [200, 200], replies
        assert delivery["payload"]["name"] == "on the slow disk", delivery
        # None of them came before the sync that makes the command durable
        # had returned: not the reply, not the read behind it, not the
        # event's delivery or publication.
        early = {k: v for k, v in came.items() if v < SLOW_MS / 1000 * 0.9}
        assert not early, "before the sync (%d ms): %s" % (SLOW_MS, early)
        worker.ack(delivery)
        os.unlink(faults["QF_FAILSYNC_FLAG"])

        sync = json.loads(cli(env, "--json", "status"))["wal_sync"]
        assert sync["syncs"] >= 2 and sync["sync_ms"]["max"] >= SLOW_MS * 0.9, sync
        stream.close()
        worker.close()
        c.close()
    finally:
        env.close()


def test_a_failed_sync_stops_the_daemon_before_it_answers():
    env = Env()
    try:
        faults = preload(env)
        # Late as well: a reply sent early would reach the client before
        # the daemon stops.
        faults.update({"QF_FAILSYNC_FAIL": "1", "QF_FAILSYNC_SLOW_MS": str(SLOW_MS)})
        daemon = env.start_daemon(env=faults)
        c = env.client()
        status, body = c.call("qual.add", dict(GOOD, name="confirmed"), role="review")
        assert status == 200, body
        confirmed = body["result"]["id"]

        open(faults["QF_FAILSYNC_FLAG"], "w").close()
        c.send("qual.add", dict(GOOD, name="never confirmed"), role="review")
        assert wait_for(lambda: daemon.poll() is not None, 20, 0.05), "qualflowd kept running"
        assert daemon.returncode == 3, daemon.returncode
        try:
            reply = c.recv(500)
        except TimeoutError:
            reply = None
        assert reply is None, "answered a request whose sync failed: %r" % (reply,)
        log = log_text(env)
        assert "could not be made durable" in log and "Input/output error" in log, log[-2000:]
        c.close()

        os.unlink(faults["QF_FAILSYNC_FLAG"])
        env.start_daemon()
        c = env.client()
        status, body = c.call("qual.get", {"id": confirmed}, role="review")
        assert status == 200 and body["result"]["name"] == "confirmed", body
        status, body = c.call("qual.add", dict(GOOD, name="after the restart"), role="review")
        assert status == 200, body
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_sync", [test_everything_a_commit_shows_waits_for_its_sync,
                        test_a_failed_sync_stops_the_daemon_before_it_answers])
