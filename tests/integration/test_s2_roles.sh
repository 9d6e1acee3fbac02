#!/usr/bin/env bash
# Who may run what, and with which values, checked when a command is given:
# admin runs operations and reads but takes no business decision (§4.3:
# only a leader approves a loan), whatever the CLI's default role; the CLI
# takes its role from --as, $QUALFLOW_ROLE or cli.role and says how to give
# one; a department reviews only for itself; and the values the
# configuration enumerates (category, issuing authority, review department,
# role) are refused at once, with the allowed ones in the message.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
AUTHORITY=安徽省住房和城乡建设厅
SCOPE=建筑工程施工总承包二级

# Prints one field of the JSON object on stdin.
json_field() { $PY -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# The number of qualifications stored.
qual_count() {
    qf_cli --json qual list | $PY -c '
import json, sys
text = sys.stdin.read()
try:
    doc = json.loads(text)
    items = doc["items"] if isinstance(doc, dict) else doc
except ValueError:  # one record per line
    items = [json.loads(line) for line in text.splitlines() if line.strip()]
print(len(items))'
}

# Expects the last CLI run to have been refused by the daemon with `status`
# and a message holding every further argument.
refused_with() {
    local status=$1; shift
    [ "$RC" -eq 1 ] || { qf_fail "exit $RC, not 1: $(cat "$QF_TMP/err")"; return 1; }
    grep -q "($status): " "$QF_TMP/err" || { qf_fail "not $status: $(cat "$QF_TMP/err")"; return 1; }
    local part
    for part in "$@"; do
        grep -qF -- "$part" "$QF_TMP/err" || { qf_fail "no '$part' in: $(cat "$QF_TMP/err")"; return 1; }
    done
}

# Sends one raw request body and prints "STATUS MESSAGE".
raw_request() {
    $PY - "$QF_TMP" "$1" "$2" <<'EOF'
import json, sys, zmq
s = zmq.Context().socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0)
s.connect("ipc://%s/command.sock" % sys.argv[1])
s.send_multipart([b"QFLOW/1", b"REQUEST", b"r1", sys.argv[2].encode(), sys.argv[3].encode()])
if not s.poll(5000):
    sys.exit("no answer")
f = s.recv_multipart()
body = json.loads(f[4])
print(f[3].decode(), body.get("error", {}).get("message", ""))
EOF
}

test_admin_takes_no_business_decision() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local w
    for w in legal finance technical; do qf_start_worker "$w"; done
    # No role given: the CLI acts as admin, which the daemon refuses a
    # business command, and the CLI says how to give a role.
    run_cli qual add --cert-no D234000001 --authority "$AUTHORITY" --category construction-general \
        --scope "$SCOPE" --issued 2025-01-01 --expires 2030-01-01
    refused_with 403 "role admin may not run qual.add" "allowed roles: review" "--as ROLE" \
        "QUALFLOW_ROLE" "cli.role" || return 1
    [ "$(qual_count)" -eq 0 ] || { qf_fail "admin stored a qualification"; return 1; }
    # Operations and reads need no role.
    local ops
    for ops in ping status groups events "dlq list legal" "qual list" "loan list" "renewal list"; do
        # shellcheck disable=SC2086
        expect_rc 0 $ops || return 1
    done

    # A certificate in custody, a loan requested by sales.
    expect_rc 0 --as review --json qual add --cert-no D234000001 --authority "$AUTHORITY" \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 \
        --expires 2030-01-01 --cost 100000 --revenue 180000 || return 1
    local id loan
    id=$(json_field id <"$QF_TMP/out")
    expect_rc 0 --as review qual submit "$id" || return 1
    qf_wait_for "qf_cli --json qual show $id | grep -q '\"state\": \"approved\"'" 20 ||
        { qf_fail "qualification $id not approved"; return 1; }
    expect_rc 0 --as logistics custody archive "$id" --custodian 王敏 --location 档案室A-3 \
        --acquired 2025-01-02 || return 1
    expect_rc 0 --as sales --json loan request "$id" --borrower 张伟 --purpose 投标 \
        --due 2030-01-01 || return 1
    loan=$(json_field id <"$QF_TMP/out")

    # §4.3: only a leader approves, with the default role too.
    run_cli loan approve "$loan"
    refused_with 403 "role admin may not run loan.approve" "admin runs operations, not business" \
        "allowed roles: leader" "--as ROLE" || return 1
    run_cli --as admin loan approve "$loan"
    refused_with 403 "role admin may not run loan.approve" || return 1
    grep -q "no role was given" "$QF_TMP/err" && { qf_fail "hint for a role that was given"; return 1; }
    QUALFLOW_ROLE=sales run_cli loan approve "$loan"
    refused_with 403 "role sales may not run loan.approve" || return 1
    # The configuration's cli.role is the default; the environment and --as win over it.
    cp "$QF_CONF" "$QF_TMP/leader.yaml"
    qf_config_add cli.role leader "$QF_TMP/leader.yaml"
    QUALFLOW_ROLE=sales "$QF_BIN/qualflow" -c "$QF_TMP/leader.yaml" loan approve "$loan" \
        >"$QF_TMP/out" 2>"$QF_TMP/err" && { qf_fail "QUALFLOW_ROLE did not win over cli.role"; return 1; }
    "$QF_BIN/qualflow" -c "$QF_TMP/leader.yaml" --as sales loan approve "$loan" \
        >"$QF_TMP/out" 2>"$QF_TMP/err" && { qf_fail "--as did not win over cli.role"; return 1; }
    "$QF_BIN/qualflow" -c "$QF_TMP/leader.yaml" loan approve "$loan" >"$QF_TMP/out" 2>"$QF_TMP/err" ||
        { qf_fail "cli.role leader could not approve: $(cat "$QF_TMP/err")"; return 1; }
    grep -qx "state: approved" "$QF_TMP/out" || { qf_fail "approve: $(cat "$QF_TMP/out")"; return 1; }
    # The operations commands stay admin's.
    run_cli --as leader groups seek legal --to 1
    refused_with 403 "role leader may not run groups.seek" || return 1
    expect_rc 0 groups seek legal --to 1 || return 1
}

