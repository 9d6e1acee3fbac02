#!/usr/bin/python3
"""The one watchdog of the tests: a process still running after its limit
is a hang; it is stopped with everything it started, and the caller is told
why, so that no test waits forever and the next one runs.

tests/run holds each test program to its limit, lib.sh each shell test
function, and qfharness.run each Python test function (run in a child
process), all through this file:

    qfwatchdog.py run LIMIT COMMAND...     runs COMMAND; exit 124 on a hang
    qfwatchdog.py watch PID [FILE]         kills PID's tree after the limit of
                                           one test, writing the verdict to FILE

The limit of one test is QF_TEST_LIMIT seconds (limit() below).
"""
import os
import signal
import subprocess
import sys
import time

DEFAULT_TEST_LIMIT = 300


def limit():
    """Seconds one test may take: QF_TEST_LIMIT, else DEFAULT_TEST_LIMIT."""
    return int(os.environ.get("QF_TEST_LIMIT") or DEFAULT_TEST_LIMIT)


def verdict(seconds):
    return "still running after %ss: killed by the watchdog" % seconds


def _parents():
    """{pid: parent pid} of every process now."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name, "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                out[int(name)] = (int(fields[1]), int(fields[2]))  # ppid, pgid
            except (OSError, IndexError, ValueError):
                pass
    return out


def _tree(pid, group=None):
    """pid, its descendants and, with `group`, that process group's members."""
    procs = _parents()
    found = {pid}
    grown = True
    while grown:
        grown = False
        for p, (ppid, pgid) in procs.items():
            if p not in found and (ppid in found or (group is not None and pgid == group)):
                found.add(p)
                grown = True
    return found


def _alive(pid):
    """Running, not a zombie waiting to be reaped."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def kill_tree(pid, group=None):
    """Stops the whole tree first (so nothing forks meanwhile), then kills it."""
    seen = set()
    while True:
        tree = _tree(pid, group) - seen - {os.getpid()}
        if not tree:
            break
        for p in tree:
            try:
                os.kill(p, signal.SIGSTOP)
            except OSError:
                pass
        seen |= tree
    for p in seen:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def wait(pid, seconds, group=None, why=None):
    """Waits up to `seconds` for process `pid` to end. Returns its exit
    status (as a shell gives it: 128 + N for signal N) when it is our child,
    0 when it is not; None for a hang, after killing its tree and writing the
    verdict to the file `why` (if given) and to stderr."""
    deadline = time.time() + seconds
    step = 0.01
    while time.time() < deadline:
        try:
            got, status = os.waitpid(pid, os.WNOHANG)
            if got == pid:
                return os.waitstatus_to_exitcode(status) if status & 0x7f == 0 \
                    else 128 + (status & 0x7f)
        except ChildProcessError:
            if not _alive(pid):
                return 0
        time.sleep(step)
        step = min(step * 2, 0.1)
    kill_tree(pid, group)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    text = verdict(seconds)
    if why:
        with open(why, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print("%s (pid %d)" % (text, pid), file=sys.stderr, flush=True)
    return None


def main(argv):
    if len(argv) >= 3 and argv[0] == "run":
        seconds = int(argv[1])
        # Its own process group, so that what the command leaves behind
        # (a daemon whose parent died) is found too.
        p = subprocess.Popen(argv[2:], start_new_session=True)
        # Being stopped (or ^C: the command is not in the terminal's
        # group) stops the command with everything it started.
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda n, _: (kill_tree(p.pid, p.pid), sys.exit(128 + n)))
        rc = wait(p.pid, seconds, group=p.pid)
        return 124 if rc is None else rc
    if len(argv) in (2, 3) and argv[0] == "watch":
        rc = wait(int(argv[1]), limit(), why=argv[2] if len(argv) == 3 else None)
        return 124 if rc is None else 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
