"""Reliable delivery: consumer groups, acks, leases, retries, dead letters,
replay and idempotency, against a real qualflowd over ipc."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import (GOOD, Env, Worker, ask, event_records, events, group,  # noqa: E402
                       run, states, wait_for)

FAST = {"backoff_initial_ms": "100", "backoff_max_ms": "800", "max_deliveries": "4"}


def add_many(client, n, window=200):
    """Pipelines n qual.add commands; returns how many were answered 200."""
    ok = sent = pending = 0
    while ok < n:
        while sent < n and pending < window:
            args = dict(GOOD, name="q-%d" % sent)
            client.send("qual.add", args, role="review")
            sent += 1
            pending += 1
        _, status, body = client.recv(20000)
        pending -= 1
        assert status == 200, body
        ok += 1
    return ok


def check_batch_phases_and_wal(env):
    """After 10,000 commands: status shows where the batches spent their
    time, and the WAL (tens of MiB written) restarted from its beginning,
    so the loop's checkpoint between batches ran."""
    status = ask(env, "status")
    phases = status["batch_phases"]
    assert 0 < phases["batches"] <= 4096, phases
    for name in ("timers", "receive", "execute", "commit", "reply", "publish", "deliver",
                 "checkpoint"):
        spread = phases["phases_ms"][name]
        assert 0 <= spread["p50"] <= spread["p99"] <= spread["max"], (name, spread)
    assert phases["phases_ms"]["commit"]["max"] > 0 and phases["phases_ms"]["execute"]["max"] > 0
    assert phases["p99_batch"]["total"] <= phases["slowest_batch"]["total"], phases
    assert phases["slowest_batch"]["total"] == phases["total_ms"]["max"], phases
    assert phases["p99_batch"]["messages"] >= 0 and phases["slowest_batch"]["messages"] >= 0
    # The commands' own times: each of the newest 4,096 commands, from its
    # read to its reply, in its batch, commit and reply.
    requests = phases["requests"]
    assert requests["count"] == 4096, requests
    spread = requests["total_ms"]
    assert 0 < spread["p50"] <= spread["p99"] <= spread["max"], spread
    for which in ("p99_request", "slowest_request"):
        r = requests[which]
        assert abs(r["batch"] + r["commit"] + r["reply"] - r["total"]) < 0.01, r
        assert r["commit"] > 0, r  # qual.add waits for its commit
    assert requests["slowest_request"]["total"] == spread["max"], requests
    assert status["storage"]["wal_bytes"] < 8 << 20, status["storage"]


def test_late_joiner_gets_10000_in_order():
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        add_many(c, 10000)
        check_batch_phases_and_wal(env)
        w = Worker(env, "late", "late-1", topics=["qualification.created"], window=500)
        seqs = []
        while len(seqs) < 10000:
            d = w.next_delivery(10000)
            assert d is not None, "stalled after %d events" % len(seqs)
            seqs.append(d["seq"])
            w.ack(d)
        assert seqs == sorted(seqs), "out of order"
        assert len(set(seqs)) == 10000, "duplicates"
        logged = [e["seq"] for e in event_records(env, "qualification.created")]
        assert seqs == logged, "delivered seqs differ from the log"
        assert wait_for(lambda: group(env, "late")["position"] == seqs[-1], 10), group(env, "late")
        assert w.next_delivery(300) is None, "extra delivery"
    finally:
        env.close()


