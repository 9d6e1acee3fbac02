#!/usr/bin/env bash
# The daemon as a process: configuration checks, the database lock, crash
# safety (kill -9 right after answers), graceful stop in a burst, reload,
# and hostile input on its sockets.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
GOOD='{"cert_no":"D234000001","authority":"安徽省住房和城乡建设厅","category":"construction-general","scope":"建筑工程施工总承包二级","issued":"2025-01-01","expires":"2030-01-01"}'

# The database as a kill -9 or a stop left it, read before a daemon opens
# (and recovers) it again: with no daemon, no command can show it.
sql() { sqlite3 "$QF_TMP/qualflow.db" "$1"; }

test_check_config_accepts_shipped_file() {
    local out
    out=$("$QF_BIN/qualflowd" --check-config "$QF_ROOT/config/qualflow.yaml" 2>&1) ||
        { qf_fail "exit $?: $out"; return 1; }
    [[ $out == *valid* ]] || { qf_fail "unexpected output: $out"; return 1; }
}

# The README's configuration reference is the daemon's own table, so the
# documentation cannot drift from the code.
test_readme_configuration_reference_is_current() {
    "$QF_BIN/qualflowd" --config-reference >"$QF_TMP/reference" || { qf_fail "no reference"; return 1; }
    grep '^| `' "$QF_ROOT/README.md" | grep -F -x -v -f - "$QF_TMP/reference" | grep '^| `' >"$QF_TMP/missing"
    [ ! -s "$QF_TMP/missing" ] ||
        { qf_fail "README.md lacks these lines of qualflowd --config-reference: $(head -3 "$QF_TMP/missing")"; return 1; }
}

test_check_config_names_line_of_wrong_type() {
    local bad=$QF_TMP/bad.yaml line out rc
    cp "$QF_CONF" "$bad"
    qf_config_set batch_max lots "$bad" || return 1
    line=$(grep -n '^  batch_max:' "$bad" | cut -d: -f1)
    out=$("$QF_BIN/qualflowd" --check-config "$bad" 2>&1); rc=$?
    [ $rc -eq 1 ] || { qf_fail "exit $rc, want 1"; return 1; }
    [[ $out == *"$bad:$line:"*batch_max* ]] || { qf_fail "no file:line:key in: $out"; return 1; }
}

test_daemon_refuses_to_start_on_bad_config() {
    local out rc
    qf_config_add daemon.bogus_key 1 || return 1
    out=$(timeout 10 "$QF_BIN/qualflowd" -c "$QF_CONF" 2>&1); rc=$?
    [ $rc -eq 1 ] || { qf_fail "exit $rc, want 1: $out"; return 1; }
    [[ $out == *bogus_key* ]] || { qf_fail "message does not name the key: $out"; return 1; }
}

test_second_daemon_on_same_database_is_refused() {
    qf_start_daemon || { qf_fail "first daemon did not start"; return 1; }
    local conf2=$QF_TMP/second.yaml out rc
    qf_config_second "$conf2" || { qf_fail "could not write a second config"; return 1; }
    out=$(timeout 10 "$QF_BIN/qualflowd" -c "$conf2" 2>&1); rc=$?
    [ $rc -eq 1 ] || { qf_fail "second daemon exit $rc, want 1"; return 1; }
    [[ $out == *"in use by another qualflowd (pid $QF_DAEMON_PID)"* ]] ||
        { qf_fail "message: $out"; return 1; }
    qf_cli ping >/dev/null || { qf_fail "first daemon stopped answering"; return 1; }
}

test_kill9_after_answer_loses_nothing() {
    local i n_q n_e
    for round in 1 2 3; do
        qf_start_daemon || { qf_fail "daemon did not start (round $round)"; return 1; }
        for i in 1 2 3 4 5; do
            qf_cli --as review call qual.add "$GOOD" >/dev/null || { qf_fail "qual.add failed"; return 1; }
        done
        qf_cli --as review call qual.submit "{\"id\": $((round * 5))}" >/dev/null ||
            { qf_fail "submit failed"; return 1; }
        kill -9 "$QF_DAEMON_PID"; wait "$QF_DAEMON_PID" 2>/dev/null
        n_q=$(sql "SELECT count(*) FROM qualifications")
        n_e=$(sql "SELECT count(*) FROM events WHERE topic='qualification.created'")
        [ "$n_q" -eq $((round * 5)) ] || { qf_fail "round $round: $n_q qualifications"; return 1; }
        [ "$n_e" -eq "$n_q" ] || { qf_fail "round $round: $n_e created events for $n_q"; return 1; }
        [ "$(sql "SELECT count(*) FROM events WHERE topic='qualification.review_requested'")" -eq "$round" ] ||
            { qf_fail "round $round: review_requested events missing"; return 1; }
        [ "$(sql "SELECT state FROM qualifications WHERE id=$((round * 5))")" = in_review ] ||
            { qf_fail "round $round: submitted state lost"; return 1; }
        [ "$(sql 'PRAGMA integrity_check')" = ok ] || { qf_fail "integrity_check failed"; return 1; }
    done
}

