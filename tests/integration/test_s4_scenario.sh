#!/usr/bin/env bash
# The policy's story through the CLI, with real daemon and workers and the
# test clock (QUALFLOW_TEST_CLOCK_FILE, test-only): candidate → evaluation →
# decision → acquisition → parallel reviews (finance fails, rectification,
# then all pass) → approved → borrowed → overdue → returned → the
# 90/60/30/7-day reminders (the 90-day one falls in the National Day
# holiday) → expired → renewed → reviewed again → sellable again; and a
# policy change that suspends two qualifications and is then lifted.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3

clock() {  # clock 2026-06-01T02:00:00  (UTC)
    $PY -c "import calendar,datetime,sys; print(calendar.timegm(datetime.datetime.fromisoformat(sys.argv[1]).timetuple())*1000)" "$1" >"$QF_TMP/clock.tmp"
    mv "$QF_TMP/clock.tmp" "$QF_TMP/clock"
}
field() {  # field KEY < json
    $PY -c "import json,sys; print(json.load(sys.stdin)$1)"
}
count_events() {
    qf_cli --json events --topic "$1" --limit 1000 2>/dev/null | qf_json_items | wc -l
}
state_of() {
    qf_cli --json qual show "$1" | field '["state"]'
}
wait_state() {  # wait_state ID STATE
    qf_wait_for "[ \"\$(state_of $1)\" = $2 ]" 20 ||
        { qf_fail "qualification $1 is $(state_of "$1"), want $2"; return 1; }
}
wait_events() {  # wait_events TOPIC N
    qf_wait_for "[ \$(count_events $1) -ge $2 ]" 20 ||
        { qf_fail "$(count_events "$1") $1 events, want $2"; return 1; }
}

