"""Fault injection with real processes: kill -9 of the daemon under load,
kill -9 of worker instances mid-processing, a worker stopped with SIGSTOP.

QF_CYCLES sets the number of kill cycles (50 in make test, 500 in make soak).
"""
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import (GOOD, Env, ask, event_records, qualifications, run,  # noqa: E402
                       states, wait_for)

CYCLES = int(os.environ.get("QF_CYCLES", "50"))
SEED = int(os.environ.get("QF_SEED", str(int(time.time()))))
DEPARTMENTS = ("legal", "finance", "technical")


def drive(client, prefix, seconds, window=16):
    """Adds and submits qualifications for `seconds`, pipelined. Returns the
    names whose qual.add was answered ok and the ids whose qual.submit was."""
    added, submitted = {}, set()
    pending = {}
    n = 0
    end = time.time() + seconds
    try:
        while time.time() < end or pending:
            while time.time() < end and len(pending) < window:
                name = "%s-%d" % (prefix, n)
                n += 1
                rid = client.send("qual.add", dict(GOOD, name=name), role="review")
                pending[rid] = ("add", name)
            rid, status, body = client.recv(1000 if time.time() < end else 300)
            kind, what = pending.pop(rid, (None, None))
            if status != 200 or kind is None:
                continue
            if kind == "add":
                qid = body["result"]["id"]
                added[what] = qid
                pending[client.send("qual.submit", {"id": qid}, role="review")] = ("submit", qid)
            else:
                submitted.add(what)
    except TimeoutError:
        pass  # the daemon died with requests in flight
    return added, submitted


def check_database(env, added, submitted):
    """The database as kill -9 left it, read before a daemon opens it again
    (and recovers it): with no daemon, no command can show it."""
    rows = dict(env.sql("SELECT name, id FROM qualifications"))
    missing = [n for n in added if n not in rows]
    assert not missing, "answered adds missing after kill -9: %s" % missing[:5]
    states = dict(env.sql("SELECT id, state FROM qualifications"))
    lost = [i for i in submitted if states.get(i) == "draft"]
    assert not lost, "answered submits lost: %s" % lost[:5]
    n_created = env.sql("SELECT count(*) FROM events WHERE topic='qualification.created'")[0][0]
    assert n_created == len(rows), "%d created events for %d rows" % (n_created, len(rows))
    n_requested = env.sql(
        "SELECT count(*) FROM events WHERE topic='qualification.review_requested'")[0][0]
    n_submitted = env.sql("SELECT count(*) FROM qualifications WHERE round > 0")[0][0]
    assert n_requested == n_submitted, "%d review events for %d submits" % (n_requested, n_submitted)
    ok = env.sql("PRAGMA integrity_check")[0][0]
    assert ok == "ok", ok


def in_review(env):
    return list(states(env).values()).count("in_review")


def positions(env):
    """{group: position} and the last seq, as groups.list shows them."""
    listed = ask(env, "groups.list")
    return {g["name"]: g["position"] for g in listed["groups"]}, listed["last_seq"]


def wait_all_reviewed(env, timeout):
    assert wait_for(lambda: in_review(env) == 0, timeout, 0.2), \
        "%d qualifications still in review" % in_review(env)

    def caught_up():
        floors, last = positions(env)
        return all(floors.get(d) == last for d in DEPARTMENTS)
    assert wait_for(caught_up, timeout, 0.2), "groups behind: %s of %s" % positions(env)


def check_exactly_once(env):
    records = qualifications(env)
    submitted = [q["id"] for q in records if q["round"] > 0]
    approved = [q["id"] for q in records if q["state"] == "approved"]
    assert len(approved) == len(submitted), (len(approved), len(submitted))
    # Every qualification's reviews at once (a qual.get each would take
    # longer than the test), and the results, which no command shows.
    per = env.sql("SELECT qualification_id, count(*) FROM reviews GROUP BY qualification_id "
                  "HAVING count(*) != 3")
    assert not per, "qualifications without exactly 3 reviews: %s" % per[:5]
    n_requested = len(event_records(env, "qualification.review_requested"))
    n_results = env.sql("SELECT count(*) FROM results")[0][0]
    assert n_results == 3 * n_requested, "%d results for %d review events" % (n_results, n_requested)
    log = open(os.path.join(env.dir, "daemon.log"), errors="replace").read()
    assert "has already reported" not in log, "a result was applied twice"


