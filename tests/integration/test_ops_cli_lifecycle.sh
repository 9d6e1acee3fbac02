#!/usr/bin/env bash
# The CLI over a qualification's life: every new subcommand's --help and
# usage errors; then, with the daemon and the legal, finance, technical and
# renewal workers, approval, sale, renewal (round 2, pending timers), a
# policy change that suspends it and its lifting, custody and loans, the
# review report, and the acquisition of a candidate.
. "$(dirname "$0")/lib.sh"

AUTHORITY=安徽省住房和城乡建设厅
SCOPE=建筑工程施工总承包二级
PY=/usr/bin/python3

# Prints one field of a JSON object on stdin ("a.b"), nothing when missing.
json_field() {
    $PY -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else d)' "$1"
}

qual_field() { qf_cli --json qual show "$1" 2>/dev/null | json_field "$2"; }

# Waits until qualification $1 is in state $2 (up to $3 s, default 20).
wait_state() {
    qf_wait_for "[ \"\$(qual_field $1 state)\" = $2 ]" "${3:-20}" ||
        { qf_fail "qualification $1 is $(qual_field "$1" state), not $2"; return 1; }
}

# The ids `qual list --sellable` prints, one per line.
sellable_ids() {
    qf_cli --json qual list --sellable | $PY -c '
import json, sys
for q in json.load(sys.stdin)["items"]:
    print(q["id"])'
}

# Whether the daemon knows a command (a 400 "unknown command" otherwise).
has_command() {
    qf_cli call "$1" '{}' >/dev/null 2>"$QF_TMP/probe"
    ! grep -qi "unknown command" "$QF_TMP/probe"
}

NEW_COMMANDS=("qual renew" "qual report" "qual reject" "qual list" "qual show"
    "review decide" "renewal list" "policy record" "policy lift" "policy list" "policy apply"
    "custody archive" "custody show" "loan request" "loan approve" "loan refuse" "loan lend"
    "loan return" "loan list" "candidate add" "candidate evaluate" "candidate decide"
    "candidate track" "candidate acquire" "candidate list" "candidate show")

test_help_and_usage_errors() {
    local cmd
    for cmd in "${NEW_COMMANDS[@]}"; do
        # shellcheck disable=SC2086
        expect_rc 0 $cmd --help || return 1
        grep -q "^usage: qualflow \[global options\] $cmd" "$QF_TMP/out" ||
            { qf_fail "'$cmd --help': no usage line"; return 1; }
    done
    for cmd in qual review renewal policy custody loan candidate; do
        expect_rc 0 "$cmd" --help || return 1
    done
    # Usage errors exit 2, without a daemon, naming the problem.
    expect_rc 2 qual renew 1 || return 1
    grep -q -- "missing --expires" "$QF_TMP/err" || { qf_fail "renew: $(cat "$QF_TMP/err")"; return 1; }
    expect_rc 2 qual renew 1 --expires 2031-02-30 || return 1
    expect_rc 2 qual renew 1 --expires tomorrow || return 1
    expect_rc 2 qual renew x --expires 2031-01-01 || return 1
    expect_rc 2 review decide 1 --round 1 --department legal --verdict maybe || return 1
    grep -q -- "--verdict must be one of pass|fail" "$QF_TMP/err" ||
        { qf_fail "verdict: $(cat "$QF_TMP/err")"; return 1; }
    expect_rc 2 review decide 1 --round 0 --department legal --verdict pass || return 1
    expect_rc 2 review decide 1 --round 1 --department Legal! --verdict pass || return 1
    expect_rc 2 qual reject 1 || return 1
    expect_rc 2 qual list --sellable --state approved || return 1
    expect_rc 2 renewal list --state pending || return 1
    expect_rc 2 policy record --category c --description d --effective 2025-13-01 || return 1
    expect_rc 2 policy record --category c --description d || return 1
    expect_rc 2 policy lift || return 1
    expect_rc 2 policy list --state gone || return 1
    expect_rc 2 custody archive 1 --custodian a --location b --acquired 20250101 || return 1
    expect_rc 2 loan request 1 --borrower b --purpose p --due 2025-02-29 || return 1
    expect_rc 2 loan approve abc || return 1
    expect_rc 2 loan list --limit 0 || return 1
    expect_rc 2 candidate decide 1 || return 1
    expect_rc 2 candidate decide 1 --acquire --decline || return 1
    expect_rc 2 candidate track 1 --via agency --progress p || return 1
    expect_rc 2 candidate track 1 --via boat --progress p || return 1
    expect_rc 2 candidate acquire 1 --cert-no X --issued 2025-01-01 --expires 2024-01-01 \
        --scope s || return 1
    expect_rc 2 candidate add --name n --category c --industry i --authority a || return 1
    expect_rc 2 candidate evaluate 1 --legality l --demand d --value v || return 1
    return 0
}