test_the_policy_story() {
    export QUALFLOW_TEST_CLOCK_FILE=$QF_TMP/clock
    clock 2026-06-01T02:00:00
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local w
    for w in legal finance technical renewal; do qf_start_worker $w; done

    # §4.1 acquisition.
    local cid qid qid2 lid
    cid=$(qf_cli --as market --json candidate add --name 建筑工程施工总承包二级 \
        --category construction-general --industry construction \
        --authority 安徽省住房和城乡建设厅 --source "合肥市住建局政策新闻" | field '["id"]') ||
        { qf_fail "candidate add"; return 1; }
    qf_cli --as review candidate evaluate "$cid" --legality 合法 --demand 高 --value "约18万元" \
        --report 建议收购 >/dev/null || { qf_fail "evaluate"; return 1; }
    qf_cli --as sales candidate decide "$cid" --acquire >/dev/null 2>&1 &&
        { qf_fail "sales decided an acquisition"; return 1; }
    qf_cli --as management candidate decide "$cid" --acquire >/dev/null ||
        { qf_fail "decide"; return 1; }
    qf_cli --as review candidate track "$cid" --via agency --agency 合肥某代理公司 \
        --progress 材料已提交 --blocker 缺少社保证明 >/dev/null || { qf_fail "track"; return 1; }
    wait_events acquisition.blocked 1 || return 1
    # Acquired without its cost: finance fails the review, the others pass.
    qid=$(qf_cli --as review --json candidate acquire "$cid" --cert-no D234000001 \
        --scope 建筑工程施工总承包二级 --issued 2025-01-01 --expires 2027-01-03 |
        field '["qualification_id"]') || { qf_fail "acquire"; return 1; }
    wait_state "$qid" rectification || return 1
    qf_cli qual show "$qid" | grep -q "no cost data" || { qf_fail "finance finding missing"; return 1; }
    qf_cli qual report "$qid" >/dev/null 2>&1 || true
    # §4.2 rectification, resubmission, all pass, review report.
    qf_cli --as review qual rectify "$qid" --cost 100000 --revenue 180000 >/dev/null &&
        qf_cli --as review qual submit "$qid" >/dev/null || { qf_fail "rectify/submit"; return 1; }
    wait_state "$qid" approved || return 1
    qf_cli qual report "$qid" | grep -q approved || { qf_fail "review report"; return 1; }

    # §4.3 custody: borrowed with a leader's approval, overdue, returned.
    qf_cli --as logistics custody archive "$qid" --custodian 王敏 --location 档案室A-3 \
        --acquired 2026-06-01 >/dev/null || { qf_fail "archive"; return 1; }
    lid=$(qf_cli --as sales --json loan request "$qid" --borrower 张伟 --purpose 投标 \
        --due 2026-06-10 | field '["id"]') || { qf_fail "loan request"; return 1; }
    qf_cli --as sales loan approve "$lid" >/dev/null 2>&1 && { qf_fail "sales approved a loan"; return 1; }
    qf_cli --as leader loan approve "$lid" >/dev/null && qf_cli --as logistics loan lend "$lid" >/dev/null ||
        { qf_fail "approve/lend"; return 1; }
    clock 2026-06-11T01:30:00   # Thursday 09:30 in Hefei, one day overdue
    wait_events custody.borrow_overdue 1 || return 1
    qf_cli --as logistics loan return "$lid" >/dev/null || { qf_fail "return"; return 1; }
    qf_cli custody show "$qid" | grep -q returned || { qf_fail "loan history"; return 1; }

    # Reminders: 90 days before 2027-01-03 is 2026-10-05, in the holiday:
    # it comes on the previous working day, 2026-09-30, at 09:00 in Hefei.
    local n=0 when
    for when in 2026-09-30T01:00:01 2026-11-04T01:00:01 2026-12-04T01:00:01 2026-12-25T01:00:01; do
        clock "$when"; n=$((n + 1))
        wait_events certificate.expiring "$n" || return 1
    done
    qf_cli --json events --topic certificate.expiring | qf_json_items | head -1 | grep -q '"lead_days":90' ||
        { qf_fail "first reminder is not the 90-day one"; return 1; }
    [ "$(count_events renewal.reminder)" -ge 4 ] || { qf_fail "renewal worker silent"; return 1; }
    qf_cli --json events --topic renewal.reminder | qf_json_items | head -1 | grep -q 王敏 ||
        { qf_fail "the named custodian is not told"; return 1; }
    clock 2027-01-02T16:00:01   # 2027-01-03 00:00:01 in Hefei
    wait_events certificate.expired 1 || return 1
    wait_state "$qid" expired || return 1
    qf_cli --json qual list --sellable | grep -q "\"id\": *$qid\b" &&
        { qf_fail "an expired qualification is listed as sellable"; return 1; }

    # Renewed, reviewed again, sellable again.
    qf_cli --as review qual renew "$qid" --expires 2030-01-03 >/dev/null || { qf_fail "renew"; return 1; }
    wait_state "$qid" approved || return 1
    qf_cli --json qual list --sellable | grep -q "\"id\": *$qid" || { qf_fail "not sellable again"; return 1; }

    # §7.2 a policy change suspends two qualifications, then is lifted.
    qid2=$(qf_cli --as review --json qual add --cert-no D234000002 --authority 安徽省住房和城乡建设厅 \
        --category construction-general --scope 建筑工程施工总承包二级 --issued 2026-01-01 \
        --expires 2031-01-01 --cost 100000 --revenue 180000 | field '["id"]') &&
        qf_cli --as review qual submit "$qid2" >/dev/null || { qf_fail "second qualification"; return 1; }
    wait_state "$qid2" approved || return 1
    qf_cli --as legal policy record --category construction-general --description 资质标准调整 \
        --effective 2027-01-02 >/dev/null || { qf_fail "policy record"; return 1; }
    wait_events qualification.suspended 2 || return 1
    [ "$(qf_cli --json qual list --sellable | grep -c '"id"')" -eq 0 ] ||
        { qf_fail "suspended qualifications still sellable"; return 1; }
    qf_cli --as management policy lift 1 >/dev/null || { qf_fail "policy lift"; return 1; }
    wait_events qualification.reinstated 2 || return 1
    [ "$(qf_cli --json qual list --sellable | grep -c '"id"')" -eq 2 ] ||
        { qf_fail "not sellable after the lift: $(qf_cli qual list --sellable)"; return 1; }
}

qf_run_tests test_the_policy_story
