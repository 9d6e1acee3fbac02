#!/usr/bin/env bash
# Integration tests of the qualflow CLI against a real daemon: exit codes,
# messages, help, round trips of awkward text, JSON output, the event log,
# `events --follow`, consumer groups, dead letters and idempotency keys.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3

# Adds a qualification with the given scope (and optional extra options);
# prints its id.
add_qual() {
    local scope=$1; shift
    qf_cli --as review --json qual add --cert-no D234000001 --authority 安徽省住房和城乡建设厅 \
        --category construction-general --scope "$scope" \
        --issued 2025-01-01 --expires 2030-01-01 "$@" |
        $PY -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

# Starts `events --follow` in the background (the binary itself, so its
# pid is the one to signal), output to $QF_TMP/$1.
start_follow() {
    local out=$1; shift
    "$QF_BIN/qualflow" -c "$QF_CONF" events --follow "$@" >"$QF_TMP/$out" 2>"$QF_TMP/$out.err" &
    FOLLOW_PID=$!
    echo "$FOLLOW_PID" >>"$QF_TMP/pids"
}

# Stops the follower with SIGTERM and checks that it exits 0.
stop_follow() {
    kill -TERM "$FOLLOW_PID"
    local rc
    qf_wait_exit "$FOLLOW_PID" 10; rc=$?
    [ "$rc" -eq 0 ] || { qf_fail "events --follow exited $rc on SIGTERM: $(cat "$QF_TMP"/*.err)"; return 1; }
}

test_no_daemon_exits_1_quickly() {
    local start end
    start=$(date +%s%N)
    run_cli --timeout 300 ping
    end=$(date +%s%N)
    [ "$RC" -eq 1 ] || { qf_fail "exit $RC, expected 1"; return 1; }
    grep -q "no answer from the daemon at ipc://$QF_TMP/command.sock within 300 ms; is qualflowd running?" "$QF_TMP/err" ||
        { qf_fail "message: $(cat "$QF_TMP/err")"; return 1; }
    grep -q "bin/qualflowd -c $QF_CONF" "$QF_TMP/err" || { qf_fail "no start hint: $(cat "$QF_TMP/err")"; return 1; }
    [ $(((end - start) / 1000000)) -lt 2000 ] || { qf_fail "took $(((end - start) / 1000000)) ms"; return 1; }
    # A command with arguments fails the same way.
    run_cli --timeout 300 qual list
    [ "$RC" -eq 1 ] || { qf_fail "qual list: exit $RC, expected 1"; return 1; }
}

test_usage_errors_exit_2() {
    local args
    for args in "frobnicate" "qual" "qual frob" "--bogus ping" "ping --bogus" "qual show" \
        "qual show abc" "qual show 0" "qual submit -3" "qual show 1 2" "--timeout x ping" \
        "--timeout" "qual list --limit 0" "events --after x" "call" "call ping [1]" \
        "call ping {bad" "call Bad.Name" "qual add --cert-no X" "" "groups extra" \
        "groups frob" "groups seek" "groups seek legal" "groups seek legal --to nonsense" \
        "groups seek legal --to 0" "groups seek legal --to -1" "groups seek Bad --to 1" \
        "groups seek legal --to 2026-02-30" "groups seek legal --to 2026-11-26T24:00:00Z" \
        "groups seek legal --to 2026-11-26T23:21:40" "groups seek legal --to 2026-11-26T23:21:40.Z" \
        "groups seek legal --to 1969-12-31T23:59:59Z" "groups seek legal nogroup --to 1" \
        "dlq" "dlq frob" "dlq list" "dlq list poison --limit 0" "dlq list poison --after x" \
        "dlq show poison" "dlq show poison x" "dlq show poison 0" "dlq retry poison" \
        "dlq retry poison 1 2" "dlq drop Poison 1" "--idempotency-key" "--idempotency-key ping" \
        "ping --idempotency-key="; do
        # shellcheck disable=SC2086
        run_cli $args
        [ "$RC" -eq 2 ] || { qf_fail "'qualflow $args': exit $RC, expected 2: $(cat "$QF_TMP/err")"; return 1; }
        grep -q "usage" "$QF_TMP/err" || { qf_fail "'qualflow $args': no usage line: $(cat "$QF_TMP/err")"; return 1; }
    done
    run_cli qual add --cert-no X --authority A --category c --scope s --issued 2025-01-01
    grep -q -- "--expires" "$QF_TMP/err" || { qf_fail "missing option not named: $(cat "$QF_TMP/err")"; return 1; }
    # A key with a space, a control character or more than 64 characters.
    local key
    for key in "a b" "$(printf 'a\tb')" "$(printf 'k%.0s' $(seq 1 65))" "钥匙"; do
        run_cli --idempotency-key "$key" ping
        [ "$RC" -eq 2 ] && grep -q -- "--idempotency-key must be 1-64 printable ASCII" "$QF_TMP/err" ||
            { qf_fail "--idempotency-key '$key': exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    done
    run_cli groups seek legal --to nonsense
    grep -q "RFC 3339" "$QF_TMP/err" || { qf_fail "--to message: $(cat "$QF_TMP/err")"; return 1; }
}

test_help_for_every_subcommand() {
    local cmd
    for cmd in "" "ping" "status" "qual" "qual add" "qual submit" "qual show" "qual list" \
        "events" "call" "groups" "groups seek" "dlq" "dlq list" "dlq show" "dlq retry" \
        "dlq drop"; do
        # shellcheck disable=SC2086
        run_cli $cmd --help
        [ "$RC" -eq 0 ] || { qf_fail "'qualflow $cmd --help': exit $RC"; return 1; }
        grep -q "usage: qualflow" "$QF_TMP/out" || { qf_fail "'qualflow $cmd --help': no usage"; return 1; }
    done
    run_cli -h
    [ "$RC" -eq 0 ] || { qf_fail "-h: exit $RC"; return 1; }
    run_cli qual add -h
    grep -q -- "--cert-no" "$QF_TMP/out" || { qf_fail "qual add -h lists no options"; return 1; }
    run_cli --version
    [ "$RC" -eq 0 ] && grep -q "^qualflow [0-9]" "$QF_TMP/out" || { qf_fail "--version"; return 1; }
    run_cli groups --help
    grep -q "groups seek GROUP --to SEQ|TIME" "$QF_TMP/out" || { qf_fail "groups --help lists no seek"; return 1; }
    run_cli groups seek --help
    grep -q -- "--to SEQ|TIME" "$QF_TMP/out" || { qf_fail "groups seek --help lists no --to"; return 1; }
    run_cli --help
    grep -q -- "--idempotency-key KEY" "$QF_TMP/out" && grep -q "^  dlq retry " "$QF_TMP/out" ||
        { qf_fail "--help lacks --idempotency-key or dlq retry: $(cat "$QF_TMP/out")"; return 1; }
}

test_qual_add_show_round_trip() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local sql="'; DROP TABLE qualifications; --"
    local chinese="建筑工程施工总承包二级（含\"引号\"与 emoji 🏗）"
    local id1 id2
    id1=$(add_qual "$sql" --name "合肥 资质 一号" --cost 100000 --revenue 180000.5)
    [ -n "$id1" ] || { qf_fail "qual add gave no id"; return 1; }
    id2=$(add_qual "$chinese")
    [ "$id2" -gt "$id1" ] 2>/dev/null || { qf_fail "second id '$id2' after '$id1'"; return 1; }

    run_cli --json qual show "$id1"
    [ "$RC" -eq 0 ] || { qf_fail "qual show: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    SCOPE="$sql" $PY - "$QF_TMP/out" <<'EOF' || { qf_fail "qual show --json: $(cat "$QF_TMP/out")"; return 1; }
import json, os, sys
r = json.load(open(sys.argv[1]))
assert r["scope"] == os.environ["SCOPE"], r["scope"]
assert r["authority"] == "安徽省住房和城乡建设厅", r["authority"]
assert r["name"] == "合肥 资质 一号", r["name"]
assert r["state"] == "draft" and r["cert_no"] == "D234000001"
assert r["issued"] == "2025-01-01" and r["expires"] == "2030-01-01"
assert r["acquisition_cost"] == 100000 and r["expected_revenue"] == 180000.5
EOF
    run_cli --json qual show "$id2"
    SCOPE="$chinese" $PY -c 'import json, os, sys; assert json.load(sys.stdin)["scope"] == os.environ["SCOPE"]' \
        <"$QF_TMP/out" || { qf_fail "Chinese scope changed: $(cat "$QF_TMP/out")"; return 1; }

    # Human output: key: value lines with the text verbatim.
    run_cli qual show "$id1"
    [ "$RC" -eq 0 ] || { qf_fail "qual show: exit $RC"; return 1; }
    grep -qxF "scope: $sql" "$QF_TMP/out" || { qf_fail "human scope: $(cat "$QF_TMP/out")"; return 1; }
    grep -qx "state: draft" "$QF_TMP/out" || { qf_fail "human state: $(cat "$QF_TMP/out")"; return 1; }
    grep -qx "id: $id1" "$QF_TMP/out" || { qf_fail "human id"; return 1; }
    run_cli qual show "$id2"
    grep -qxF "scope: $chinese" "$QF_TMP/out" || { qf_fail "human Chinese scope: $(cat "$QF_TMP/out")"; return 1; }

    # Human qual add prints the id and the state.
    run_cli --as review qual add --cert-no D234000003 --authority 安徽省住房和城乡建设厅 \
        --category construction-general --scope x --issued 2025-01-01 --expires 2030-01-01
    [ "$RC" -eq 0 ] && grep -qx "id: $((id2 + 1))" "$QF_TMP/out" && grep -qx "state: draft" "$QF_TMP/out" ||
        { qf_fail "human qual add: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }

    # The table is still there, and submit moves the state.
    run_cli --as review qual submit "$id1"
    [ "$RC" -eq 0 ] && grep -qx "state: in_review" "$QF_TMP/out" ||
        { qf_fail "qual submit: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }
}

test_daemon_refusals_exit_1() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    run_cli qual show 999
    [ "$RC" -eq 1 ] || { qf_fail "qual show 999: exit $RC"; return 1; }
    grep -q "^qualflow: not found (404): " "$QF_TMP/err" || { qf_fail "404 message: $(cat "$QF_TMP/err")"; return 1; }
    local id
    id=$(add_qual "scope")
    run_cli --as sales qual submit "$id"
    [ "$RC" -eq 1 ] && grep -q "^qualflow: forbidden (403): " "$QF_TMP/err" ||
        { qf_fail "role refusal: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    run_cli --as review qual submit "$id"
    run_cli --as review qual submit "$id"
    [ "$RC" -eq 1 ] && grep -q "^qualflow: conflict (409): " "$QF_TMP/err" ||
        { qf_fail "second submit: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    run_cli call qual.get '{"id": 1, "typo": 2}'
    [ "$RC" -eq 1 ] && grep -q "^qualflow: bad request (400): " "$QF_TMP/err" ||
        { qf_fail "unknown argument: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
}

test_invalid_date_refused() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    run_cli --as review qual add --cert-no D234000001 --authority 安徽省住房和城乡建设厅 \
        --category construction-general --scope s --issued 2025-02-30 --expires 2030-01-01
    [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ] || { qf_fail "exit $RC"; return 1; }
    grep -q "issued" "$QF_TMP/err" || { qf_fail "field not named: $(cat "$QF_TMP/err")"; return 1; }
    run_cli --as review qual add --cert-no D234000001 --authority 安徽省住房和城乡建设厅 \
        --category construction-general --scope s --issued 2025-01-01 --expires 2024-01-01
    [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ] || { qf_fail "expires before issued: exit $RC"; return 1; }
    grep -q "expires" "$QF_TMP/err" || { qf_fail "expires not named: $(cat "$QF_TMP/err")"; return 1; }
    # The daemon refuses it too, when the CLI's check is bypassed.
    run_cli --as review call qual.add '{"cert_no": "D234000001", "authority": "安徽省住房和城乡建设厅",
        "category": "construction-general", "scope": "s", "issued": "2025-13-01",
        "expires": "2030-01-01"}'
    [ "$RC" -eq 1 ] || { qf_fail "daemon date check: exit $RC"; return 1; }
    grep -q "^qualflow: bad request (400): .*issued" "$QF_TMP/err" ||
        { qf_fail "daemon date message: $(cat "$QF_TMP/err")"; return 1; }
    run_cli --json qual list
    $PY -c 'import json, sys; assert json.load(sys.stdin)["items"] == []' <"$QF_TMP/out" ||
        { qf_fail "a refused qualification was stored: $(cat "$QF_TMP/out")"; return 1; }
}

test_qual_list_json_and_table() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    add_qual "一" >/dev/null && add_qual "二" >/dev/null && add_qual "三" >/dev/null ||
        { qf_fail "qual add failed"; return 1; }
    run_cli qual list --json
    [ "$RC" -eq 0 ] || { qf_fail "exit $RC"; return 1; }
    $PY -m json.tool <"$QF_TMP/out" >/dev/null || { qf_fail "not JSON: $(cat "$QF_TMP/out")"; return 1; }
    $PY -c 'import json, sys; assert [q["scope"] for q in json.load(sys.stdin)["items"]] == ["一", "二", "三"]' \
        <"$QF_TMP/out" || { qf_fail "items: $(cat "$QF_TMP/out")"; return 1; }
    run_cli qual list --limit 2
    head -n 1 "$QF_TMP/out" | grep -q "^ID  *STATE  *ROUND  *CERT_NO  *AUTHORITY  *CATEGORY  *EXPIRES$" ||
        { qf_fail "header: $(head -n 1 "$QF_TMP/out")"; return 1; }
    [ "$(wc -l <"$QF_TMP/out")" -eq 3 ] || { qf_fail "rows: $(cat "$QF_TMP/out")"; return 1; }
    run_cli qual list --after 2 --state draft
    [ "$(wc -l <"$QF_TMP/out")" -eq 2 ] && grep -q "^3  *draft  *0  *D234000001" "$QF_TMP/out" ||
        { qf_fail "--after 2: $(cat "$QF_TMP/out")"; return 1; }
}

test_events_lists_created() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    add_qual "建筑工程施工总承包二级" >/dev/null || { qf_fail "qual add failed"; return 1; }
    run_cli events
    [ "$RC" -eq 0 ] || { qf_fail "exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    grep -q "^SEQ  *TIME  *TOPIC  *SUBJECT  *PAYLOAD" "$QF_TMP/out" || { qf_fail "header: $(cat "$QF_TMP/out")"; return 1; }
    grep -Eq "^1 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z +qualification\.created +qualification/1 +\{" "$QF_TMP/out" ||
        { qf_fail "row: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --json events --topic qualification.created
    $PY -c '
import json, sys
doc = json.load(sys.stdin)
assert sorted(doc) == ["items", "next"] and doc["next"] is None, doc
assert len(doc["items"]) == 1, doc
e = doc["items"][0]
assert e["seq"] == 1 and e["topic"] == "qualification.created", e
assert e["payload"]["scope"] == "建筑工程施工总承包二级", e' <"$QF_TMP/out" ||
        { qf_fail "--json: $(cat "$QF_TMP/out")"; return 1; }
    run_cli events --topic qualification.approved
    grep -q "qualification.created" "$QF_TMP/out" && { qf_fail "--topic did not filter"; return 1; }
    return 0
}

test_events_follow_prints_new_event() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    add_qual "before" >/dev/null || { qf_fail "qual add failed"; return 1; }
    start_follow follow.out
    # The backlog (the event committed before) shows first.
    qf_wait_for "grep -q 'qualification/1' '$QF_TMP/follow.out'" 10 ||
        { qf_fail "backlog not shown: $(cat "$QF_TMP/follow.out" "$QF_TMP/follow.out.err")"; return 1; }
    add_qual "after" >/dev/null || { qf_fail "qual add failed"; return 1; }
    qf_wait_for "grep -q 'qualification/2' '$QF_TMP/follow.out'" 10 ||
        { qf_fail "new event not shown: $(cat "$QF_TMP/follow.out" "$QF_TMP/follow.out.err")"; return 1; }
    # Give a duplicate (live and polled) time to show, then stop.
    sleep 1.5
    stop_follow || return 1
    [ "$(grep -c 'qualification\.created' "$QF_TMP/follow.out")" -eq 2 ] ||
        { qf_fail "duplicates or missing: $(cat "$QF_TMP/follow.out")"; return 1; }
    grep -q "^SEQ " "$QF_TMP/follow.out" || { qf_fail "no header"; return 1; }
}

# Without --after, following starts with the last 10 events (--limit N:
# the last N), as the README says.
test_events_follow_starts_ten_back() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local i
    for i in $(seq 1 12); do
        add_qual "scope $i" --as review >/dev/null || { qf_fail "qual add failed"; return 1; }
    done
    start_follow follow.out
    qf_wait_for "grep -q '^12 ' '$QF_TMP/follow.out'" 10 ||
        { qf_fail "backlog: $(cat "$QF_TMP/follow.out" "$QF_TMP/follow.out.err")"; return 1; }
    stop_follow || return 1
    [ "$(grep -Eo '^[0-9]+ ' "$QF_TMP/follow.out" | tr -d ' ' | tr '\n' ' ')" = "3 4 5 6 7 8 9 10 11 12 " ] ||
        { qf_fail "not the last 10: $(cat "$QF_TMP/follow.out")"; return 1; }
    start_follow follow2.out --limit 2
    qf_wait_for "grep -q '^12 ' '$QF_TMP/follow2.out'" 10 ||
        { qf_fail "backlog: $(cat "$QF_TMP/follow2.out" "$QF_TMP/follow2.out.err")"; return 1; }
    stop_follow || return 1
    [ "$(grep -Eo '^[0-9]+ ' "$QF_TMP/follow2.out" | tr -d ' ' | tr '\n' ' ')" = "11 12 " ] ||
        { qf_fail "--limit 2: not the last 2: $(cat "$QF_TMP/follow2.out")"; return 1; }
}

test_events_follow_json_survives_restart() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    add_qual "one" >/dev/null || { qf_fail "qual add failed"; return 1; }
    "$QF_BIN/qualflow" -c "$QF_CONF" --json --timeout 500 events --follow --after 0 \
        >"$QF_TMP/follow.out" 2>"$QF_TMP/follow.out.err" &
    FOLLOW_PID=$!
    echo "$FOLLOW_PID" >>"$QF_TMP/pids"
    qf_wait_for "grep -q '\"seq\": *1' '$QF_TMP/follow.out'" 10 || { qf_fail "backlog: $(cat "$QF_TMP/follow.out")"; return 1; }
    # The daemon goes away and comes back: the follower keeps going.
    qf_stop "$QF_DAEMON_PID" TERM
    sleep 1
    qf_start_daemon || { qf_fail "daemon did not restart"; return 1; }
    add_qual "two" >/dev/null || { qf_fail "qual add after restart failed"; return 1; }
    qf_cli --as review qual submit 2 >/dev/null || { qf_fail "qual submit failed"; return 1; }
    qf_wait_for "grep -q '\"seq\": *3' '$QF_TMP/follow.out'" 15 ||
        { qf_fail "events after restart not shown: $(cat "$QF_TMP/follow.out" "$QF_TMP/follow.out.err")"; return 1; }
    stop_follow || return 1
    $PY -c '
import json, sys
seqs = [json.loads(line)["seq"] for line in sys.stdin.read().splitlines()]
assert seqs == [1, 2, 3], seqs' <"$QF_TMP/follow.out" ||
        { qf_fail "not each seq once in order: $(cat "$QF_TMP/follow.out")"; return 1; }
}

# A fake daemon (pyzmq) whose PUB socket drops events 5, 6, 8 and 10 and
# repeats 7: the follower must still print 1..10, each once, in order,
# filling gaps from events.list and finding the lost last one by polling.
test_events_follow_fills_gaps() {
    $PY -c 'import zmq' 2>/dev/null ||
        { qf_fail "python3-zmq is not installed (scripts/install-deps installs it)"; return 1; }
    cat >"$QF_TMP/fake_daemon.py" <<'EOF'
import json, sys, time, zmq
ctx = zmq.Context()
router = ctx.socket(zmq.ROUTER)
router.bind(sys.argv[1])
pub = ctx.socket(zmq.PUB)
pub.bind(sys.argv[2])
log = []

def append(seq):
    log.append({"seq": seq, "id": "%032x" % seq, "time": 1764198577000 + seq,
                "topic": "qualification.created", "subject": "qualification/%d" % seq,
                "payload": {"n": seq}})
    return log[-1]

def publish(e):
    pub.send_multipart([e["topic"].encode(), b"QFLOW/1", b"EVENT", str(e["seq"]).encode(),
                        e["id"].encode(), e["subject"].encode(), str(e["time"]).encode(),
                        json.dumps(e["payload"]).encode()])

for seq in (1, 2, 3):
    append(seq)
poller = zmq.Poller()
poller.register(router, zmq.POLLIN)
publish_at, next_seq = None, 4
while True:
    if dict(poller.poll(10)):
        ident, proto, kind, rid, command, body = router.recv_multipart()
        args = json.loads(body).get("args", {})
        status, answer = 200, None
        if command == b"status":
            answer = {"result": {"last_seq": len(log)}}
        elif command == b"events.list":
            after, limit = args.get("after", 0), args.get("limit", 100)
            answer = {"result": {"events": [e for e in log if e["seq"] > after][:limit],
                                 "last_seq": len(log)}}
            if publish_at is None:
                publish_at = time.monotonic() + 0.5
        else:
            status, answer = 400, {"error": {"status": 400, "message": "unknown command"}}
        router.send_multipart([ident, b"QFLOW/1", b"REPLY", rid, str(status).encode(),
                               json.dumps(answer).encode()])
    if publish_at is not None and time.monotonic() >= publish_at and next_seq <= 10:
        e = append(next_seq)
        if next_seq not in (5, 6, 8, 10):
            publish(e)
        if next_seq == 7:
            publish(e)
        next_seq += 1
        publish_at = time.monotonic() + 0.05
EOF
    $PY "$QF_TMP/fake_daemon.py" "ipc://$QF_TMP/command.sock" "ipc://$QF_TMP/events.sock" \
        >"$QF_TMP/daemon.log" 2>&1 &
    echo $! >>"$QF_TMP/pids"
    "$QF_BIN/qualflow" -c "$QF_CONF" --json events --follow --after 0 \
        >"$QF_TMP/follow.out" 2>"$QF_TMP/follow.out.err" &
    FOLLOW_PID=$!
    echo "$FOLLOW_PID" >>"$QF_TMP/pids"
    qf_wait_for "grep -q '\"seq\": *10,' '$QF_TMP/follow.out'" 15 ||
        { qf_fail "not all events shown: $(cat "$QF_TMP/follow.out" "$QF_TMP/follow.out.err")"; return 1; }
    sleep 1.2 # time for a duplicate to show, were one let through
    stop_follow || return 1
    $PY -c '
import json, sys
seqs = [json.loads(line)["seq"] for line in sys.stdin.read().splitlines()]
assert seqs == list(range(1, 11)), seqs' <"$QF_TMP/follow.out" ||
        { qf_fail "not each seq once in order: $(cat "$QF_TMP/follow.out")"; return 1; }
}

test_status_shows_database() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    run_cli status
    [ "$RC" -eq 0 ] || { qf_fail "exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    grep -qF "database: $QF_TMP/qualflow.db" "$QF_TMP/out" || { qf_fail "database: $(cat "$QF_TMP/out")"; return 1; }
    grep -q "^version: " "$QF_TMP/out" && grep -q "^last_seq: 0" "$QF_TMP/out" ||
        { qf_fail "version/last_seq: $(cat "$QF_TMP/out")"; return 1; }
    grep -q "^security: none" "$QF_TMP/out" || { qf_fail "security: $(cat "$QF_TMP/out")"; return 1; }
    grep -q "^GROUP  *TOPICS" "$QF_TMP/out" && grep -q "^legal  " "$QF_TMP/out" ||
        { qf_fail "groups table: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --json status
    $PY -c 'import json, sys; assert json.load(sys.stdin)["database"].endswith("/qualflow.db")' \
        <"$QF_TMP/out" || { qf_fail "--json: $(cat "$QF_TMP/out")"; return 1; }
}

test_call_and_global_options() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    run_cli call ping
    [ "$RC" -eq 0 ] && grep -qx "pong: true" "$QF_TMP/out" || { qf_fail "call ping: $(cat "$QF_TMP/out")"; return 1; }
    # -e overrides the configuration's endpoint; global options after the command work.
    "$QF_BIN/qualflow" -e "ipc://$QF_TMP/command.sock" ping --json >"$QF_TMP/out" 2>"$QF_TMP/err" ||
        { qf_fail "-e: $(cat "$QF_TMP/err")"; return 1; }
    $PY -c 'import json, sys; assert json.load(sys.stdin)["pong"] is True' <"$QF_TMP/out" ||
        { qf_fail "ping --json: $(cat "$QF_TMP/out")"; return 1; }
    # QUALFLOW_CONFIG names the configuration when -c is not given.
    QUALFLOW_CONFIG=$QF_CONF "$QF_BIN/qualflow" --timeout 2000 ping >/dev/null 2>"$QF_TMP/err" ||
        { qf_fail "QUALFLOW_CONFIG: $(cat "$QF_TMP/err")"; return 1; }
    # --user is recorded with the change.
    run_cli --as review --user 张伟 --json call qual.add '{"cert_no": "D234000001", "authority": "安徽省住房和城乡建设厅",
        "category": "construction-general", "scope": "s", "issued": "2025-01-01",
        "expires": "2030-01-01"}'
    [ "$RC" -eq 0 ] || { qf_fail "call qual.add: $(cat "$QF_TMP/err")"; return 1; }
    grep -q "张伟" "$QF_TMP/out" || { qf_fail "user not recorded: $(cat "$QF_TMP/out")"; return 1; }
}

