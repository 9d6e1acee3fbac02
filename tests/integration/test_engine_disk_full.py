"""A full disk, for real: the database on a small tmpfs filled to the last
block while a client retries, then a little space freed.

While full: the log stays a few lines whatever the number of failed
commits (repeats are counted: "repeated N more times"), the 500 reply says
the storage is full, and `qualflow status` shows it. After a little space
is freed the daemon commits again by itself, and every command answered
200 is in the database, once. A second test checks that the WAL file is
cut back after a burst (journal_size_limit), which bounds what a
checkpoint needs on a full disk.

Mounting needs root (as in CI); elsewhere the disk test says it is skipped.
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import GOOD, Env, cli, run, wait_for  # noqa: E402

DISK = "4m"                  # the small disk: room for the schema of every module (0.7 MiB) and its WAL
CHUNK = 64 * 1024            # the filler's files
FREED_CHUNKS = 4             # "a little space": 256 KiB
FAILURES = 600               # failed requests the retrying client sees while full
WAL_LIMIT = 4 * 1024 * 1024  # journal_size_limit (daemon/qf_store.c)


class SmallDisk:
    """A tmpfs of DISK mounted on a fresh directory; always unmounted."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="qf-disk.")
        self.mounted = False
        self.fillers = []

    def mount(self):
        """True when mounted; False (with the reason in self.why) when this
        machine does not allow it."""
        if os.geteuid() != 0:
            self.why = "mounting a small tmpfs needs root"
            return False
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % DISK, "tmpfs",
                            self.dir], capture_output=True, text=True)
        if p.returncode != 0:
            self.why = "mount -t tmpfs refused: %s" % (p.stderr.strip() or p.returncode)
            return False
        self.mounted = True
        return True

    def fill(self):
        """Writes files until the disk refuses a single block more."""
        for size in (CHUNK, 4096):
            while True:
                path = os.path.join(self.dir, "filler-%d" % len(self.fillers))
                try:
                    with open(path, "wb") as f:
                        f.write(b"\xa5" * size)
                    self.fillers.append(path)
                except OSError:
                    os.remove(path)
                    break
        free = os.statvfs(self.dir)
        assert free.f_bavail == 0, "the disk still has %d blocks free" % free.f_bavail

    def free(self, chunks):
        for path in self.fillers[:chunks]:
            os.remove(path)
        del self.fillers[:chunks]

    def close(self):
        if self.mounted:
            r = subprocess.run(["umount", self.dir], capture_output=True)
            if r.returncode != 0:  # still busy: detach it now, it goes when released
                subprocess.run(["umount", "-l", self.dir], capture_output=True)
        os.rmdir(self.dir)


def drive(client, prefix, done, window=8, deadline=60):
    """A retrying client: adds qualifications named PREFIX-N, `window` in
    flight, each retried with its idempotency key until it is answered 200,
    until done(stats) or the deadline; then collects the answers in flight.
    Returns stats: ok (names answered 200), failures, messages (of 500s)."""
    stats = {"ok": set(), "failures": 0, "messages": set()}
    pending = {}
    n = 0
    end = time.time() + deadline

    def send(name):
        rid = client.send("qual.add", dict(GOOD, name=name), role="review", key="k-" + name)
        pending[rid] = name

    while True:
        going = not done(stats) and time.time() < end
        while going and len(pending) < window:
            send("%s-%d" % (prefix, n))
            n += 1
        if not pending:
            return stats
        rid, status, body = client.recv(20000)
        name = pending.pop(rid, None)
        if name is None:
            continue
        if status == 200:
            stats["ok"].add(name)
            continue
        assert status == 500, "%s answered %d: %s" % (name, status, body)
        stats["failures"] += 1
        stats["messages"].add(body["error"]["message"])
        if going:
            send(name)


def log_lines(env):
    with open(os.path.join(env.dir, "daemon.log"), errors="replace") as f:
        return f.read().splitlines()


