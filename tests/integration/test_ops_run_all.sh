#!/usr/bin/env bash
# scripts/run-all (what `make run` starts), with a test configuration: a
# second start while a daemon serves the configuration or holds its
# database says so once, starts nothing and exits 1.
# It runs the release binaries in bin/ (make test builds them).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
RUN_ALL=$QF_ROOT/scripts/run-all

# Starts run-all in its own process group (so everything it started can be
# stopped together); its pid, which is the group's id, in $RUN_PID.
start_run_all() {  # config log
    setsid "$RUN_ALL" "$1" >"$2" 2>&1 &
    RUN_PID=$!
    echo "$RUN_PID" >>"$QF_TMP/pids"
}

# Stops what a run-all started, group and all, whatever state it is in.
stop_group() {
    kill -TERM -- "-$1" 2>/dev/null
    qf_wait_exit "$1" 10 >/dev/null 2>&1
    kill -KILL -- "-$1" 2>/dev/null
    return 0
}

# Prints the sorted instance names of the workers connected to the daemon.
worker_instances() {
    qf_cli --json status 2>/dev/null | $PY -c '
import json, sys
print(" ".join(sorted(w["instance"] for w in json.load(sys.stdin)["workers"])))'
}

worker_count() { ls "$QF_ROOT"/bin/qualflow-* | wc -l; }

need_release_bin() {
    [ -x "$QF_ROOT/bin/qualflowd" ] ||
        { qf_fail "no release build in bin/: run 'make' first"; return 1; }
}

test_second_run_all_starts_nothing() {
    need_release_bin || return 1
    start_run_all "$QF_CONF" "$QF_TMP/first.log"
    local first=$RUN_PID want
    want=$(worker_count)
    qf_wait_for '[ "$(worker_instances | wc -w)" -eq "$want" ]' 30 ||
        { qf_fail "first run-all: $want workers not connected: $(tail -5 "$QF_TMP/first.log")"; return 1; }
    local before daemon_pid
    before=$(worker_instances)
    daemon_pid=$(qf_cli --json status | $PY -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
    # The release build's malloc is mimalloc's (Makefile, ALLOCATOR): for
    # the daemon and, linked the same way, every worker.
    local allocator
    allocator=$(qf_cli --json status | $PY -c 'import json, sys; print(json.load(sys.stdin)["allocator"])')
    [ "$allocator" = libmimalloc.so.2 ] ||
        { qf_fail "the release daemon's malloc comes from '$allocator', not mimalloc"; return 1; }
    ldd "$QF_ROOT"/bin/qualflow-* | grep -q "not found" && { qf_fail "a worker lacks a library"; return 1; }
    [ "$(ldd "$QF_ROOT"/bin/qualflow-* | grep -c libmimalloc)" -eq "$want" ] ||
        { qf_fail "not every worker links mimalloc"; return 1; }

    start_run_all "$QF_CONF" "$QF_TMP/second.log"
    local second=$RUN_PID rc
    qf_wait_exit "$second" 30; rc=$?
    stop_group "$second"
    [ "$rc" -eq 1 ] ||
        { qf_fail "second run-all: exit $rc, not 1: $(head -c 600 "$QF_TMP/second.log")"; return 1; }
    [ "$(wc -l <"$QF_TMP/second.log")" -eq 1 ] &&
        grep -q "pid $daemon_pid.*already serves" "$QF_TMP/second.log" &&
        grep -q "nothing started" "$QF_TMP/second.log" ||
        { qf_fail "second run-all: not one clear message: $(cat "$QF_TMP/second.log")"; return 1; }
    ! grep -q "workers running" "$QF_TMP/second.log" ||
        { qf_fail "second run-all claims to run workers"; return 1; }
    [ "$(worker_instances)" = "$before" ] ||
        { qf_fail "workers changed: before '$before', after '$(worker_instances)'"; return 1; }
    qf_alive "$first" || { qf_fail "the first run-all stopped"; return 1; }
}

test_database_held_by_another_daemon() {
    need_release_bin || return 1
    # A daemon on the same database but other endpoints: run-all cannot
    # see it by asking, only by its own daemon failing on the lock.
    qf_start_daemon || return 1
    local other=$QF_TMP/other.yaml
    qf_config_second "$other" || { qf_fail "could not write a second config"; return 1; }
    start_run_all "$other" "$QF_TMP/run.log"
    local pid=$RUN_PID rc
    qf_wait_exit "$pid" 40; rc=$?
    # Nothing of its group outlives it (its output filter ends with it).
    qf_wait_for '[ -z "$(pgrep -g '"$pid"')" ]' 5
    local left
    left=$(pgrep -g "$pid" | wc -l)
    stop_group "$pid"
    [ "$rc" -eq 1 ] || { qf_fail "run-all: exit $rc, not 1: $(head -c 600 "$QF_TMP/run.log")"; return 1; }
    grep -q "in use by another qualflowd (pid $QF_DAEMON_PID)" "$QF_TMP/run.log" &&
        grep -q "^run-all: qualflowd exited with status 1 before it was ready.*nothing else started" \
            "$QF_TMP/run.log" ||
        { qf_fail "run-all: unclear message: $(cat "$QF_TMP/run.log")"; return 1; }
    ! grep -q "qualflow-\|workers running" "$QF_TMP/run.log" ||
        { qf_fail "run-all started workers: $(cat "$QF_TMP/run.log")"; return 1; }
    [ "$left" -eq 0 ] || { qf_fail "run-all left $left processes running"; return 1; }
}

qf_run_tests test_second_run_all_starts_nothing test_database_held_by_another_daemon
