# Shared helpers for integration tests: real daemon and worker processes in
# a private temporary directory, talking over ipc.  Source this file, define
# test functions, then call `qf_run_tests fn1 fn2 ...`.
#
# Environment: QF_BIN (binaries under test), QF_ROOT (repo root).
set -u
QF_ROOT=${QF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
QF_BIN=${QF_BIN:-$QF_ROOT/bin}
QF_SUITE=${QF_SUITE:-$(basename "$0" .sh)}
# The harness shared with the Python tests: the configuration writer and
# the watchdog (see each file's header).
QF_HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QF_PY=/usr/bin/python3

# Makes $QF_TMP with a config whose database and endpoints live inside it.
qf_setup() {
    QF_TMP=$(mktemp -d /tmp/qf-it.XXXXXX)
    QF_CONF=$("$QF_PY" "$QF_HARNESS/qfconfig.py" write "$QF_TMP")
}

# Sets a key of the test config: qf_config_set KEY VALUE [FILE]. KEY is a
# key of the file ("window", or "delivery.window"); one that is not there
# ends the test (its subshell) as failed, so no test runs on a default.
qf_config_set() {
    "$QF_PY" "$QF_HARNESS/qfconfig.py" set "${3:-$QF_CONF}" "$1=$2" ||
        { qf_fail "qf_config_set $1: no such key in the test configuration"; exit 1; }
}

# Adds a key the config does not have: qf_config_add SECTION.KEY VALUE [FILE].
qf_config_add() {
    "$QF_PY" "$QF_HARNESS/qfconfig.py" add "${3:-$QF_CONF}" "$1=$2" ||
        { qf_fail "qf_config_add $1: could not add it to the test configuration"; exit 1; }
}

# Writes FILE: the test config with endpoints of its own and the same
# database, for a second daemon.
qf_config_second() {
    cp "$QF_CONF" "$1" &&
        "$QF_PY" "$QF_HARNESS/qfconfig.py" set "$1" "command_endpoint=ipc://$QF_TMP/c2.sock" \
            "event_endpoint=ipc://$QF_TMP/e2.sock" "worker_endpoint=ipc://$QF_TMP/w2.sock"
}

qf_cli() { "$QF_BIN/qualflow" -c "$QF_CONF" "$@"; }

# Waits until the daemon answers ping, up to 10 s.
qf_wait_ready() {
    for _ in $(seq 1 100); do
        qf_cli --timeout 500 ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "daemon did not become ready; its log:" >&2
    tail -n 30 "$QF_TMP/daemon.log" >&2
    return 1
}

qf_start_daemon() {
    "$QF_BIN/qualflowd" -c "$QF_CONF" "$@" >>"$QF_TMP/daemon.log" 2>&1 &
    QF_DAEMON_PID=$!
    echo "$QF_DAEMON_PID" >>"$QF_TMP/pids"
    qf_wait_ready
}

# Starts a worker: qf_start_worker legal [args...]; its pid in QF_LAST_PID.
qf_start_worker() {
    local name=$1; shift
    "$QF_BIN/qualflow-$name" -c "$QF_CONF" "$@" >>"$QF_TMP/worker-$name.log" 2>&1 &
    QF_LAST_PID=$!
    echo "$QF_LAST_PID" >>"$QF_TMP/pids"
}

# Whether a process runs: a zombie (exited, parent gone, not yet reaped by
# an init that may never reap) counts as stopped.
qf_alive() {
    local state
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$state" ] && [ "$state" != Z ]
}

# Waits up to $2 seconds (default 10) for a child process to exit and
# returns its exit status. A process still running then is a hang: its
# threads' stacks go to stderr (when gdb is there), it is killed, and the
# status is 255, so no test ever waits forever.
qf_wait_exit() {
    local pid=$1 limit=${2:-10} rc
    for _ in $(seq 1 $((limit * 20))); do
        if ! qf_alive "$pid"; then
            wait "$pid" 2>/dev/null; rc=$?
            return $rc
        fi
        sleep 0.05
    done
    echo "process $pid still running after ${limit}s: $(tr '\0' ' ' <"/proc/$pid/cmdline")" >&2
    command -v gdb >/dev/null &&
        timeout 30 gdb -p "$pid" -batch -ex 'thread apply all bt' 2>/dev/null | grep -E '^(#|Thread)' >&2
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 255
}

# Stops a process with a signal and waits for it (up to 10 s, then KILL).
qf_stop() {
    local pid=$1 sig=${2:-TERM}
    kill -"$sig" "$pid" 2>/dev/null || return 0
    qf_wait_exit "$pid" 10 >/dev/null 2>&1
    [ $? -ne 255 ]
}

# Polls a shell condition until true, up to $2 seconds (default 10).
qf_wait_for() {
    local cond=$1 limit=${2:-10} i
    for i in $(seq 1 $((limit * 10))); do
        eval "$cond" && return 0
        sleep 0.1
    done
    return 1
}

# Prints the items of a list command's --json output (on stdin) one per
# line as compact JSON: a list is one document {"items": [...], "next": ...};
# events --follow --json prints JSON Lines, taken as they are.
qf_json_items() {
    /usr/bin/python3 -c '
import json, sys
text = sys.stdin.read()
try:
    doc = json.loads(text)
    items = doc["items"] if isinstance(doc, dict) and "items" in doc else [doc]
except ValueError:
    items = [json.loads(line) for line in text.splitlines() if line.strip()]
for item in items:
    print(json.dumps(item, ensure_ascii=False, separators=(",", ":")))'
}

# Runs the CLI, keeping stdout, stderr and the exit code in $QF_TMP/out,
# $QF_TMP/err and $RC.
run_cli() {
    qf_cli "$@" >"$QF_TMP/out" 2>"$QF_TMP/err"
    RC=$?
}

# Expects exit code $1 from the CLI with the remaining arguments.
expect_rc() {
    local want=$1; shift
    run_cli "$@"
    [ "$RC" -eq "$want" ] ||
        { qf_fail "'qualflow $*': exit $RC, not $want: $(head -c 400 "$QF_TMP/err")"; return 1; }
}

# Test bodies call qf_fail "why" and return 1 on failure.
qf_fail() { echo "$*" >"$QF_TMP/why"; return 1; }

# Runs each test function in a subshell under the watchdog (qfwatchdog.py):
# a test still running after QF_TEST_LIMIT seconds is killed with all it
# started and reported as failed, and the next test runs.
qf_run_tests() {
    local fn rc pid dog
    for fn in "$@"; do
        qf_setup
        ( set +e; "$fn" ) &
        pid=$!
        "$QF_PY" "$QF_HARNESS/qfwatchdog.py" watch "$pid" "$QF_TMP/why" 2>/dev/null &
        dog=$!
        wait "$pid"; rc=$?
        kill -KILL "$dog" 2>/dev/null; wait "$dog" 2>/dev/null
        if [ "$rc" -eq 0 ]; then
            echo "PASS $QF_SUITE: $fn"
        else
            echo "FAIL $QF_SUITE: $fn: $(cat "$QF_TMP/why" 2>/dev/null || echo "exit $rc")"
            echo "--- daemon log:"; tail -n 20 "$QF_TMP/daemon.log" 2>/dev/null
        fi
        qf_teardown_all
    done
}

# Tests run in subshells, so started processes are recorded in $QF_TMP/pids.
qf_teardown_all() {
    local pid
    if [ -f "$QF_TMP/pids" ]; then
        while read -r pid; do qf_stop "$pid" TERM; done <"$QF_TMP/pids"
    fi
    [ -n "${QF_KEEP:-}" ] || rm -rf "$QF_TMP"
}