# A burst of pipelined commands; SIGTERM in the middle. Every command that
# was answered ok must be in the database, and nothing half-done.
test_sigterm_in_burst_commits_what_it_answered() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    $PY - "$QF_TMP" "$QF_DAEMON_PID" <<'EOF' || { qf_fail "python burst failed"; return 1; }
import json, os, signal, sys, time, zmq
tmp, pid = sys.argv[1], int(sys.argv[2])
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0)
s.connect("ipc://%s/command.sock" % tmp)
# Once the daemon is gone nobody reads this socket: a blocking send would
# wait forever when its queue fills, so sends never block.
args = {"cert_no": "D234000001", "authority": "安徽省住房和城乡建设厅",
        "category": "construction-general", "scope": "s",
        "issued": "2025-01-01", "expires": "2030-01-01"}
ok = set()
sent = 0
deadline = time.time() + 10
killed = False
while time.time() < deadline:
    if sent < 3000:
        for _ in range(50):
            args["name"] = "burst-%d" % sent
            try:
                s.send_multipart([b"QFLOW/1", b"REQUEST", str(sent).encode(), b"qual.add",
                                  json.dumps({"role": "review", "args": args}).encode()],
                                 zmq.NOBLOCK)
            except zmq.Again:
                break
            sent += 1
    if sent >= 1000 and not killed:
        os.kill(pid, signal.SIGTERM); killed = True
    if s.poll(200):
        f = s.recv_multipart()
        if f[3] == b"200":
            ok.add(json.loads(f[4])["result"]["name"])
    elif killed:
        break
with open(tmp + "/answered", "w") as out:
    out.write("\n".join(sorted(ok)))
print("answered ok:", len(ok), "sent:", sent)
EOF
    local rc
    qf_wait_exit "$QF_DAEMON_PID" 20; rc=$?
    [ $rc -ne 255 ] || { qf_fail "daemon still running 20 s after SIGTERM"; return 1; }
    [ $rc -eq 0 ] || { qf_fail "daemon exit status $rc after SIGTERM"; return 1; }
    local answered missing n_q n_e
    answered=$(wc -l <"$QF_TMP/answered")
    [ "$answered" -gt 0 ] || { qf_fail "no command was answered"; return 1; }
    sql "SELECT name FROM qualifications" | sort >"$QF_TMP/stored"
    missing=$(comm -23 <(sort "$QF_TMP/answered") "$QF_TMP/stored" | wc -l)
    [ "$missing" -eq 0 ] || { qf_fail "$missing answered commands missing"; return 1; }
    n_q=$(sql "SELECT count(*) FROM qualifications")
    n_e=$(sql "SELECT count(*) FROM events")
    [ "$n_q" -eq "$n_e" ] || { qf_fail "$n_q qualifications but $n_e events"; return 1; }
    [ "$(sql 'PRAGMA integrity_check')" = ok ] || { qf_fail "integrity_check failed"; return 1; }
    qf_start_daemon || { qf_fail "restart failed"; return 1; }
    qf_cli --as review call qual.add "$GOOD" >/dev/null || { qf_fail "no service after restart"; return 1; }
}

test_sighup_reloads_and_refuses_restart_keys() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    qf_config_set log_level debug
    kill -HUP "$QF_DAEMON_PID"
    qf_wait_for "grep -q 'configuration reloaded' '$QF_TMP/daemon.log'" 5 ||
        { qf_fail "no reload in log"; return 1; }
    qf_config_set database "$QF_TMP/other.db"
    kill -HUP "$QF_DAEMON_PID"
    qf_wait_for "grep -q 'not reloaded.*database' '$QF_TMP/daemon.log'" 5 ||
        { qf_fail "database change was not refused"; return 1; }
    cp "$QF_CONF" "$QF_TMP/saved.yaml"
    echo "policy: [unclosed" >>"$QF_CONF"
    kill -HUP "$QF_DAEMON_PID"
    qf_wait_for "[ \$(grep -c 'not reloaded' '$QF_TMP/daemon.log') -ge 2 ]" 5 ||
        { qf_fail "invalid file was not refused"; return 1; }
    cp "$QF_TMP/saved.yaml" "$QF_CONF"
    qf_cli ping >/dev/null || { qf_fail "daemon stopped answering after reloads"; return 1; }
}