test_lifecycle() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local w
    for w in legal finance technical renewal; do
        qf_start_worker "$w" || { qf_fail "worker $w did not start"; return 1; }
    done
    expect_rc 0 renewal list || return 1
    expect_rc 0 --as review --json qual add --cert-no D234000001 --authority "$AUTHORITY" \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 \
        --expires 2030-01-01 --name "lifecycle" --cost 100000 --revenue 180000 || return 1
    local id
    id=$(json_field id <"$QF_TMP/out")
    [ -n "$id" ] || { qf_fail "qual add printed no id"; return 1; }
    expect_rc 0 --as review qual submit "$id" || return 1
    wait_state "$id" approved || return 1
    [ "$(sellable_ids)" = "$id" ] || { qf_fail "not sellable: $(sellable_ids)"; return 1; }
    expect_rc 0 qual list --sellable || return 1
    grep -q "^$id  *approved  *1  *D234000001" "$QF_TMP/out" ||
        { qf_fail "qual list --sellable: $(cat "$QF_TMP/out")"; return 1; }

    # The review report of round 1.
    if has_command qual.report; then
        expect_rc 0 --as review qual report "$id" || return 1
        grep -q "^DEPARTMENT  *VERDICT  *STATUS  *FINDINGS" "$QF_TMP/out" &&
            grep -q "^legal  *pass" "$QF_TMP/out" && grep -q "^outcome: approved" "$QF_TMP/out" ||
            { qf_fail "qual report: $(cat "$QF_TMP/out")"; return 1; }
        # The report prints the qualification's flags as qual show does.
        grep -qx "  suspended: no" "$QF_TMP/out" || { qf_fail "qual report: suspended: $(cat "$QF_TMP/out")"; return 1; }
        expect_rc 0 --as review qual show "$id" || return 1
        grep -qx "suspended: no" "$QF_TMP/out" || { qf_fail "qual show: suspended: $(cat "$QF_TMP/out")"; return 1; }
    else
        expect_rc 1 qual report "$id" || return 1
    fi

    # Renewal: a second round, then approved with the timers pending.
    expect_rc 2 qual renew "$id" --expires 2031-02-29 || return 1
    expect_rc 0 --as review qual renew "$id" --expires 2031-01-01 || return 1
    grep -qx "round: 2" "$QF_TMP/out" || { qf_fail "renew: $(cat "$QF_TMP/out")"; return 1; }
    wait_state "$id" approved || return 1
    expect_rc 0 qual show "$id" || return 1
    grep -qx "round: 2" "$QF_TMP/out" && grep -qx "expires: 2031-01-01" "$QF_TMP/out" &&
        grep -qx "sellable: yes" "$QF_TMP/out" && grep -qx "suspended: no" "$QF_TMP/out" ||
        { qf_fail "qual show after renewal: $(cat "$QF_TMP/out")"; return 1; }
    grep -q "^KIND  *LEAD_DAYS  *DUE  *STATE" "$QF_TMP/out" &&
        grep -Eq "^expiring +[0-9]+ +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z +pending" "$QF_TMP/out" ||
        { qf_fail "no pending timers: $(cat "$QF_TMP/out")"; return 1; }
    expect_rc 1 --as review qual renew "$id" --expires 2030-06-01 || return 1
    grep -q "bad request (400)" "$QF_TMP/err" || { qf_fail "early renewal: $(cat "$QF_TMP/err")"; return 1; }

    # A policy change suspends it; lifting it sends it to review again.
    expect_rc 0 --as legal policy record --category construction-general \
        --description "资质标准调整" --effective 2025-06-01 || return 1
    qf_wait_for "[ \"\$(qual_field $id sellable)\" = False ]" 10 ||
        { qf_fail "not suspended: $(qf_cli qual show "$id")"; return 1; }
    expect_rc 0 qual show "$id" || return 1
    grep -qx "suspended: yes" "$QF_TMP/out" && grep -qx "sellable: no" "$QF_TMP/out" ||
        { qf_fail "qual show while suspended: $(cat "$QF_TMP/out")"; return 1; }
    [ -z "$(sellable_ids)" ] || { qf_fail "still sellable: $(sellable_ids)"; return 1; }
    expect_rc 0 policy list --state active || return 1
    grep -q "^1  *construction-general  *active" "$QF_TMP/out" ||
        { qf_fail "policy list: $(cat "$QF_TMP/out")"; return 1; }
    expect_rc 1 --as sales policy lift 1 || return 1
    grep -q "forbidden (403)" "$QF_TMP/err" || { qf_fail "sales lift: $(cat "$QF_TMP/err")"; return 1; }
    expect_rc 0 --as management policy lift 1 || return 1
    qf_wait_for "[ \"\$(sellable_ids)\" = $id ]" 20 ||
        { qf_fail "not sellable after the lift: $(qf_cli qual show "$id")"; return 1; }
    [ "$(qual_field "$id" state)" = approved ] || { qf_fail "not approved after the lift"; return 1; }
    expect_rc 0 policy list --state lifted || return 1
    grep -q "^1  *construction-general  *lifted" "$QF_TMP/out" ||
        { qf_fail "policy list lifted: $(cat "$QF_TMP/out")"; return 1; }
    expect_rc 1 --as management policy lift 1 || return 1

    # Custody and loans.
    if has_command custody.show; then
        expect_rc 0 --as logistics custody archive "$id" --custodian "王芳" \
            --location "档案室 A-3" --acquired 2025-01-02 --notes "原件" || return 1
        expect_rc 0 --as sales --json loan request "$id" --borrower "李明" \
            --purpose "投标 2026-001" --due 2030-01-01 || return 1
        local loan
        loan=$(json_field id <"$QF_TMP/out")
        [ -n "$loan" ] || { qf_fail "loan request printed no id"; return 1; }
        expect_rc 1 --as sales loan approve "$loan" || return 1
        grep -q "forbidden (403)" "$QF_TMP/err" || { qf_fail "sales approve: $(cat "$QF_TMP/err")"; return 1; }
        expect_rc 0 --as leader loan approve "$loan" || return 1
        grep -qx "state: approved" "$QF_TMP/out" || { qf_fail "approve: $(cat "$QF_TMP/out")"; return 1; }
        expect_rc 0 --as logistics loan lend "$loan" || return 1
        expect_rc 0 loan list --state lent || return 1
        grep -q "^$loan  *$id  *lent  *李明  *2030-01-01" "$QF_TMP/out" ||
            { qf_fail "loan list: $(cat "$QF_TMP/out")"; return 1; }
        expect_rc 0 --as logistics loan return "$loan" || return 1
        expect_rc 0 custody show "$id" || return 1
        grep -qx "custodian: 王芳" "$QF_TMP/out" && grep -q "^$loan  *$id  *returned" "$QF_TMP/out" ||
            { qf_fail "custody show: $(cat "$QF_TMP/out")"; return 1; }
        expect_rc 0 loan list --qual "$id" || return 1
        expect_rc 1 --as leader loan refuse "$loan" || return 1
    fi

    # Rejection of a new qualification, and a hand-made review decision.
    expect_rc 0 --as review --json qual add --cert-no D234000002 --authority "$AUTHORITY" \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 \
        --expires 2030-01-01 || return 1
    local id2
    id2=$(json_field id <"$QF_TMP/out")
    if has_command qual.reject; then
        expect_rc 1 --as sales qual reject "$id2" --reason "no" || return 1
        expect_rc 0 --as management qual reject "$id2" --reason "证书存疑" || return 1
        grep -qx "state: rejected" "$QF_TMP/out" || { qf_fail "reject: $(cat "$QF_TMP/out")"; return 1; }
    fi
    if has_command review.decide; then
        # Not in review: the daemon refuses (exit 1), never a usage error.
        run_cli --as legal review decide "$id2" --round 1 --department legal --verdict pass
        [ "$RC" -eq 0 ] || [ "$RC" -eq 1 ] || { qf_fail "review decide: exit $RC"; return 1; }
    fi

    expect_rc 0 renewal list || return 1
    expect_rc 0 renewal list --state open --json || return 1
    expect_rc 0 --json qual list --sellable || return 1
    return 0
}

