#!/usr/bin/python3
"""celery_peer — the same end-to-end workload as qualflow's benchmark, run on
the stack a team would otherwise pick: Celery with a Redis broker.

  /usr/bin/python3 bench/celery_peer.py [--count N] [--appendfsync always|everysec]
                                        [--prefetch K] [--producers P]
                                        [--timeout SECONDS] [--worker-loglevel LEVEL]

Workload: the producer (this script) submits N units of work. Each unit is one
durable message that must be processed by two independent consumers, as
qualflow delivers each event to two consumer groups: the unit is published to
two queues, `group_a` and `group_b`, each consumed by its own Celery worker
process (`--pool solo --concurrency 1`). Each worker acknowledges a message
only after processing it (`task_acks_late=True`). Redis runs with
`appendonly yes` and `appendfsync always`, so every write (publish, move to
the unacked set, ack, completion count) is fsync'd before Redis answers.

Prefetch: `worker_prefetch_multiplier=2` by default. With the solo pool a
worker still holds at most one unacknowledged message at a time (the task
runs inside the read handler, and the next BRPOP is only sent after it
returns; checked with Redis MONITOR: never more than one entry in `unacked`
per worker), so 2 behaves as "one at a time". 1 cannot be used with Debian 12's
Celery 5.2.6 / kombu 5.2.4 Redis transport: the late ack is queued on the
event loop and runs *after* the loop's tick has already decided the channel
may not consume, so the worker sleeps until its next timer (5-10 s) before
every message (celery/celery#7718, #4378); the same happens with the prefork
and threads pools. `--prefetch 1` is accepted to show that, and warns.

Completion counting: each task does one `HINCRBY qf:done <group> 1` in Redis
(itself a durable write, like a consumer recording its result); the worker
whose count reaches N pushes its group onto `qf:finished`, which this script
waits on with BLPOP. No result backend is used (`task_ignore_result=True`).

The clock runs from the first publish until both groups have processed all N
units. Output (stdout), on success, exit 0:

  celery_events_per_s <N / elapsed seconds>
  celery_config appendfsync=always acks_late=True prefetch=2 ...

On failure: a message on stderr (with the tail of the worker/Redis logs) and
exit 1. The script starts its own redis-server (127.0.0.1 only, free port,
temporary directory) and two workers, and always stops them and removes the
directory, on success, error, timeout, Ctrl-C or SIGTERM.

Needs Debian's python3-celery, python3-redis and redis-server
(`scripts/install-deps --bench`). This file is also the Celery app module the
workers import (`-A celery_peer`).
"""

import os
import signal
import sys

if __name__ == "__main__":
    # Ctrl-C works from the start even where SIGINT came in ignored (a
    # background job of a script); nothing is started before main().
    signal.signal(signal.SIGINT, signal.default_int_handler)

# --------------------------------------------------------------------------
# Celery app (imported by the workers as module `celery_peer`; the broker URL
# and the worker's group come from the environment the driver sets).

try:
    import redis
    from celery import Celery
    from celery.signals import worker_ready
except ImportError as e:  # pragma: no cover - environment problem
    sys.stderr.write(
        "celery_peer: %s; install Debian's python3-celery python3-redis redis-server "
        "(scripts/install-deps --bench) and run with /usr/bin/python3\n" % e
    )
    sys.exit(1)

ENV_BROKER = "QF_CELERY_BROKER"
ENV_GROUP = "QF_CELERY_GROUP"
ENV_COUNT = "QF_CELERY_COUNT"
ENV_PREFETCH = "QF_CELERY_PREFETCH"
GROUPS = ("group_a", "group_b")
DONE_KEY = "qf:done"          # hash: group -> processed count
FINISHED_KEY = "qf:finished"  # list: groups that reached N
READY_KEY = "qf:ready:"       # + group: set when that worker is consuming
TASK_NAME = "qf.process"

app = Celery("celery_peer")
app.conf.update(
    broker_url=os.environ.get(ENV_BROKER, "redis://127.0.0.1:6379/0"),
    broker_connection_retry_on_startup=True,
    result_backend=None,
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=False,
    worker_prefetch_multiplier=int(os.environ.get(ENV_PREFETCH, "2")),
    task_serializer="json",
    accept_content=["json"],
    event_serializer="json",
    worker_send_task_events=False,
    task_send_sent_event=False,
)

_redis = None


def _r():
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(app.conf.broker_url)
    return _redis


@app.task(name=TASK_NAME, acks_late=True, ignore_result=True)
def process(unit, group, payload):
    """One consumer's processing of one unit: check the payload (as qualflow's
    workers check an event against rules), record completion durably."""
    if not payload.get("cert_no") or not payload.get("authority"):
        raise ValueError("unit %s: bad payload" % unit)
    n = _r().hincrby(DONE_KEY, group, 1)
    if n == int(os.environ.get(ENV_COUNT, "0")):
        _r().rpush(FINISHED_KEY, group)
    return None


@worker_ready.connect
def _on_worker_ready(sender=None, **_):
    group = os.environ.get(ENV_GROUP)
    if group:
        _r().set(READY_KEY + group, os.getpid())