# Checks a JSON file with Python statements over `r` (the parsed JSON):
# json_check FILE 'EXPRESSION' asserts the expression.
json_check() {
    $PY -c "import json, sys; r = json.load(open(sys.argv[1])); assert $2, r" "$1" 2>/dev/null
}

test_groups_list_and_seek() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    run_cli groups
    [ "$RC" -eq 0 ] || { qf_fail "groups: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    head -n 1 "$QF_TMP/out" |
        grep -q "^GROUP  *TOPICS  *POSITION  *LAG  *IN_FLIGHT  *MEMBERS  *REDELIVERED  *DEAD$" ||
        { qf_fail "groups header: $(cat "$QF_TMP/out")"; return 1; }
    local group
    for group in legal finance technical; do
        grep -Eq "^$group +qualification\.review_requested(, contract\.review_requested)?(, policy\.changed|, contract\.signed|, feedback\.received)? +0 +0 +0 +0 +0 +0$" "$QF_TMP/out" ||
            { qf_fail "groups row $group: $(cat "$QF_TMP/out")"; return 1; }
    done
    run_cli --json groups
    [ "$RC" -eq 0 ] || { qf_fail "groups --json: exit $RC"; return 1; }
    json_check "$QF_TMP/out" 'sorted(g["name"] for g in r["items"]) == ["aftersales", "finance", "legal", "notify", "renewal", "sales", "technical"]
assert all(g["position"] == 0 and g["lag"] == 0 and g["dead_letters"] == 0 for g in r["items"])
assert r["next"] is None' || { qf_fail "groups --json: $(cat "$QF_TMP/out")"; return 1; }

    # With no workers, a submitted qualification leaves every group that
    # takes it behind (renewal, which does not, soon moves past it).
    local id
    id=$(add_qual "scope") && qf_cli --as review qual submit "$id" >/dev/null ||
        { qf_fail "add/submit failed"; return 1; }
    run_cli --json groups
    json_check "$QF_TMP/out" 'all(g["lag"] == 2 - g["position"] >= 1 for g in r["items"] if "qualification.review_requested" in g["topics"])' ||
        { qf_fail "lag after submit: $(cat "$QF_TMP/out")"; return 1; }
    run_cli groups
    grep -Eq "^legal +qualification\.review_requested, contract\.review_requested, policy\.changed +[01] +[12] +0 +0 +0 +0$" "$QF_TMP/out" ||
        { qf_fail "groups after submit: $(cat "$QF_TMP/out")"; return 1; }

    run_cli groups seek legal --to 1
    [ "$RC" -eq 0 ] && grep -qx "group: legal" "$QF_TMP/out" && grep -qx "next_seq: 1" "$QF_TMP/out" ||
        { qf_fail "seek --to 1: exit $RC: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }
    run_cli groups seek legal --to 2026-01-01T00:00:00Z
    [ "$RC" -eq 0 ] && grep -q "^next_seq: [0-9]" "$QF_TMP/out" ||
        { qf_fail "seek --to a time: exit $RC: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }
    run_cli groups seek legal --to 2026-11-26T23:21:40.553Z
    [ "$RC" -eq 0 ] || { qf_fail "seek --to a time with ms: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    # A time after every event: the group goes to the end of the log.
    run_cli --json groups seek legal --to 9999-12-31
    [ "$RC" -eq 0 ] && json_check "$QF_TMP/out" 'r == {"group": "legal", "next_seq": 3}' ||
        { qf_fail "seek --to a date: exit $RC: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }
    # The commit time of the second event, to the millisecond, finds it.
    local second
    second=$(qf_cli --json events --after 1 --limit 1 2>/dev/null | $PY -c '
import json, sys, datetime
t = json.load(sys.stdin)["items"][0]["time"]
d = datetime.datetime.fromtimestamp(t // 1000, datetime.timezone.utc)
print(d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (t % 1000))')
    run_cli --json groups seek legal --to "$second"
    json_check "$QF_TMP/out" 'r["next_seq"] == 2' ||
        { qf_fail "seek --to $second: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }

    run_cli groups seek legal --to nonsense
    [ "$RC" -eq 2 ] || { qf_fail "seek --to nonsense: exit $RC"; return 1; }
    run_cli groups seek nogroup --to 1
    [ "$RC" -eq 1 ] && grep -q "^qualflow: not found (404): .*nogroup" "$QF_TMP/err" ||
        { qf_fail "seek nogroup: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    run_cli --as sales groups seek legal --to 1
    [ "$RC" -eq 1 ] && grep -q "^qualflow: forbidden (403): " "$QF_TMP/err" ||
        { qf_fail "seek as sales: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
}

# Starts a worker (pyzmq, speaking PROTOCOL.md section 6 itself) that joins
# the new group "poison" for qualification.created and NACKs every delivery
# while $QF_TMP/ack does not exist, ACKs once it does. It logs "welcome",
# "nack SEQ ATTEMPT" and "ack SEQ ATTEMPT" lines to $QF_TMP/poison.log.
# Returns once it is welcomed.
start_poison_worker() {
    cat >"$QF_TMP/poison.py" <<'EOF'
import json, os, sys, time, zmq
endpoint, flag, log = sys.argv[1], sys.argv[2], sys.argv[3]
out = open(log, "a", buffering=1)
sock = zmq.Context().socket(zmq.DEALER)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(endpoint)

def send(kind, *fields):
    sock.send_multipart([b"QFLOW/1", kind] + [f if isinstance(f, bytes) else str(f).encode()
                                               for f in fields])

send(b"HELLO", json.dumps({"group": "poison", "instance": "poison-%d" % os.getpid(),
                           "topics": ["qualification.created"], "window": 1}))
last_sent = time.monotonic()
deadline = last_sent + 60
while time.monotonic() < deadline:
    if sock.poll(50):
        frames = sock.recv_multipart()
        kind = frames[1]
        if kind == b"WELCOME":
            print("welcome", frames[2].decode(), file=out)
        elif kind == b"DELIVER":
            seq, event_id, attempt = frames[2], frames[3], frames[7]
            if os.path.exists(flag):
                send(b"ACK", seq, event_id, b"{}")
                print("ack", seq.decode(), attempt.decode(), file=out)
            else:
                send(b"NACK", seq, event_id, 0, b"poison: refused on purpose")
                print("nack", seq.decode(), attempt.decode(), file=out)
            last_sent = time.monotonic()
        elif kind == b"ERROR":
            print("error", [f.decode() for f in frames[2:]], file=out)
    # Heartbeats keep the session while idle (heartbeat_ms is 200 here).
    if time.monotonic() - last_sent > 0.1:
        send(b"HEARTBEAT")
        last_sent = time.monotonic()
send(b"BYE")
EOF
    $PY "$QF_TMP/poison.py" "ipc://$QF_TMP/worker.sock" "$QF_TMP/ack" "$QF_TMP/poison.log" \
        >>"$QF_TMP/poison.err" 2>&1 &
    echo $! >>"$QF_TMP/pids"
    qf_wait_for "grep -q '^welcome' '$QF_TMP/poison.log' 2>/dev/null" 10
}

test_dlq_poison() {
    $PY -c 'import zmq' 2>/dev/null ||
        { qf_fail "python3-zmq is not installed (scripts/install-deps installs it)"; return 1; }
    qf_config_set max_deliveries 2
    qf_config_set backoff_initial_ms 50
    qf_config_set backoff_max_ms 100
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    start_poison_worker || { qf_fail "poison worker got no WELCOME: $(cat "$QF_TMP"/poison.*)"; return 1; }
    add_qual "poison" >/dev/null || { qf_fail "qual add failed"; return 1; }
    qf_wait_for "qf_cli dlq list poison 2>/dev/null | grep -q '^1 '" 10 ||
        { qf_fail "no dead letter: $(cat "$QF_TMP/poison.log"; qf_cli dlq list poison 2>&1)"; return 1; }

    run_cli dlq list poison
    [ "$RC" -eq 0 ] || { qf_fail "dlq list: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    head -n 1 "$QF_TMP/out" | grep -q "^SEQ  *TOPIC  *ATTEMPTS  *TIME  *LAST_ERROR$" ||
        { qf_fail "dlq list header: $(cat "$QF_TMP/out")"; return 1; }
    grep -Eq "^1 +qualification\.created +2 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z +poison: refused on purpose$" \
        "$QF_TMP/out" || { qf_fail "dlq list row: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --json dlq list poison
    json_check "$QF_TMP/out" '[(i["seq"], i["attempts"]) for i in r["items"]] == [(1, 2)] and r["next"] is None' ||
        { qf_fail "dlq list --json: $(cat "$QF_TMP/out")"; return 1; }
    run_cli groups
    grep -Eq "^poison +qualification\.created +[0-9]+ +[0-9]+ +0 +1 +[0-9]+ +1$" "$QF_TMP/out" ||
        { qf_fail "groups: poison has no dead letter: $(cat "$QF_TMP/out")"; return 1; }

    run_cli dlq show poison 1
    [ "$RC" -eq 0 ] || { qf_fail "dlq show: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    grep -qx "topic: qualification.created" "$QF_TMP/out" && grep -qx "attempts: 2" "$QF_TMP/out" &&
        grep -qx "  subject: qualification/1" "$QF_TMP/out" &&
        grep -qx '      "scope": "poison",' "$QF_TMP/out" ||
        { qf_fail "dlq show: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --json dlq show poison 1
    json_check "$QF_TMP/out" 'r["event"]["topic"] == "qualification.created" and r["event"]["payload"]["scope"] == "poison"' ||
        { qf_fail "dlq show --json: $(cat "$QF_TMP/out")"; return 1; }

    # Only admin may send it back.
    run_cli --as sales dlq retry poison 1
    [ "$RC" -eq 1 ] && grep -q "^qualflow: forbidden (403): " "$QF_TMP/err" ||
        { qf_fail "dlq retry as sales: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    touch "$QF_TMP/ack"
    run_cli dlq retry poison 1
    [ "$RC" -eq 0 ] || { qf_fail "dlq retry: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    run_cli --json dlq list poison
    json_check "$QF_TMP/out" 'r["items"] == []' || { qf_fail "list after retry: $(cat "$QF_TMP/out")"; return 1; }
    qf_wait_for "grep -q '^ack 1 1$' '$QF_TMP/poison.log'" 10 ||
        { qf_fail "retried event not delivered from attempt 1: $(cat "$QF_TMP/poison.log")"; return 1; }
    run_cli dlq show poison 1
    [ "$RC" -eq 1 ] && grep -q "^qualflow: not found (404): .*no dead letter" "$QF_TMP/err" ||
        { qf_fail "dlq show after retry: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    run_cli dlq drop poison 999
    [ "$RC" -eq 1 ] && grep -q "no dead letter" "$QF_TMP/err" ||
        { qf_fail "dlq drop of a missing seq: exit $RC: $(cat "$QF_TMP/err")"; return 1; }

    # A second poison event, dropped this time.
    rm -f "$QF_TMP/ack"
    add_qual "poison 2" >/dev/null || { qf_fail "qual add failed"; return 1; }
    qf_wait_for "qf_cli --json dlq list poison | grep -q '\"seq\"'" 10 ||
        { qf_fail "no second dead letter: $(cat "$QF_TMP/poison.log")"; return 1; }
    local seq
    seq=$(qf_cli --json dlq list poison | $PY -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["seq"])')
    run_cli --as sales dlq drop poison "$seq"
    [ "$RC" -eq 1 ] || { qf_fail "dlq drop as sales: exit $RC"; return 1; }
    run_cli dlq drop poison "$seq"
    [ "$RC" -eq 0 ] && grep -qx "seq: $seq" "$QF_TMP/out" ||
        { qf_fail "dlq drop: exit $RC: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }
    run_cli dlq list poison
    [ "$(sed -n 2p "$QF_TMP/out")" = "(none)" ] || { qf_fail "list after drop: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --json groups
    json_check "$QF_TMP/out" '[g["dead_letters"] for g in r["items"] if g["name"] == "poison"] == [0]' ||
        { qf_fail "groups after drop: $(cat "$QF_TMP/out")"; return 1; }
    run_cli dlq list nogroup
    [ "$RC" -eq 1 ] && grep -q "^qualflow: not found (404): " "$QF_TMP/err" ||
        { qf_fail "dlq list nogroup: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
}

test_idempotency_key() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local id1 id2
    id1=$(add_qual "once" --idempotency-key k1) && id2=$(add_qual "once" --idempotency-key k1) ||
        { qf_fail "qual add with a key failed"; return 1; }
    [ -n "$id1" ] && [ "$id1" = "$id2" ] || { qf_fail "ids '$id1' and '$id2'"; return 1; }
    run_cli --json qual list
    json_check "$QF_TMP/out" 'len(r["items"]) == 1' || { qf_fail "not one qualification: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --json events --topic qualification.created
    json_check "$QF_TMP/out" 'len(r["items"]) == 1' || { qf_fail "not one event: $(cat "$QF_TMP/out")"; return 1; }
    # Another key makes another one; the same key with another command is refused.
    id2=$(add_qual "twice" --idempotency-key k2)
    [ "$id2" -gt "$id1" ] 2>/dev/null || { qf_fail "k2 gave id '$id2'"; return 1; }
    run_cli --as review --idempotency-key k1 qual submit "$id1"
    [ "$RC" -eq 1 ] && grep -q "^qualflow: conflict (409): .*k1" "$QF_TMP/err" ||
        { qf_fail "k1 with qual submit: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    # A failed request stores nothing: the same key works once it succeeds.
    run_cli --as review --idempotency-key k3 qual submit 999
    [ "$RC" -eq 1 ] || { qf_fail "submit 999: exit $RC"; return 1; }
    run_cli --as review --idempotency-key k3 qual submit "$id1"
    [ "$RC" -eq 0 ] && grep -qx "state: in_review" "$QF_TMP/out" ||
        { qf_fail "k3 after a failure: exit $RC: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }
    run_cli --as review --idempotency-key k3 qual submit "$id1"
    [ "$RC" -eq 0 ] && grep -qx "state: in_review" "$QF_TMP/out" ||
        { qf_fail "k3 repeated: exit $RC: $(cat "$QF_TMP/out" "$QF_TMP/err")"; return 1; }
    # Read-only commands take a key too, and the daemon's refusals still show.
    run_cli --idempotency-key k4 --json ping
    [ "$RC" -eq 0 ] || { qf_fail "ping with a key: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    run_cli --idempotency-key k5 --as sales qual submit "$id2"
    [ "$RC" -eq 1 ] && grep -q "^qualflow: forbidden (403): " "$QF_TMP/err" ||
        { qf_fail "keyed refusal: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
}

# A list without --follow prints one JSON document, {"items": [...],
# "next": cursor or null}, that any JSON parser reads; --follow keeps JSON
# Lines.
test_list_json_is_one_document() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local i cmd
    for i in 1 2 3; do
        add_qual "scope $i" --as review >/dev/null || { qf_fail "qual add failed"; return 1; }
    done
    for cmd in "events" "events --topic qualification.created" "--as review qual list" \
        "--as review qual list --sellable" "groups" "dlq list legal" "--as review renewal list" \
        "--as review policy list" "--as review candidate list" "--as review loan list"; do
        # shellcheck disable=SC2086
        run_cli --json $cmd
        [ "$RC" -eq 0 ] || { qf_fail "$cmd --json: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
        $PY -m json.tool <"$QF_TMP/out" >/dev/null ||
            { qf_fail "$cmd --json is not one JSON document: $(head -c 300 "$QF_TMP/out")"; return 1; }
        json_check "$QF_TMP/out" 'sorted(r) == ["items", "next"] and isinstance(r["items"], list)' ||
            { qf_fail "$cmd --json: not {items, next}: $(head -c 300 "$QF_TMP/out")"; return 1; }
    done
    # next is what --after takes for the following page, null on the last.
    run_cli --json events --limit 2
    json_check "$QF_TMP/out" '[e["seq"] for e in r["items"]] == [1, 2] and r["next"] == 2' ||
        { qf_fail "events --limit 2: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --json events --after 2 --limit 2
    json_check "$QF_TMP/out" '[e["seq"] for e in r["items"]] == [3] and r["next"] is None' ||
        { qf_fail "events --after 2: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --as review --json qual list --limit 2
    json_check "$QF_TMP/out" '[q["id"] for q in r["items"]] == [1, 2] and r["next"] == 2' ||
        { qf_fail "qual list --limit 2: $(cat "$QF_TMP/out")"; return 1; }
    run_cli --as review --json qual list --after 2 --limit 2
    json_check "$QF_TMP/out" '[q["id"] for q in r["items"]] == [3] and r["next"] is None' ||
        { qf_fail "qual list --after 2: $(cat "$QF_TMP/out")"; return 1; }
    # Following: one compact event object per line.
    start_follow follow.out --json --after 0
    qf_wait_for '[ "$(wc -l <"$QF_TMP/follow.out")" -ge 3 ]' 10 ||
        { qf_fail "follow: $(cat "$QF_TMP/follow.out" "$QF_TMP/follow.out.err")"; return 1; }
    stop_follow || return 1
    $PY -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert [json.loads(l)["seq"] for l in lines] == [1, 2, 3], lines' "$QF_TMP/follow.out" ||
        { qf_fail "follow --json is not JSON Lines: $(cat "$QF_TMP/follow.out")"; return 1; }
}

test_idempotency_key_no_daemon() {
    run_cli --timeout 300 --idempotency-key k1 qual submit 1
    [ "$RC" -eq 1 ] && grep -q "no answer from the daemon at ipc://$QF_TMP/command.sock within 300 ms" "$QF_TMP/err" ||
        { qf_fail "exit $RC: $(cat "$QF_TMP/err")"; return 1; }
}

qf_run_tests \
    test_no_daemon_exits_1_quickly \
    test_usage_errors_exit_2 \
    test_help_for_every_subcommand \
    test_qual_add_show_round_trip \
    test_daemon_refusals_exit_1 \
    test_invalid_date_refused \
    test_qual_list_json_and_table \
    test_events_lists_created \
    test_events_follow_prints_new_event \
    test_events_follow_starts_ten_back \
    test_events_follow_json_survives_restart \
    test_events_follow_fills_gaps \
    test_status_shows_database \
    test_call_and_global_options \
    test_groups_list_and_seek \
    test_list_json_is_one_document \
    test_dlq_poison \
    test_idempotency_key \
    test_idempotency_key_no_daemon
