"""Test harness for qualflow integration tests written in Python.

Real processes only: qualflowd and the C workers from $QF_BIN, talking
over ipc sockets in a private temporary directory.  The client and the
protocol worker here speak QFLOW/1 as proto/PROTOCOL.md describes it.
Every wait is bounded; every test prints PASS/FAIL lines for tests/run.
"""
import calendar
import contextlib
import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qfconfig  # noqa: E402
import qfwatchdog  # noqa: E402

ROOT = os.environ.get("QF_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("QF_BIN") or os.path.join(ROOT, "bin")
# Memory is measured on the release build: a sanitizer's allocator holds freed
# memory in quarantine, so its resident size says nothing about the daemon.
RELEASE_BIN = os.environ.get("QF_RELEASE_BIN") or BIN
SIG = b"QFLOW/1"


class Env:
    """A temporary directory with a config whose database and sockets live in it."""

    def __init__(self, overrides=None, extra=""):
        self.dir = tempfile.mkdtemp(prefix="qf-py.")
        self.conf = qfconfig.write(self.dir, overrides, extra)
        self.db = os.path.join(self.dir, "qualflow.db")
        self.procs = []
        self.daemon = None
        self.ctx = zmq.Context()

    def endpoint(self, name):
        return "ipc://%s/%s.sock" % (self.dir, name)

    def dealer(self, name, ctx=None):
        """A DEALER connected to the daemon's socket `name` (command or
        worker): no linger, and a send to a dead peer gives up after 5 s."""
        return dealer(ctx or self.ctx, self.endpoint(name))

    def start_daemon(self, wait=True, release=False, env=None):
        log = open(os.path.join(self.dir, "daemon.log"), "ab")
        binary = os.path.join(RELEASE_BIN if release else BIN, "qualflowd")
        e = dict(os.environ)
        e.update(env or {})
        self.daemon = subprocess.Popen([binary, "-c", self.conf],
                                       stdout=log, stderr=subprocess.STDOUT, env=e)
        self.procs.append(self.daemon)
        if wait:
            client = self.client()
            deadline = time.time() + 20
            while time.time() < deadline:
                try:
                    if client.call("ping", timeout=300)[0] == 200:
                        break
                except TimeoutError:
                    pass
                if self.daemon.poll() is not None:
                    raise RuntimeError("qualflowd exited with %s" % self.daemon.returncode)
            else:
                raise RuntimeError("qualflowd did not answer within 20 s")
            client.close()
        return self.daemon

    def kill_daemon(self, sig=signal.SIGKILL):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(sig)
            self.daemon.wait(timeout=30)

    def start_worker(self, name, *args, env=None):
        log = open(os.path.join(self.dir, "worker-%s.log" % name), "ab")
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.Popen([os.path.join(BIN, "qualflow-" + name), "-c", self.conf] + list(args),
                             stdout=log, stderr=subprocess.STDOUT, env=e)
        self.procs.append(p)
        return p

    def client(self):
        return Client(self.ctx, self.endpoint("command"))

    def sql(self, query, *params):
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def rss_kib(self, pid):
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self, pid):
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.ctx.destroy(linger=0)
        os.environ.pop("QUALFLOW_TEST_CLOCK_FILE", None)
        if not os.environ.get("QF_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


def dealer(ctx, endpoint):
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDTIMEO, 5000)  # a dead peer never blocks a send forever
    sock.connect(endpoint)
    return sock


class Client:
    """A DEALER client: call() waits for one reply; send()/recv() pipeline."""

    def __init__(self, ctx, endpoint):
        self.sock = dealer(ctx, endpoint)
        self.next_id = 0

    def send(self, command, args=None, role="admin", key=None, user=None):
        self.next_id += 1
        body = {"role": role, "args": args or {}}
        if key:
            body["idempotency_key"] = key
        if user:
            body["user"] = user
        rid = str(self.next_id).encode()
        self.sock.send_multipart([SIG, b"REQUEST", rid, command.encode(),
                                  json.dumps(body).encode()])
        return rid

    def recv(self, timeout=5000):
        if not self.sock.poll(timeout):
            raise TimeoutError("no reply within %d ms" % timeout)
        f = self.sock.recv_multipart()
        return f[2], int(f[3]), json.loads(f[4])

    def call(self, command, args=None, role="admin", key=None, timeout=10000, user=None):
        rid = self.send(command, args, role, key, user)
        deadline = time.time() + timeout / 1000
        while True:
            left = int((deadline - time.time()) * 1000)
            if left <= 0:
                raise TimeoutError("no reply to %s" % command)
            got, status, body = self.recv(left)
            if got == rid:
                return status, body

    def close(self):
        self.sock.close(linger=0)