test_candidate() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    has_command candidate.list || return 0
    local w
    for w in legal finance technical; do
        qf_start_worker "$w" || { qf_fail "worker $w did not start"; return 1; }
    done
    expect_rc 0 --as market --json candidate add --name "市政公用工程施工总承包三级" \
        --category construction-general --industry construction --authority "$AUTHORITY" \
        --source "行业协会" || return 1
    local cid
    cid=$(json_field id <"$QF_TMP/out")
    [ -n "$cid" ] || { qf_fail "candidate add printed no id"; return 1; }
    expect_rc 0 --as market candidate evaluate "$cid" --legality "合法" --demand "高" \
        --value "约 50 万" --report "建议收购" || return 1
    expect_rc 1 --as market candidate decide "$cid" --acquire || return 1
    expect_rc 0 --as management candidate decide "$cid" --acquire --note "同意" || return 1
    expect_rc 0 --as review candidate track "$cid" --via agency --agency "某代办" --progress "材料已递交" \
        --blocker "等待审批" || return 1
    expect_rc 0 candidate show "$cid" || return 1
    grep -q "^TIME  *AUTHOR  *NOTE  *BLOCKER" "$QF_TMP/out" && grep -q "材料已递交" "$QF_TMP/out" ||
        { qf_fail "candidate show: $(cat "$QF_TMP/out")"; return 1; }
    expect_rc 0 --as review --json candidate acquire "$cid" --cert-no D234000009 --issued 2025-01-01 \
        --expires 2030-01-01 --scope "$SCOPE" --cost 100000 --revenue 180000 || return 1
    expect_rc 0 candidate list --state acquired || return 1
    grep -q "^$cid  *acquired" "$QF_TMP/out" || { qf_fail "candidate list: $(cat "$QF_TMP/out")"; return 1; }
    return 0
}