def test_poison_event_dead_letters_with_backoff_then_retry():
    env = Env(FAST)
    try:
        env.start_daemon()
        c = env.client()
        w = Worker(env, "poison", "p-1", topics=["qualification.created"])
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        cpu0 = env.cpu_seconds(env.daemon.pid)
        times = []
        for attempt in range(1, 5):
            d = w.next_delivery(5000)
            assert d is not None, "delivery %d missing" % attempt
            assert d["attempt"] == attempt, d
            times.append(time.time())
            w.nack(d, 0, "always fails: attempt %d" % attempt)
        gaps = [b - a for a, b in zip(times, times[1:])]
        print("# gaps between attempts: %s" % ["%.3f" % g for g in gaps])
        # Exponential: ~100, ~200, ~400 ms with +-20% jitter.
        assert gaps[0] >= 0.07 and gaps[1] >= 0.15 and gaps[2] >= 0.3, gaps
        assert gaps[2] > gaps[0], gaps
        assert w.next_delivery(1500) is None, "delivered after max_deliveries"
        status, body = c.call("dlq.list", {"group": "poison"})
        items = body["result"]["items"]
        assert len(items) == 1 and items[0]["attempts"] == 4, items
        assert "always fails: attempt 4" in items[0]["last_error"], items
        seq = items[0]["seq"]
        cpu = env.cpu_seconds(env.daemon.pid) - cpu0
        print("# daemon CPU during the retries: %.2f s" % cpu)
        assert cpu < 1.0, "busy loop? %.2f s CPU" % cpu
        dead = events(env, "delivery.dead_lettered")
        assert len(dead) == 1 and dead[0]["group"] == "poison", dead
        assert group(env, "poison")["position"] >= seq
        status, body = c.call("dlq.show", {"group": "poison", "seq": seq})
        assert status == 200 and body["result"]["event"]["topic"] == "qualification.created"
        assert c.call("dlq.retry", {"group": "poison", "seq": seq}, role="sales")[0] == 403
        assert c.call("dlq.retry", {"group": "poison", "seq": seq})[0] == 200
        d = w.next_delivery(5000)
        assert d is not None and d["seq"] == seq and d["attempt"] == 1, d
        w.ack(d)
        # No command shows the attempts kept for a restart: they are gone.
        assert wait_for(lambda: env.sql(
            "SELECT count(*) FROM deliveries WHERE group_name='poison'")[0][0] == 0, 5)
        assert c.call("dlq.list", {"group": "poison"})[1]["result"]["items"] == []
        assert c.call("dlq.retry", {"group": "poison", "seq": seq})[0] == 404
        # Drop: a second poison event, dropped from the list for good.
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        for _ in range(4):
            d = w.next_delivery(5000)
            w.nack(d, 1, "again")
        assert wait_for(lambda: len(c.call("dlq.list", {"group": "poison"})[1]["result"]["items"]) == 1, 5)
        seq2 = c.call("dlq.list", {"group": "poison"})[1]["result"]["items"][0]["seq"]
        assert c.call("dlq.drop", {"group": "poison", "seq": seq2})[0] == 200
        assert c.call("dlq.list", {"group": "poison"})[1]["result"]["items"] == []
    finally:
        env.close()


def test_dead_letter_attempts_survive_restart():
    env = Env(FAST)
    try:
        env.start_daemon()
        c = env.client()
        w = Worker(env, "poison", "p-1", topics=["qualification.created"])
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        for attempt in (1, 2):
            d = w.next_delivery(5000)
            assert d["attempt"] == attempt
            w.nack(d, 1, "fails")
        time.sleep(0.3)
        env.kill_daemon()
        env.start_daemon()
        w = Worker(env, "poison", "p-2")
        d = w.next_delivery(5000)
        assert d is not None and d["attempt"] == 3, d
        w.nack(d, 1, "fails")
        d = w.next_delivery(5000)
        assert d["attempt"] == 4
        w.nack(d, 1, "fails")
        assert wait_for(lambda: len(ask(env, "dlq.list", {"group": "poison"})["items"]) == 1, 5)
    finally:
        env.close()


def test_refused_acks_change_nothing():
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        a = Worker(env, "alpha", "a-1", topics=["qualification.created"])
        b = Worker(env, "beta", "b-1", topics=["qualification.review_requested"])
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        d = a.next_delivery(5000)
        before = group(env, "alpha")["position"]
        b.ack(d)  # beta never got this event
        err = b.expect_error()
        assert err and err[0] == 409 and err[1] == d["seq"], err
        a.sock.send_multipart([b"QFLOW/1", b"ACK", str(d["seq"]).encode(), b"wrong-id", b"{}"])
        err = a.expect_error()
        assert err and err[0] == 400, err
        a.sock.send_multipart([b"QFLOW/1", b"ACK", b"999999", b"x", b"{}"])
        err = a.expect_error()
        assert err and err[0] == 409, err
        assert group(env, "alpha")["position"] == before, "refused acks moved the position"
        a.ack(d)
        assert wait_for(lambda: group(env, "alpha")["position"] == d["seq"], 5)
        a.ack(d)  # duplicate
        err = a.expect_error()
        assert err and err[0] == 409, err
        bad_result = {"command": "qual.add", "args": {"cert_no": ""}}
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        d2 = a.next_delivery(5000)
        a.ack(d2, bad_result)  # alpha's role may not run qual.add: refused, NACKed
        err = a.expect_error()
        assert err and err[1] == d2["seq"], err
        assert len(states(env)) == 2
        log = open(os.path.join(env.dir, "daemon.log")).read()
        assert "not awaiting an ack" in log and "refused" in log
    finally:
        env.close()