def test_kill9_daemon_under_load():
    rng = random.Random(SEED)
    env = Env()
    try:
        env.start_daemon()
        for d in DEPARTMENTS:
            env.start_worker(d)
        added, submitted = {}, set()
        for cycle in range(CYCLES):
            c = env.client()
            # Kill at a random moment while requests are in flight.
            killer_at = time.time() + rng.uniform(0.02, 0.25)
            a, s = {}, set()
            pid = env.daemon.pid

            def kill_later():
                delay = killer_at - time.time()
                if delay > 0:
                    time.sleep(delay)
                os.kill(pid, signal.SIGKILL)
            import threading
            t = threading.Thread(target=kill_later)
            t.start()
            a, s = drive(c, "c%d" % cycle, 0.4)
            t.join()
            env.daemon.wait(timeout=30)
            c.close()
            added.update(a)
            submitted |= s
            check_database(env, added, submitted)
            env.start_daemon()
        print("# %d kill -9 cycles (seed %d): %d adds and %d submits answered ok" % (
            CYCLES, SEED, len(added), len(submitted)))
        wait_all_reviewed(env, 120)
        check_exactly_once(env)
    finally:
        env.close()


def test_kill9_workers_mid_processing():
    rng = random.Random(SEED + 1)
    env = Env()
    try:
        env.start_daemon()
        workers = {("legal", 0): env.start_worker("legal", "--instance", "legal-a"),
                   ("legal", 1): env.start_worker("legal", "--instance", "legal-b"),
                   ("finance", 0): env.start_worker("finance"),
                   ("technical", 0): env.start_worker("technical")}
        c = env.client()
        kills = 0
        for cycle in range(CYCLES):
            drive(c, "w%d" % cycle, rng.uniform(0.02, 0.1), window=8)
            key = rng.choice(list(workers))
            workers[key].kill()
            workers[key].wait()
            kills += 1
            name = key[0]
            args = ["--instance", "legal-%s" % "ab"[key[1]]] if name == "legal" else []
            workers[key] = env.start_worker(name, *args)
        print("# %d worker kills (seed %d), %d qualifications" % (
            kills, SEED, len(states(env))))
        wait_all_reviewed(env, 120)
        check_exactly_once(env)
    finally:
        env.close()


def test_sigstop_worker_memory_bounded():
    seconds = int(os.environ.get("QF_STOP_SECONDS", "30"))
    env = Env()
    try:
        env.start_daemon(release=True)
        legal = env.start_worker("legal")
        env.start_worker("finance")
        env.start_worker("technical")
        c = env.client()
        time.sleep(0.5)
        legal.send_signal(signal.SIGSTOP)
        samples = []
        end = time.time() + seconds
        while time.time() < end:
            drive(c, "s%d" % len(samples), 0.5, window=8)
            samples.append(env.rss_kib(env.daemon.pid))
            time.sleep(0.5)
        n = len(states(env))
        floors, last = positions(env)
        backlog = last - floors["legal"]
        print("# legal stopped %d s: %d qualifications, legal %d events behind; daemon RSS "
              "%.1f MiB at 5 s, %.1f MiB peak, %.1f MiB at the end" % (
                  seconds, n, backlog, samples[min(4, len(samples) - 1)] / 1024,
                  max(samples) / 1024, samples[-1] / 1024))
        assert backlog > 100, "the stopped worker was not behind"
        growth = (samples[-1] - samples[min(4, len(samples) - 1)]) / 1024
        assert growth < 32, "daemon memory grew %.1f MiB while a worker was stopped" % growth
        legal.send_signal(signal.SIGCONT)
        wait_all_reviewed(env, 120)
        check_exactly_once(env)
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_faults", [test_kill9_daemon_under_load, test_kill9_workers_mid_processing,
                   test_sigstop_worker_memory_bounded])