# --------------------------------------------------------------------------
# Driver.

PAYLOAD = {  # the same arguments as bench/load.c's qual.add
    "name": "bench",
    "cert_no": "D234000001",
    "authority": "安徽省住房和城乡建设厅",
    "category": "construction-general",
    "scope": "建筑工程施工总承包二级",
    "issued": "2025-01-01",
    "expires": "2030-01-01",
}


class Failure(Exception):
    pass


def _log(msg):
    sys.stderr.write("celery_peer: %s\n" % msg)
    sys.stderr.flush()


def _free_port():
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_setup():
    """In the child before exec: own process group (so the driver can stop the
    whole group, and Ctrl-C in the terminal reaches only the driver, which
    then stops the children in order), and die with the driver even if it is
    SIGKILLed (PR_SET_PDEATHSIG)."""
    os.setsid()
    try:
        import ctypes
        import signal as _signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(_signal.SIGKILL), 0, 0, 0)
    except Exception:
        pass


def _tail(path, lines=15):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join("    " + l for l in data[-lines:])
    except OSError:
        return "    (no log)"


def _stop(proc, name, term_wait):
    """SIGTERM the child's process group, SIGKILL it if still there after
    term_wait seconds. Only our own children, by their pid / process group."""
    import signal
    import subprocess

    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=term_wait)
    except subprocess.TimeoutExpired:
        _log("%s did not stop in %.0f s; killing it" % (name, term_wait))
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _start_redis(server, tmpdir, appendfsync, children):
    import subprocess
    import time

    for attempt in range(5):
        port = _free_port()
        log = os.path.join(tmpdir, "redis.log")
        cmd = [
            server,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--protected-mode", "yes",
            "--appendonly", "yes",
            "--appendfsync", appendfsync,
            "--save", "",
            "--dir", tmpdir,
            "--daemonize", "no",
            "--logfile", log,
        ]
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=_child_setup, close_fds=True,
        )
        children.append(("redis-server", proc))
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1,
                             socket_timeout=None)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                if client.ping():
                    return proc, port, client
            except redis.exceptions.RedisError:
                pass
            time.sleep(0.05)
        exited = proc.poll() is not None
        _stop(proc, "redis-server", 5)
        children.remove(("redis-server", proc))
        if not exited:
            raise Failure("redis-server on port %d did not answer PING in 10 s\n%s"
                          % (port, _tail(log)))
        _log("redis-server exited at start on port %d (attempt %d); retrying"
             % (port, attempt + 1))
    raise Failure("redis-server would not start\n%s" % _tail(os.path.join(tmpdir, "redis.log")))


def _start_worker(group, tmpdir, broker, count, prefetch, loglevel, children):
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ)
    env.update({
        ENV_BROKER: broker,
        ENV_GROUP: group,
        ENV_COUNT: str(count),
        ENV_PREFETCH: str(prefetch),
        "PYTHONPATH": here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ in bench/
        "PYTHONUNBUFFERED": "1",
    })
    log = os.path.join(tmpdir, "worker-%s.log" % group)
    cmd = [
        "/usr/bin/python3", "-m", "celery", "-A", "celery_peer", "worker",
        "-Q", group, "-n", "%s@%%h" % group,
        "--pool", "solo", "--concurrency", "1",
        "--prefetch-multiplier", str(prefetch),
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", loglevel,
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=tmpdir, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, preexec_fn=_child_setup, close_fds=True,
        )
    children.append(("worker " + group, proc))
    return proc, log


def _publish(count, producers, deadline, check_children):
    """Publish units 0..count-1, each to every group's queue, from `producers`
    threads (unit i by thread i % producers), each with its own broker
    connection: like several application processes submitting work, so that
    a publish waiting for Redis's fsync does not stop the others."""
    import threading
    import time

    stop = threading.Event()
    errors = []
    sent = [0] * producers

    def produce(k):
        try:
            with app.producer_or_acquire() as producer:
                for i in range(k, count, producers):
                    if stop.is_set():
                        return
                    for group in GROUPS:
                        process.apply_async((i, group, PAYLOAD), queue=group,
                                            routing_key=group, producer=producer)
                    sent[k] += 1
        except Exception as e:  # reported by the main thread
            errors.append("%s: %s" % (type(e).__name__, e))
            stop.set()

    threads = [threading.Thread(target=produce, args=(k,), daemon=True,
                                name="producer-%d" % k) for k in range(producers)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.2)
                if errors:
                    break
                check_children()
                if time.monotonic() > deadline:
                    raise Failure("timeout while publishing: %d of %d units sent"
                                  % (sum(sent), count))
            if errors:
                raise Failure("publishing failed: %s" % errors[0])
    finally:
        stop.set()