# Every business command refuses admin (PROTOCOL.md §5.1 lists their roles);
# a request without a role is refused too: the daemon never picks one.
test_business_commands_refuse_admin_on_the_wire() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local cmd out
    for cmd in qual.add qual.submit qual.rectify qual.renew qual.reject review.report \
        review.decide renewal.remind policy.record policy.apply policy.lift candidate.add \
        candidate.evaluate candidate.decide candidate.track candidate.acquire custody.archive \
        loan.request loan.approve loan.refuse loan.lend loan.return; do
        out=$(raw_request "$cmd" '{"role": "admin", "args": {}}') ||
            { qf_fail "$cmd: $out"; return 1; }
        [[ $out == "403 role admin may not run $cmd"* ]] ||
            { qf_fail "admin ran $cmd: $out"; return 1; }
    done
    out=$(raw_request qual.list '{"args": {}}')
    [[ $out == "400 the request has no role; set role to one of: admin, sales, supervisor, review"* ]] ||
        { qf_fail "a request without a role: $out"; return 1; }
    out=$(raw_request qual.list '{"role": "salse"}')
    [[ $out == "400 role \"salse\" is unknown; use one of: admin, sales, supervisor, review"*"integration, notify" ]] ||
        { qf_fail "an unknown role: $out"; return 1; }
    # A long value is cut in the message, never inside a character.
    out=$(raw_request qual.list "{\"role\": \"$(printf '角色%.0s' $(seq 1 40))\"}")
    [[ $out == "400 role \"角色角色"*"\" is unknown; use one of: admin"* ]] ||
        { qf_fail "a long unknown role: $out"; return 1; }
    out=$(raw_request qual.list '{"role": "admin"}')
    [[ $out == "200 "* ]] || { qf_fail "admin could not read: $out"; return 1; }
}

# A department reports and decides for itself only; admin no longer for any.
test_department_reviews_for_itself() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    expect_rc 0 --as review --json qual add --cert-no D234000001 --authority "$AUTHORITY" \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 \
        --expires 2030-01-01 || return 1
    local id
    id=$(json_field id <"$QF_TMP/out")
    expect_rc 0 --as review qual submit "$id" || return 1
    local report="{\"qualification_id\": $id, \"round\": 1, \"department\": \"legal\", \"verdict\": \"pass\"}"
    run_cli --as finance call review.report "$report"
    refused_with 403 "role finance may not review for department legal; only role legal may" || return 1
    run_cli --as admin call review.report "$report"
    refused_with 403 "role admin may not run review.report" || return 1
    expect_rc 0 --as legal call review.report "$report" || return 1
}