class Worker:
    """A protocol-level worker session in a consumer group. `lead` frames
    go before the HELLO (an empty delimiter, say); `first` is the answer
    as it came, `welcome` its body."""

    def __init__(self, env, group, instance, topics=None, window=None, lead=()):
        self.sock = env.dealer("worker")
        hello = {"group": group, "instance": instance}
        if topics is not None:
            hello["topics"] = topics
        if window is not None:
            hello["window"] = window
        self.sock.send_multipart(list(lead) + [SIG, b"HELLO", json.dumps(hello).encode()])
        if not self.sock.poll(5000):
            raise RuntimeError("no answer to HELLO within 5 s")
        self.first = self.sock.recv_multipart()
        if self.first[:2] != [SIG, b"WELCOME"]:
            raise RuntimeError("HELLO refused: %r" % (self.first[:5],))
        self.welcome = json.loads(self.first[2])

    def recv(self, timeout):
        if not self.sock.poll(timeout):
            return None
        f = self.sock.recv_multipart()
        assert f[0] == SIG, f
        return f[1:]

    def send(self, *frames):
        """Sends a message: frames after the signature, numbers as text."""
        self.sock.send_multipart([SIG] + [f if isinstance(f, bytes) else str(f).encode()
                                          for f in frames])

    def next(self, timeout=5000):
        """The next message other than HEARTBEAT (which is answered), as
        frames after the signature; None on timeout."""
        deadline = time.time() + timeout / 1000
        while True:
            left = int((deadline - time.time()) * 1000)
            if left <= 0:
                return None
            msg = self.recv(left)
            if msg is None:
                return None
            if msg[0] == b"HEARTBEAT":
                self.heartbeat()
                continue
            return msg

    def next_delivery(self, timeout=5000):
        """The next DELIVER as a dict, answering HEARTBEATs; None on timeout.
        An ERROR on the way is kept in last_error."""
        deadline = time.time() + timeout / 1000
        while True:
            msg = self.next(int((deadline - time.time()) * 1000))
            if msg is None:
                return None
            if msg[0] == b"DELIVER":
                return {"seq": int(msg[1]), "id": msg[2].decode(), "topic": msg[3].decode(),
                        "subject": msg[4].decode(), "time": int(msg[5]),
                        "attempt": int(msg[6]), "flags": int(msg[7]),
                        "payload": json.loads(msg[8])}
            if msg[0] == b"ERROR":
                self.last_error = (int(msg[1]), int(msg[2]), msg[3].decode())

    def ack(self, d, result=None):
        self.sock.send_multipart([SIG, b"ACK", str(d["seq"]).encode(), d["id"].encode(),
                                  json.dumps(result or {}).encode()])

    def nack(self, d, delay=0, reason="failed"):
        self.sock.send_multipart([SIG, b"NACK", str(d["seq"]).encode(), d["id"].encode(),
                                  str(delay).encode(), reason.encode()])

    def heartbeat(self):
        self.sock.send_multipart([SIG, b"HEARTBEAT"])

    def expect_error(self, timeout=3000):
        deadline = time.time() + timeout / 1000
        while time.time() < deadline:
            msg = self.recv(int((deadline - time.time()) * 1000) + 1)
            if msg is None:
                return None
            if msg[0] == b"ERROR":
                return int(msg[1]), int(msg[2]), msg[3].decode()
        return None

    def close(self, bye=True):
        if bye:
            self.send(b"BYE")
        self.sock.close(linger=200)


GOOD = {"cert_no": "D234000001", "authority": "安徽省住房和城乡建设厅",
        "category": "construction-general", "scope": "建筑工程施工总承包二级",
        "issued": "2025-01-01", "expires": "2030-01-01",
        "acquisition_cost": 100000, "expected_revenue": 180000}


def ms(text):
    """Epoch milliseconds of an ISO UTC time like 2026-09-30T01:00:00."""
    return calendar.timegm(datetime.datetime.fromisoformat(text).timetuple()) * 1000


class Clock:
    """The daemon's test clock (QUALFLOW_TEST_CLOCK_FILE, read through
    qf_time_now_ms()); set for the processes an Env starts from now on, and
    forgotten by Env.close()."""

    def __init__(self, env, start):
        self.path = os.path.join(env.dir, "clock")
        self.set(start)
        os.environ["QUALFLOW_TEST_CLOCK_FILE"] = self.path

    def set(self, text, client=None):
        self.set_ms(ms(text), client)

    def set_ms(self, value, client=None):
        """Sets the clock; with a client, returns once the daemon's batches
        read the new time (ping's "time"): a batch reads the clock once,
        when it wakes, so a request sent just after the change could
        otherwise be handled at the old time."""
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(value))
        os.replace(tmp, self.path)
        if client is not None:
            def seen():
                status, body = client.call("ping")
                return status == 200 and body["result"]["time"] == value
            assert wait_for(seen, 10), "the daemon did not read the test clock within 10 s"