# Each thread's scheduling policy (/proc's stat): libzmq's I/O thread runs
# SCHED_BATCH (3), so that a message the loop hands it does not preempt the
# loop on a shared core; the checkpoint thread SCHED_IDLE (5), so that the
# I/O thread, waking, does preempt it; the loop and the WAL's sync thread
# keep the default (0).
test_io_thread_does_not_preempt_the_loop() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local task name policy seen=""
    for task in /proc/"$QF_DAEMON_PID"/task/*; do
        name=$(cat "$task/comm")
        policy=$(sed 's/.*) //' "$task/stat" | cut -d' ' -f39)
        seen="$seen $name=$policy"
    done
    for want in ZMQbg/IO/0=3 qf-checkpoint=5 qf-sync=0 qualflowd=0; do
        [[ "$seen " == *" $want "* ]] || { qf_fail "want $want among the threads:$seen"; return 1; }
    done
}

test_hostile_input_on_both_sockets() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    $PY - "$QF_TMP" <<'EOF' || { qf_fail "hostile input checks failed"; return 1; }
import json, sys, zmq
tmp = sys.argv[1]
ctx = zmq.Context()
def dealer(name):
    s = ctx.socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0)
    s.connect("ipc://%s/%s.sock" % (tmp, name)); return s
c = dealer("command")
def ask(frames, expect):
    c.send_multipart(frames)
    if not c.poll(3000):
        sys.exit("no reply to %r" % frames[:4])
    r = c.recv_multipart()
    if r[3] != expect:
        sys.exit("status %r, want %r for %r: %r" % (r[3], expect, frames[:4], r[4][:200]))
    return json.loads(r[4])
req = lambda cmd, body: [b"QFLOW/1", b"REQUEST", b"h1", cmd, body]
ask([b"QFLOW/9", b"REQUEST", b"h1", b"ping", b"{}"], b"400")
ask([b"QFLOW/1", b"REQUEST", b"h1", b"ping"], b"400")
ask(req(b"ping", b"{not json"), b"400")
ask(req(b"ping", b'{"role":"admin","x":"\xff\xfe"}'), b"400")
ask(req(b"ping", b"{" + b" " * (1024 * 1024 + 5) + b"}"), b"413")     # over 1 MiB
ask(req(b"no.such.command", b'{"role":"admin"}'), b"400")
ask(req(b"ping", b'{"args":{}}'), b"400")                          # role missing
ask(req(b"qual.get", b'{"role":"admin","args":{"id":1,"extra":2}}'), b"400")
good = {"cert_no": "D234000001", "authority": "安徽省住房和城乡建设厅", "category": "construction-general",
        "scope": "s", "issued": "2025-01-01", "expires": "2030-01-01"}
def add(**change):
    a = dict(good); a.update(change)
    return req(b"qual.add", json.dumps({"role": "review", "args": a}).encode())
ask(add(issued="2025-02-30"), b"400")
ask(add(expires="2024-01-01"), b"400")
ask(add(scope=""), b"400")
ask(add(scope="x" * 5000), b"413")
ask(add(acquisition_cost=-1), b"400")
ask(add(category="Bad Category"), b"400")
ask(req(b"qual.add", json.dumps({"role": "sales", "args": good}).encode()), b"403")
ask(req(b"qual.get", b'{"role":"admin","args":{"id":999}}'), b"404")
ask(req(b"qual.submit", b'{"role":"review","args":{"id":999}}'), b"404")
r = ask(add(scope="'; DROP TABLE qualifications; --"), b"200")
qid = r["result"]["id"]
r = ask(req(b"qual.get", json.dumps({"role": "admin", "args": {"id": qid}}).encode()), b"200")
assert r["result"]["scope"] == "'; DROP TABLE qualifications; --", r
# The worker socket: garbage and protocol misuse get ERROR, never a crash.
w = dealer("worker")
for frames in ([b"garbage"], [b"QFLOW/1", b"HELLO", b"[]"], [b"QFLOW/1", b"ACK", b"1", b"e", b"{}"],
               [b"QFLOW/1", b"HELLO", b'{"group":"legal"}'],
               [b"QFLOW/1", b"HELLO", b'{"group":"nope","instance":"x"}']):
    w.send_multipart(frames)
    if not w.poll(3000):
        sys.exit("no ERROR for worker frames %r" % frames)
    r = w.recv_multipart()
    if r[1] != b"ERROR":
        sys.exit("got %r for %r" % (r[:3], frames))
ask(req(b"ping", b'{"role":"admin"}'), b"200")
print("ok")
EOF
}

qf_run_tests test_io_thread_does_not_preempt_the_loop test_check_config_accepts_shipped_file test_readme_configuration_reference_is_current \
    test_check_config_names_line_of_wrong_type \
    test_daemon_refuses_to_start_on_bad_config test_second_daemon_on_same_database_is_refused \
    test_kill9_after_answer_loses_nothing test_sigterm_in_burst_commits_what_it_answered \
    test_sighup_reloads_and_refuses_restart_keys test_hostile_input_on_both_sockets
