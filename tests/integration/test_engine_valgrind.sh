#!/usr/bin/env bash
# The daemon under valgrind through the integration scenario: workers
# review a qualification, clients send good and malformed requests, then
# SIGTERM. valgrind must report no invalid access and no leak.
source "$(dirname "$0")/lib.sh"
RELEASE=${QF_RELEASE_BIN:-$QF_ROOT/bin}

test_daemon_is_clean_under_valgrind() {
    command -v valgrind >/dev/null || { qf_fail "valgrind is not installed"; return 1; }
    # The test clock (test-only) lets timers and overdue loans fire.
    export QUALFLOW_TEST_CLOCK_FILE=$QF_TMP/clock
    echo $(( $(date -d 2026-06-01T02:00:00Z +%s) * 1000 )) >"$QF_TMP/clock"
    # The release daemon's malloc is mimalloc's (Makefile, ALLOCATOR):
    # valgrind replaces it there as it does glibc's, to see every block.
    # mimalloc's operator delete is its free under another name, so
    # valgrind would take libzmq's delete for a free of a new'd block: our
    # C has no new or delete to mismatch.
    valgrind --soname-synonyms=somalloc=libmimalloc.so.2 --show-mismatched-frees=no \
        --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=99 \
        --log-file="$QF_TMP/valgrind.log" \
        "$RELEASE/qualflowd" -c "$QF_CONF" >>"$QF_TMP/daemon.log" 2>&1 &
    local vpid=$!
    echo "$vpid" >>"$QF_TMP/pids"
    for _ in $(seq 1 300); do
        "$RELEASE/qualflow" -c "$QF_CONF" --timeout 500 ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    local w workers=()
    for w in legal finance technical; do
        "$RELEASE/qualflow-$w" -c "$QF_CONF" >>"$QF_TMP/worker-$w.log" 2>&1 &
        workers+=($!)
        echo $! >>"$QF_TMP/pids"
    done
    local cli=("$RELEASE/qualflow" -c "$QF_CONF" --timeout 5000)
    "${cli[@]}" --as review qual add --cert-no D234000001 --authority 安徽省住房和城乡建设厅 \
        --category construction-general --scope 建筑工程施工总承包二级 \
        --issued 2025-01-01 --expires 2030-01-01 --cost 100 --revenue 200 >/dev/null ||
        { qf_fail "qual add failed"; return 1; }
    "${cli[@]}" --as review qual add --cert-no X1 --authority 安徽省住房和城乡建设厅 \
        --category construction-general --scope 建筑工程施工总承包二级 \
        --issued 2025-01-01 --expires 2030-01-01 >/dev/null || { qf_fail "add 2 failed"; return 1; }
    "${cli[@]}" --as review qual submit 1 >/dev/null && "${cli[@]}" --as review qual submit 2 >/dev/null ||
        { qf_fail "submit failed"; return 1; }
    qf_wait_for "'${cli[0]}' -c '$QF_CONF' --json qual show 1 | grep -q '\"approved\"'" 60 ||
        { qf_fail "qualification 1 was not approved"; return 1; }
    qf_wait_for "'${cli[0]}' -c '$QF_CONF' --json qual show 2 | grep -q '\"rectification\"'" 60 ||
        { qf_fail "qualification 2 did not fail review"; return 1; }
    # The lifecycle paths too: custody, loans, policy, renewal, acquisition, timers.
    local c=("${cli[@]}")
    "${c[@]}" --as logistics custody archive 1 --custodian 王敏 --location A-3 \
        --acquired 2026-06-01 >/dev/null || { qf_fail "custody archive"; return 1; }
    "${c[@]}" --as sales loan request 1 --borrower 张伟 --purpose 投标 --due 2026-06-10 >/dev/null &&
        "${c[@]}" --as leader loan approve 1 >/dev/null &&
        "${c[@]}" --as logistics loan lend 1 >/dev/null || { qf_fail "loan"; return 1; }
    echo $(( $(date -d 2026-06-11T01:30:00Z +%s) * 1000 )) >"$QF_TMP/clock"
    qf_wait_for "'${cli[0]}' -c '$QF_CONF' --json events --topic custody.borrow_overdue | grep -q seq" 60 ||
        { qf_fail "no overdue event"; return 1; }
    "${c[@]}" --as logistics loan return 1 >/dev/null && "${c[@]}" custody show 1 >/dev/null ||
        { qf_fail "loan return"; return 1; }
    echo $(( $(date -d 2029-10-05T01:00:01Z +%s) * 1000 )) >"$QF_TMP/clock"
    qf_wait_for "'${cli[0]}' -c '$QF_CONF' --json events --topic certificate.expiring | grep -q seq" 60 ||
        { qf_fail "no expiry reminder"; return 1; }
    "${c[@]}" --as legal policy record --category construction-general --description x \
        --effective 2029-10-05 >/dev/null || { qf_fail "policy record"; return 1; }
    qf_wait_for "'${cli[0]}' -c '$QF_CONF' --json events --topic qualification.suspended | grep -q seq" 60 ||
        { qf_fail "no suspension"; return 1; }
    # The report before the lift: lifting sends it to a new review, whose
    # report is refused until every department has answered again.
    "${c[@]}" qual report 1 >/dev/null && "${c[@]}" --as management policy lift 1 >/dev/null &&
        "${c[@]}" renewal list >/dev/null && "${c[@]}" policy list >/dev/null ||
        { qf_fail "lift/report/lists"; return 1; }
    "${c[@]}" --as market candidate add --name n --category construction-general --industry i \
        --authority 安徽省住房和城乡建设厅 --source s >/dev/null &&
        "${c[@]}" --as review candidate evaluate 1 --legality l --demand d --value v --report r >/dev/null &&
        "${c[@]}" --as management candidate decide 1 --decline >/dev/null &&
        "${c[@]}" candidate show 1 >/dev/null || { qf_fail "candidate"; return 1; }
    "${cli[@]}" --as review call qual.add '{"cert_no":""}' >/dev/null 2>&1
    "${cli[@]}" --as review call qual.add '{"category":"construction-genral"}' >/dev/null 2>&1
    "${cli[@]}" call qual.add '{}' >/dev/null 2>&1
    "${cli[@]}" call no.such '{}' >/dev/null 2>&1
    "${cli[@]}" status >/dev/null && "${cli[@]}" events >/dev/null ||
        { qf_fail "status/events failed"; return 1; }
    /usr/bin/python3 - "$QF_TMP" <<'PY'
import sys, zmq
c = zmq.Context().socket(zmq.DEALER); c.setsockopt(zmq.LINGER, 0)
c.connect("ipc://%s/command.sock" % sys.argv[1])
for f in ([b"QFLOW/2", b"x"], [b"QFLOW/1", b"REQUEST", b"1", b"ping", b"{bad"]):
    c.send_multipart(f); c.poll(5000) and c.recv_multipart()
PY
    # Workers leave first so that the daemon sees BYEs, then the daemon stops.
    kill -TERM "${workers[@]}" 2>/dev/null
    sleep 0.5
    kill -TERM "$vpid"
    local rc
    qf_wait_exit "$vpid" 60; rc=$?
    [ $rc -eq 0 ] || { qf_fail "valgrind exit $rc: $(grep -E 'ERROR SUMMARY|definitely|indirectly|Invalid' "$QF_TMP/valgrind.log" | head -5)"; return 1; }
    grep -q "ERROR SUMMARY: 0 errors" "$QF_TMP/valgrind.log" ||
        { qf_fail "$(grep 'ERROR SUMMARY' "$QF_TMP/valgrind.log")"; return 1; }
}

qf_run_tests test_daemon_is_clean_under_valgrind
