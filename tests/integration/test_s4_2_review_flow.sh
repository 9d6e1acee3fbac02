#!/usr/bin/env bash
# The review flow of DOMAIN.md §4.2 end to end: a real daemon, the legal,
# finance and technical workers, and the CLI. A good qualification is
# approved by all three departments; a bad one goes to rectification with
# the legal finding on record; a worker that is down when the review is
# requested does it when it comes back (the daemon holds the event); and
# workers reconnect by themselves to a restarted daemon.
. "$(dirname "$0")/lib.sh"

AUTHORITY=安徽省住房和城乡建设厅
SCOPE=建筑工程施工总承包二级

# Prints one field of a JSON document on stdin ("a.b.0.c"); objects and
# lists as JSON, a missing field as nothing. A {"result": ...} envelope is
# looked through.
json_field() {
    /usr/bin/python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
if isinstance(d, dict) and set(d) == {"result"}:
    d = d["result"]
for k in sys.argv[1].split("."):
    if isinstance(d, list) and k.isdigit() and int(k) < len(d):
        d = d[int(k)]
    elif isinstance(d, dict):
        d = d.get(k)
    else:
        d = None
if d is not None:
    print(json.dumps(d, ensure_ascii=False) if isinstance(d, (dict, list)) else d)
' "$1"
}

# Adds a qualification with the given certificate number; prints its id.
add_qual() {
    local cert=$1 out
    out=$(qf_cli --as review --json qual add --cert-no "$cert" --authority "$AUTHORITY" \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 \
        --expires 2030-01-01 --name "review flow $cert" --cost 100000 --revenue 180000) \
        || { echo "qual add failed: $out" >&2; return 1; }
    echo "$out" | json_field id
}

qual_state() { qf_cli --json qual show "$1" 2>/dev/null | json_field state; }

# Waits until qualification $1 is in state $2 (up to $3 s, default 20).
wait_state() {
    qf_wait_for "[ \"\$(qual_state $1)\" = $2 ]" "${3:-20}"
}

start_workers() {
    local w
    for w in legal finance technical; do
        qf_start_worker "$w" || return 1
        eval "PID_$w=\$QF_LAST_PID"
    done
}

# Last lines of the workers' logs, for a failure message.
worker_logs() {
    local w
    for w in legal finance technical; do
        echo "[$w] $(tail -n 3 "$QF_TMP/worker-$w.log" 2>/dev/null | tr '\n' ' ')"
    done
}

test_good_qualification_approved() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    start_workers || { qf_fail "workers did not start"; return 1; }
    local id
    id=$(add_qual D234000001)
    [ -n "$id" ] || { qf_fail "qual add printed no id"; return 1; }
    [ "$(qual_state "$id")" = draft ] || { qf_fail "new qualification is not draft"; return 1; }
    qf_cli --as review qual submit "$id" >/dev/null || { qf_fail "qual submit $id failed"; return 1; }
    wait_state "$id" approved 20 ||
        { qf_fail "qualification $id is $(qual_state "$id"), not approved; $(worker_logs)"; return 1; }
    local events
    events=$(qf_cli events 2>&1)
    echo "$events" | grep -q qualification.approved ||
        { qf_fail "qualflow events lacks qualification.approved: $(echo "$events" | tail -n 5)"; return 1; }
    echo "$events" | grep -q qualification.reviewed ||
        { qf_fail "qualflow events lacks qualification.reviewed"; return 1; }
    local d
    for d in legal finance technical; do
        grep -q "review of qualification $id round 1: pass" "$QF_TMP/worker-$d.log" ||
            { qf_fail "$d worker logged no pass for $id: $(tail -n 3 "$QF_TMP/worker-$d.log")"; return 1; }
    done
    return 0
}

test_bad_certificate_goes_to_rectification() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    start_workers || { qf_fail "workers did not start"; return 1; }
    local id
    id=$(add_qual X1)
    [ -n "$id" ] || { qf_fail "qual add printed no id"; return 1; }
    qf_cli --as review qual submit "$id" >/dev/null || { qf_fail "qual submit $id failed"; return 1; }
    wait_state "$id" rectification 20 ||
        { qf_fail "qualification $id is $(qual_state "$id"), not rectification; $(worker_logs)"; return 1; }
    local show
    show=$(qf_cli qual show "$id" 2>&1)
    echo "$show" | grep -q "certificate number X1 does not match the format of $AUTHORITY" ||
        { qf_fail "qual show lacks the legal finding: $(echo "$show" | tail -n 8 | tr '\n' ' ')"; return 1; }
    # The same in the JSON record: a failing legal review of round 1.
    local json
    json=$(qf_cli --json qual show "$id")
    /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
d = d.get("result", d)
r = [x for x in d.get("reviews", []) if x.get("department") == "legal"]
assert r and r[0].get("verdict") == "fail", r
assert any("X1" in f for f in r[0].get("findings", [])), r
' "$json" 2>/dev/null || { qf_fail "JSON record has no failing legal review: $json"; return 1; }
    qf_cli events | grep -q qualification.review_failed ||
        { qf_fail "no qualification.review_failed event"; return 1; }
    return 0
}

test_worker_down_review_waits() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    start_workers || { qf_fail "workers did not start"; return 1; }
    # Legal must be in session before it goes away, so the group is known.
    qf_wait_for "grep -q 'session 1 open' '$QF_TMP/worker-legal.log'" 10 ||
        { qf_fail "legal worker never opened a session: $(worker_logs)"; return 1; }
    qf_stop "$PID_legal" TERM
    local id
    id=$(add_qual D234000003)
    qf_cli --as review qual submit "$id" >/dev/null || { qf_fail "qual submit $id failed"; return 1; }
    # Finance and technical pass; without legal the review cannot finish.
    sleep 2
    [ "$(qual_state "$id")" = in_review ] ||
        { qf_fail "qualification $id is $(qual_state "$id") while legal is down"; return 1; }
    qf_start_worker legal
    wait_state "$id" approved 20 ||
        { qf_fail "qualification $id is $(qual_state "$id") after legal came back; $(worker_logs)"; return 1; }
    return 0
}

test_workers_reconnect_to_restarted_daemon() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    start_workers || { qf_fail "workers did not start"; return 1; }
    # Every worker's first session must be open before the daemon goes, or
    # its first session would be with the restarted daemon (seen under load).
    local w
    for w in legal finance technical; do
        qf_wait_for "grep -q 'session 1 open' '$QF_TMP/worker-$w.log'" 10 ||
            { qf_fail "$w worker never opened a session: $(worker_logs)"; return 1; }
    done
    qf_stop "$QF_DAEMON_PID" TERM || { qf_fail "daemon did not stop on SIGTERM"; return 1; }
    sleep 1
    qf_start_daemon || { qf_fail "daemon did not restart"; return 1; }
    local id
    id=$(add_qual D234000004)
    qf_cli --as review qual submit "$id" >/dev/null || { qf_fail "qual submit $id failed"; return 1; }
    wait_state "$id" approved 25 ||
        { qf_fail "qualification $id is $(qual_state "$id") after the daemon restarted; $(worker_logs)"; return 1; }
    for w in legal finance technical; do
        qf_wait_for "grep -Eq 'session [2-9] open' '$QF_TMP/worker-$w.log'" 10 ||
            { qf_fail "$w did not open a second session: $(tail -n 3 "$QF_TMP/worker-$w.log")"; return 1; }
    done
    return 0
}

qf_run_tests test_good_qualification_approved test_bad_certificate_goes_to_rectification \
    test_worker_down_review_waits test_workers_reconnect_to_restarted_daemon