# A draft's data is corrected before review; the review and the timers then
# go by the corrected record. A correction that breaks a rule is refused
# and changes nothing; an approved qualification is not corrected.
test_rectify_corrects_a_draft() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local w
    for w in legal finance technical; do
        qf_start_worker "$w" || { qf_fail "worker $w did not start"; return 1; }
    done
    # Filed under the wrong (configured) authority, whose numbers start D334.
    expect_rc 0 --as review --json qual add --cert-no D234000001 --authority 合肥市城乡建设局 \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 \
        --expires 2027-01-01 --cost 100000 --revenue 180000 --industry construction || return 1
    local id
    id=$(json_field id <"$QF_TMP/out")
    expect_rc 1 --as review qual rectify "$id" --expires 2024-06-01 || return 1
    grep -q "expiry date (2024-06-01) must be after the date of issue (2025-01-01).*args.expires" \
        "$QF_TMP/err" || { qf_fail "unclear refusal: $(cat "$QF_TMP/err")"; return 1; }
    [ "$(qual_field "$id" expires)" = 2027-01-01 ] || { qf_fail "a refused correction changed the record"; return 1; }
    expect_rc 1 --as review call qual.rectify "{\"id\": $id}" || return 1
    grep -q "needs at least one field to correct" "$QF_TMP/err" ||
        { qf_fail "empty correction: $(cat "$QF_TMP/err")"; return 1; }
    # The daemon checks the order of the dates on add too, not only the CLI.
    expect_rc 1 --as review call qual.add "{\"cert_no\": \"D234000009\", \"authority\": \"$AUTHORITY\",
        \"category\": \"construction-general\", \"scope\": \"$SCOPE\",
        \"issued\": \"2025-01-01\", \"expires\": \"2024-12-31\"}" || return 1
    grep -q "expiry date (2024-12-31) must be after the date of issue (2025-01-01)" "$QF_TMP/err" ||
        { qf_fail "qual.add dates: $(cat "$QF_TMP/err")"; return 1; }
    [ "$(qf_cli --json qual list | grep -c D234000009)" -eq 0 ] || { qf_fail "a refused add was stored"; return 1; }
    expect_rc 0 --as review qual rectify "$id" --authority "$AUTHORITY" --issued 2025-02-01 --expires 2030-01-01 ||
        return 1
    [ "$(qual_field "$id" authority)" = "$AUTHORITY" ] && [ "$(qual_field "$id" issued)" = 2025-02-01 ] &&
        [ "$(qual_field "$id" expires)" = 2030-01-01 ] ||
        { qf_fail "correction not stored: $(qf_cli --json qual show "$id")"; return 1; }
    qf_cli events | grep -q "qualification.rectified" || { qf_fail "no qualification.rectified event"; return 1; }
    expect_rc 0 --as review qual submit "$id" || return 1
    wait_state "$id" approved || return 1
    # The expiry timer is due on the corrected date (00:00 Asia/Shanghai).
    local due
    due=$(qf_cli --json qual show "$id" | $PY -c 'import json, sys
d = json.load(sys.stdin)
print([t["due"] for t in d["timers"] if t["kind"] == "expired"][0])')
    [ "$due" = $(( $(date -d "2030-01-01T00:00:00+08:00" +%s) * 1000 )) ] ||
        { qf_fail "expired timer due $due, not on the corrected expiry"; return 1; }
    expect_rc 1 --as review qual rectify "$id" --scope x || return 1
    grep -q "is approved; only a draft or one under rectification" "$QF_TMP/err" ||
        { qf_fail "approved record corrected: $(cat "$QF_TMP/err")"; return 1; }
}

qf_run_tests test_help_and_usage_errors test_lifecycle test_candidate test_rectify_corrects_a_draft