WORKERS = ("legal", "finance", "technical", "renewal", "sales", "aftersales", "notify")


def start_all(env, workers=WORKERS):
    """Starts the daemon and the workers (by default the seven of config/)."""
    env.start_daemon()
    for w in workers:
        env.start_worker(w)


@contextlib.contextmanager
def running(start, workers=WORKERS):
    """A daemon and its workers with the test clock at `start`: yields
    (env, clock, client); everything stops afterwards."""
    env = Env()
    try:
        clock = Clock(env, start)
        start_all(env, workers)
        yield env, clock, env.client()
    finally:
        env.close()


def add_approved(env, c, **fields):
    """Adds a qualification (GOOD with `fields`), submits it and waits
    until the workers have approved it; returns its id."""
    status, body = c.call("qual.add", dict(GOOD, **fields), role="review")
    assert status == 200, body
    qid = body["result"]["id"]
    assert c.call("qual.submit", {"id": qid}, role="review")[0] == 200
    assert approved(env, qid), states(env)
    return qid


def log_text(env):
    """The daemon's log so far."""
    with open(os.path.join(env.dir, "daemon.log"), encoding="utf-8", errors="replace") as f:
        return f.read()


def cli(env, *args):
    """What `qualflow -c CONF ARGS...` prints on stdout; it must exit 0."""
    p = subprocess.run([os.path.join(BIN, "qualflow"), "-c", env.conf] + list(args),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, "qualflow %s: %s" % (" ".join(args), p.stderr)
    return p.stdout


def ask(env, command, args=None, role="admin"):
    """The result of one command, which must succeed (status 200)."""
    c = env.client()
    try:
        status, body = c.call(command, args or {}, role=role)
    finally:
        c.close()
    assert status == 200, "%s %s: %s %s" % (command, args, status, body)
    return body["result"]


def event_records(env, topic=None):
    """The events of the log (of one topic), in order, as events.list gives them."""
    out, after = [], 0
    while True:
        args = {"after": after, "limit": 1000}
        if topic:
            args["topic"] = topic
        page = ask(env, "events.list", args)["events"]
        out += page
        if len(page) < 1000:
            return out
        after = page[-1]["seq"]


def events(env, topic):
    """The payloads of the events of one topic, in order."""
    return [e["payload"] for e in event_records(env, topic)]


def state(env, qid):
    """A qualification's state, as qual.get shows it."""
    return ask(env, "qual.get", {"id": qid})["state"]


def qualifications(env):
    """Every qualification's record, as qual.list shows them."""
    out, after = [], 0
    while True:
        page = ask(env, "qual.list", {"after_id": after, "limit": 1000})
        out += page["items"]
        if len(page["items"]) < 1000:
            return out
        after = page["next_after_id"]


def states(env):
    """{id: state} of every qualification, as qual.list shows them."""
    return {q["id"]: q["state"] for q in qualifications(env)}


def group(env, name):
    """A consumer group as groups.list shows it (position: its ack floor);
    None when there is none of that name."""
    return next((g for g in ask(env, "groups.list")["groups"] if g["name"] == name), None)


def approved(env, qid, timeout=20):
    return wait_for(lambda: state(env, qid) == "approved", timeout)


def wait_for(cond, timeout, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


def run(suite, tests):
    """Runs each test function in order, each in a child process held to
    QF_TEST_LIMIT seconds by the watchdog (qfwatchdog.py): a hang is killed
    with every process it started and fails that test only, and the next
    one runs. Prints PASS/FAIL; exits 1 on failure."""
    failed = 0
    limit = qfwatchdog.limit()
    for test in tests:
        start = time.time()
        sys.stdout.flush()
        sys.stderr.flush()
        top = tempfile.mkdtemp(prefix="qf-test.")
        pid = os.fork()
        if pid == 0:
            os.setpgid(0, 0)  # the watchdog also finds what a dead parent left
            # Whatever the test makes in the temporary directory goes
            # with it, even when the watchdog stops it before its cleanup.
            tempfile.tempdir = top
            code = 0
            try:
                test()
                print("PASS %s: %s (%.1fs)" % (suite, test.__name__, time.time() - start))
            except BaseException as e:  # noqa: BLE001 - every failure is reported
                code = 1
                print("FAIL %s: %s: %s" % (suite, test.__name__, e))
                traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        rc = qfwatchdog.wait(pid, limit, group=pid)
        if rc is None:
            print("FAIL %s: %s: %s" % (suite, test.__name__, qfwatchdog.verdict(limit)),
                  flush=True)
        elif rc > 1:
            print("FAIL %s: %s: exited with status %d" % (suite, test.__name__, rc), flush=True)
        if rc != 0:
            failed += 1
        if not os.environ.get("QF_KEEP"):
            shutil.rmtree(top, ignore_errors=True)
    sys.exit(1 if failed else 0)