def test_full_disk_few_log_lines_clear_replies_and_recovery():
    disk = SmallDisk()
    env = None
    try:
        if not disk.mount():
            # Only a non-root run may go without: as root (CI) a refused
            # mount is a failure, never a silent pass.
            assert os.geteuid() != 0, "as root, cannot mount a small tmpfs: %s" % disk.why
            print("# skipped: %s; the full-disk test needs a real small filesystem" % disk.why,
                  flush=True)
            return
        env = Env({"database": os.path.join(disk.dir, "qualflow.db")})
        env.db = os.path.join(disk.dir, "qualflow.db")  # for env.sql
        env.start_daemon()
        c = env.client()
        before = drive(c, "before", lambda s: len(s["ok"]) >= 30)
        assert len(before["ok"]) >= 30 and before["failures"] == 0, before

        disk.fill()
        start = len(log_lines(env))
        full = drive(c, "full", lambda s: s["failures"] >= FAILURES)
        storm = [line for line in log_lines(env)[start:] if " ERROR " in line or " WARN " in line]
        assert full["failures"] >= FAILURES, "only %d failures in 60 s" % full["failures"]
        # Without the repeat count, every failed batch wrote two ERROR lines.
        assert len(storm) * 20 <= full["failures"], \
            "%d log lines for %d failed requests:\n%s" % (
                len(storm), full["failures"], "\n".join(storm[:10]))
        assert all("storage full" in m for m in full["messages"]), full["messages"]

        status = json.loads(cli(env, "--json", "status"))
        storage = status.get("storage", {})
        assert storage.get("state") == "full" and storage.get("refused_commits", 0) > 0, storage
        text = cli(env, "status")
        assert re.search(r"(?m)^storage:\n(  .*\n)*  state: full$", text), text
        assert "refused_commits:" in text and "free space there" in text, text

        disk.free(FREED_CHUNKS)
        after = drive(c, "after", lambda s: len(s["ok"]) >= 60, deadline=30)
        assert len(after["ok"]) >= 60, "%d commits in 30 s after freeing %d KiB: %s" % (
            len(after["ok"]), FREED_CHUNKS * CHUNK // 1024, after["messages"])
        # Commits again; a 4 MiB disk stays low on space (under 8 MiB free).
        storage = json.loads(cli(env, "--json", "status"))["storage"]
        assert storage["state"] == "low" and "refused_commits" not in storage, storage
        c.close()

        env.kill_daemon(sig=signal.SIGTERM)
        assert env.daemon.returncode == 0, "qualflowd exited with %s" % env.daemon.returncode
        answered = before["ok"] | full["ok"] | after["ok"]
        # The database as the stop left it (a daemon would recover it first).
        rows = [r[0] for r in env.sql("SELECT name FROM qualifications")]
        assert len(rows) == len(set(rows)), "a retried command was applied twice"
        missing = answered - set(rows)
        assert not missing, "answered but not stored: %s" % sorted(missing)[:5]
        extra = set(rows) - answered
        assert not extra, "stored but never answered 200: %s" % sorted(extra)[:5]
        created = env.sql("SELECT count(*) FROM events WHERE topic='qualification.created'")
        assert created[0][0] == len(rows), created
        assert env.sql("PRAGMA integrity_check")[0][0] == "ok"

        log = "\n".join(log_lines(env)[start:])
        counts = re.findall(r"a batch could not be committed: storage full.*"
                            r"\(repeated (\d+) more times in the last \d+ s\)", log)
        assert counts, "no count of the repeated batch failures:\n%s" % log[-2000:]
        assert "commits are written again" in log, log[-2000:]
    finally:
        if env:
            env.close()
        disk.close()


def test_wal_is_cut_back_after_a_burst():
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        # A reader holding a snapshot keeps every checkpoint from reaching
        # the end of the WAL, so a burst grows it past the limit.
        reader = sqlite3.connect(env.db, timeout=30, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM events").fetchall()
        wal = env.db + "-wal"
        n = 0
        while os.path.getsize(wal) <= 2 * WAL_LIMIT:
            status, body = c.call("qual.add", dict(GOOD, name="burst-%d" % n), role="review")
            assert status == 200, body
            n += 1
            assert n < 20000, "the WAL did not grow"
        grown = os.path.getsize(wal)
        reader.execute("COMMIT")
        reader.close()

        # Once a checkpoint has caught up, the next commit starts the WAL
        # again and cuts its file back.
        def cut():
            status, body = c.call("qual.add", dict(GOOD, name="after-%d" % time.time()),
                                  role="review")
            assert status == 200, body
            return os.path.getsize(wal) <= WAL_LIMIT
        assert wait_for(cut, 20, 0.2), "the WAL stayed at %d bytes after %d (limit %d)" % (
            os.path.getsize(wal), grown, WAL_LIMIT)
        status = json.loads(cli(env, "--json", "status"))["storage"]
        assert status["state"] == "ok" and status["wal_bytes"] <= WAL_LIMIT, status
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_disk_full", [test_full_disk_few_log_lines_clear_replies_and_recovery,
                      test_wal_is_cut_back_after_a_burst])