test_configured_values_checked_when_given() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    local categories="use one of: construction-general, security-permit, business-licence (categories in the configuration)"
    run_cli --as review qual add --cert-no D234000001 --authority "$AUTHORITY" \
        --category construction-genral --scope "$SCOPE" --issued 2025-01-01 --expires 2030-01-01
    refused_with 400 "args.category \"construction-genral\" is not a configured category; $categories" ||
        return 1
    run_cli --as review qual add --cert-no D234000001 --authority 某市不存在的发证机关 \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 --expires 2030-01-01
    refused_with 400 "args.authority \"某市不存在的发证机关\" is not a configured issuing authority" \
        "use one of: $AUTHORITY, 合肥市城乡建设局" "(authorities in the configuration)" || return 1
    [ "$(qual_count)" -eq 0 ] || { qf_fail "a refused qualification was stored"; return 1; }

    # Corrections are checked the same way, and change nothing when refused.
    expect_rc 0 --as review --json qual add --cert-no D234000001 --authority "$AUTHORITY" \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 \
        --expires 2030-01-01 || return 1
    local id
    id=$(json_field id <"$QF_TMP/out")
    run_cli --as review qual rectify "$id" --category security-permt
    refused_with 400 "args.category \"security-permt\" is not a configured category" || return 1
    run_cli --as review qual rectify "$id" --authority 某局
    refused_with 400 "args.authority \"某局\" is not a configured issuing authority" || return 1
    qf_cli --json qual show "$id" | grep -q '"category": "construction-general"' ||
        { qf_fail "a refused correction changed the record"; return 1; }

    run_cli --as market candidate add --name n --category construction-genral --industry construction \
        --authority "$AUTHORITY" --source s
    refused_with 400 "args.category \"construction-genral\"" || return 1
    run_cli --as market candidate add --name n --category construction-general \
        --industry construction --authority "Anhui" --source s
    refused_with 400 "args.authority \"Anhui\" is not a configured issuing authority" || return 1
    run_cli --as legal policy record --category construction-genral --description d \
        --effective 2026-01-01
    refused_with 400 "args.category \"construction-genral\" is not a configured category" || return 1
    run_cli --as legal call review.report \
        "{\"qualification_id\": $id, \"round\": 1, \"department\": \"legel\", \"verdict\": \"pass\"}"
    refused_with 400 "args.department \"legel\" is not a configured review department; use one of: legal, finance, technical (policy.review_departments in the configuration)" ||
        return 1

    # The role is checked before anything is sent, with the roles in the message.
    run_cli --as salse qual list
    [ "$RC" -eq 2 ] && grep -q -- '--as must be one of: admin, sales, supervisor, review, .*, integration, notify; got "salse"' \
        "$QF_TMP/err" || { qf_fail "--as salse: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    QUALFLOW_ROLE=Leader run_cli qual list
    [ "$RC" -eq 2 ] && grep -q 'QUALFLOW_ROLE must be one of: admin, sales' "$QF_TMP/err" ||
        { qf_fail "QUALFLOW_ROLE=Leader: exit $RC: $(cat "$QF_TMP/err")"; return 1; }
    cp "$QF_CONF" "$QF_TMP/bad.yaml"
    qf_config_add cli.role salse "$QF_TMP/bad.yaml"
    "$QF_BIN/qualflow" -c "$QF_TMP/bad.yaml" ping >"$QF_TMP/out" 2>"$QF_TMP/err"
    [ $? -eq 1 ] && grep -q 'cli.role: expected one of admin, sales, .*, got "salse"' "$QF_TMP/err" ||
        { qf_fail "cli.role salse: $(cat "$QF_TMP/err")"; return 1; }
}

# PROTOCOL.md says what the daemon does: the roles of §5 are the ones it
# accepts, and the roles column of §5.1 is, for every command, the roles
# it lets in (a 403 about the role otherwise), probed one by one.
test_protocol_lists_each_commands_roles() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    $PY - "$QF_TMP" "$QF_ROOT/proto/PROTOCOL.md" >"$QF_TMP/drift" 2>&1 <<'EOF' ||
import json, re, sys, zmq
tmp, doc = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
s = zmq.Context().socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0)
s.connect("ipc://%s/command.sock" % tmp)
def ask(command, body):
    s.send_multipart([b"QFLOW/1", b"REQUEST", b"p", command.encode(), json.dumps(body).encode()])
    if not s.poll(5000):
        sys.exit("no answer to %s" % command)
    f = s.recv_multipart()
    return int(f[3]), json.loads(f[4])
def lets_in(command, role):
    status, body = ask(command, {"role": role, "args": {}})
    return not (status == 403 and body["error"].get("field") == "role")
status, body = ask("ping", {"args": {}})
roles = body["error"]["message"].split("one of: ")[1].split(", ")
section5 = doc.split("## 5. Commands")[1].split("### 5.1")[0]
documented = set(re.findall(r"`([a-z]+)`", section5.split("- `role`")[1].split("- `user`")[0]))
if set(roles) - documented:
    sys.exit("roles the daemon accepts that section 5 does not list: %s"
             % sorted(set(roles) - documented))
table = doc.split("### 5.1")[1].split("### 5.2")[0]
problems = []
for row in table.splitlines():
    cells = [c.strip() for c in row.split("|")[1:-1]]
    if len(cells) < 2 or not cells[0].startswith("`"):
        continue
    text = cells[1].split(":")[0]
    listed = set(roles) if text == "any" else set(re.findall(r"[a-z]+", text)) & set(roles)
    for command in re.findall(r"`([a-z.]+)`", cells[0]):
        allowed = {r for r in roles if lets_in(command, r)}
        if allowed != listed:
            problems.append("%s: PROTOCOL.md lists %s, the daemon lets in %s"
                            % (command, sorted(listed), sorted(allowed)))
if problems:
    sys.exit("\n".join(problems))
EOF
    { qf_fail "$(cat "$QF_TMP/drift")"; return 1; }
}

qf_run_tests test_admin_takes_no_business_decision test_business_commands_refuse_admin_on_the_wire \
    test_department_reviews_for_itself test_configured_values_checked_when_given \
    test_protocol_lists_each_commands_roles