def run(args):
    import shutil
    import tempfile
    import time

    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.access(server, os.X_OK):
        raise Failure("redis-server not found; install Debian's redis-server "
                      "(scripts/install-deps --bench)")

    tmpdir = tempfile.mkdtemp(prefix="qf-celery-peer-")
    children = []  # (name, Popen) in start order, registered right after each start
    workers = []  # (group, proc, log)
    try:
        redis_proc, port, client = _start_redis(server, tmpdir, args.appendfsync, children)
        broker = "redis://127.0.0.1:%d/0" % port
        app.conf.broker_url = broker

        for group in GROUPS:
            proc, log = _start_worker(group, tmpdir, broker, args.count, args.prefetch,
                                      args.worker_loglevel, children)
            workers.append((group, proc, log))

        def check_children():
            if redis_proc.poll() is not None:
                raise Failure("redis-server exited (status %s)\n%s"
                              % (redis_proc.returncode, _tail(os.path.join(tmpdir, "redis.log"))))
            for group, proc, log in workers:
                if proc.poll() is not None:
                    raise Failure("worker %s exited (status %s)\n%s"
                                  % (group, proc.returncode, _tail(log)))

        deadline = time.monotonic() + 60
        while True:
            check_children()
            if all(client.exists(READY_KEY + g) for g in GROUPS):
                break
            if time.monotonic() > deadline:
                raise Failure("workers not ready in 60 s\n" + "\n".join(
                    "  %s:\n%s" % (g, _tail(l)) for g, _, l in workers))
            time.sleep(0.05)

        # Timed section: publish N units, each to both groups' queues, and
        # wait until both groups have processed (and counted) all N.
        start = time.monotonic()
        deadline = start + args.timeout
        _publish(args.count, args.producers, deadline, check_children)
        published = time.monotonic() - start
        finished = set()
        while len(finished) < len(GROUPS):
            check_children()
            left = deadline - time.monotonic()
            if left <= 0:
                done = {k.decode(): int(v) for k, v in client.hgetall(DONE_KEY).items()}
                raise Failure("timeout (%.0f s): processed %s of %d units per group\n%s"
                              % (args.timeout, done, args.count, "\n".join(
                                  "  %s:\n%s" % (g, _tail(l)) for g, _, l in workers)))
            item = client.blpop(FINISHED_KEY, timeout=max(0.05, min(1.0, left)))
            if item:
                finished.add(item[1].decode())
        elapsed = time.monotonic() - start

        done = {k.decode(): int(v) for k, v in client.hgetall(DONE_KEY).items()}
        if any(done.get(g, 0) != args.count for g in GROUPS):
            raise Failure("unexpected counts %s (expected %d per group)" % (done, args.count))

        print("celery_events_per_s %.1f" % (args.count / elapsed))
        print("celery_config appendfsync=%s acks_late=True prefetch=%d pool=solo "
              "concurrency=1 workers=%d producers=%d completion=redis_hincrby"
              % (args.appendfsync, args.prefetch, len(GROUPS), args.producers))
        sys.stdout.flush()
        _log("%d units (%d tasks) in %.3f s (publishing took %.3f s), celery %s, redis-py %s"
             % (args.count, args.count * len(GROUPS), elapsed, published,
                __import__("celery").__version__, redis.__version__))
    finally:
        import signal

        # Finish cleaning up even if Ctrl-C is pressed again.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # Workers first (a warm shutdown needs the broker), then Redis.
        for name, proc in reversed(children):
            _stop(proc, name, 10)
        shutil.rmtree(tmpdir, ignore_errors=True)


def main(argv=None):
    import argparse
    import signal

    p = argparse.ArgumentParser(
        description="Celery+Redis peer of qualflow's end-to-end benchmark")
    p.add_argument("--count", type=int, default=2000,
                   help="units of work (each processed by both consumers); default 2000")
    p.add_argument("--appendfsync", choices=("always", "everysec"), default="always",
                   help="Redis AOF fsync policy; default always")
    p.add_argument("--prefetch", type=int, default=2,
                   help="worker_prefetch_multiplier; default 2 (1 stalls with "
                        "Debian 12's kombu Redis transport, see the module doc)")
    p.add_argument("--producers", type=int, default=1,
                   help="producer threads, each with its own broker connection; "
                        "default 1")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds allowed for the timed part; default 300")
    p.add_argument("--worker-loglevel", default="WARNING",
                   help="Celery workers' log level (logs are shown on failure); "
                        "default WARNING")
    try:
        args = p.parse_args(argv)
    except SystemExit as e:  # usage errors exit 1 like every other failure
        return 0 if e.code in (0, None) else 1
    if args.count < 1 or args.prefetch < 1 or args.producers < 1 or args.timeout <= 0:
        _log("--count, --prefetch and --producers must be >= 1, --timeout > 0")
        return 1
    if args.prefetch == 1:
        _log("warning: prefetch 1 with acks_late on this kombu Redis transport waits "
             "for a worker timer (5-10 s) before each message; expect a timeout")

    def on_term(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    # Ctrl-C raises KeyboardInterrupt even where SIGINT came in ignored (a
    # background job of a script); SIGTERM and SIGHUP do the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    try:
        run(args)
    except Failure as e:
        _log("FAILED: %s" % e)
        return 1
    except KeyboardInterrupt:
        _log("interrupted; stopped redis-server and workers")
        return 1
    except Exception as e:
        _log("FAILED: %s: %s" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