def test_silent_worker_detected_within_three_heartbeats():
    env = Env()  # heartbeat 200 ms, ack_wait 30 s
    try:
        env.start_daemon()
        c = env.client()
        silent = Worker(env, "pair", "silent", topics=["qualification.created"], window=1)
        other = Worker(env, "pair", "other", window=1)
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        # Each holds one event; "silent" now stops answering anything.
        first = silent.next_delivery(5000)
        d = other.next_delivery(5000)
        assert first and d
        other.ack(d)
        start = time.time()
        again = other.next_delivery(5000)
        took = time.time() - start
        assert again is not None and again["seq"] == first["seq"], again
        assert again["attempt"] == 2
        print("# silent instance detected and its event redelivered in %.2f s" % took)
        assert took < 2.0, "took %.2f s (3 heartbeats = 0.6 s, lease = 30 s)" % took
    finally:
        env.close()


def test_lease_expires_unless_extended():
    env = Env({"ack_wait_ms": "600"})
    try:
        env.start_daemon()
        c = env.client()
        w = Worker(env, "slow", "s-1", topics=["qualification.created"])
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        d = w.next_delivery(5000)
        # Keep the lease alive for 1.5 s with EXTEND (and heartbeats).
        end = time.time() + 1.5
        while time.time() < end:
            w.sock.send_multipart([b"QFLOW/1", b"EXTEND", str(d["seq"]).encode(), d["id"].encode()])
            assert w.next_delivery(250) is None, "redelivered despite EXTEND"
        w.ack(d)
        assert c.call("qual.add", GOOD, role="review")[0] == 200
        d = w.next_delivery(5000)
        again = w.next_delivery(3000)  # not acked: the lease ends, it comes back
        assert again is not None and again["seq"] == d["seq"] and again["attempt"] == 2, again
        w.ack(again)
    finally:
        env.close()


def test_competing_consumers_share_work():
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        ws = [Worker(env, "shared", "w-%d" % i, topics=["qualification.created"], window=4)
              for i in range(3)]
        add_many(c, 300)
        counts = [0, 0, 0]
        seen = set()
        deadline = time.time() + 20
        while len(seen) < 300 and time.time() < deadline:
            for i, w in enumerate(ws):
                d = w.next_delivery(20)
                if d:
                    assert d["seq"] not in seen, "delivered twice"
                    seen.add(d["seq"])
                    counts[i] += 1
                    w.ack(d)
        print("# events per instance: %s" % counts)
        assert len(seen) == 300
        assert min(counts) >= 50, counts
    finally:
        env.close()


def test_idempotency_key_returns_first_result():
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        s1, b1 = c.call("qual.add", GOOD, role="review", key="order-7")
        s2, b2 = c.call("qual.add", dict(GOOD, name="other"), role="review", key="order-7")
        assert s1 == s2 == 200 and b1 == b2, (b1, b2)
        assert len(states(env)) == 1
        status, body = c.call("qual.submit", {"id": 1}, role="review", key="order-7")
        assert status == 409 and "first used for qual.add" in body["error"]["message"], body
        # Two in one batch: still one effect.
        c.send("qual.add", GOOD, role="review", key="k2")
        c.send("qual.add", GOOD, role="review", key="k2")
        r1, r2 = c.recv(), c.recv()
        assert r1[2] == r2[2] and r1[1] == 200
        assert len(states(env)) == 2
        env.kill_daemon()
        env.start_daemon()
        c = env.client()
        assert c.call("qual.add", GOOD, role="review", key="order-7")[1] == b1
        assert len(states(env)) == 2
    finally:
        env.close()


def test_seek_replays_history():
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        w = Worker(env, "replay", "r-1", topics=["qualification.created"])
        add_many(c, 20)
        first = []
        for _ in range(20):
            d = w.next_delivery(5000)
            first.append(d["seq"])
            w.ack(d)
        assert wait_for(lambda: group(env, "replay")["position"] == first[-1], 5)
        status, body = c.call("groups.seek", {"group": "replay", "seq": first[10]})
        assert status == 200, body
        again = []
        for _ in range(10):
            d = w.next_delivery(5000)
            assert d is not None
            again.append(d["seq"])
            w.ack(d)
        assert again == first[10:], again
        # By time: from the first event on.
        t0 = ask(env, "events.list", {"after": first[0] - 1, "limit": 1})["events"][0]["time"]
        assert c.call("groups.seek", {"group": "replay", "time": t0})[0] == 200
        d = w.next_delivery(5000)
        assert d["seq"] == first[0], d
        assert c.call("groups.seek", {"group": "nope", "seq": 1})[0] == 404
        assert c.call("groups.seek", {"group": "replay"})[0] == 400
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_delivery", [
        test_late_joiner_gets_10000_in_order,
        test_poison_event_dead_letters_with_backoff_then_retry,
        test_dead_letter_attempts_survive_restart,
        test_refused_acks_change_nothing,
        test_silent_worker_detected_within_three_heartbeats,
        test_lease_expires_unless_extended,
        test_competing_consumers_share_work,
        test_idempotency_key_returns_first_result,
        test_seek_replays_history,
    ])
