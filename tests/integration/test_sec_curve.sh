#!/usr/bin/env bash
# CURVE authentication (security.curve): only holders of a certificate in
# the daemon's clients directory get in, a request's role must be one its
# certificate allows, a worker may join only its certificate's groups, the
# event stream is encrypted too, and the directory is re-read on each
# connection so access is granted and revoked without a restart.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
AUTHORITY=安徽省住房和城乡建设厅
SCOPE=建筑工程施工总承包二级

# Certificates: the server's, three clients allowed in, one stranger. The
# secret halves live outside the clients directory.
make_keys() {
    local k=$QF_TMP/keys
    "$QF_BIN/qualflow" keygen server --dir "$k" >/dev/null &&
        "$QF_BIN/qualflow" keygen alice --dir "$k/clients" --roles "sales management" >/dev/null &&
        "$QF_BIN/qualflow" keygen ops --dir "$k/clients" --roles "*" --groups "*" >/dev/null &&
        "$QF_BIN/qualflow" keygen legal1 --dir "$k/clients" --roles legal --groups legal >/dev/null &&
        "$QF_BIN/qualflow" keygen mallory --dir "$k/strangers" --roles "*" >/dev/null || return 1
    mkdir -p "$k/secret" && mv "$k"/clients/*.key_secret "$k/secret/" || return 1
    qf_config_set curve true
    qf_config_set server_secret "$k/server.key_secret"
    qf_config_set server_public "$k/server.key"
    qf_config_set clients_dir "$k/clients"
    qf_config_set certificate "$k/secret/ops.key_secret"
}

add_qual() {
    qf_cli "$@" --json qual add --cert-no D234000001 --authority "$AUTHORITY" \
        --category construction-general --scope "$SCOPE" --issued 2025-01-01 --expires 2030-01-01
}

test_roles_come_from_the_certificate() {
    make_keys || { qf_fail "keygen failed"; return 1; }
    qf_start_daemon || { qf_fail "daemon did not start with CURVE"; return 1; }
    grep -q "CURVE on" "$QF_TMP/daemon.log" || { qf_fail "the daemon does not say CURVE is on"; return 1; }
    expect_rc 0 status || return 1
    grep -q "^security: curve" "$QF_TMP/out" &&
        grep -qF "server_public_key: $(sed -n 's/.*public-key = "\(.*\)"/\1/p' "$QF_TMP/keys/server.key")" "$QF_TMP/out" ||
        { qf_fail "status does not show CURVE: $(head -n 12 "$QF_TMP/out")"; return 1; }
    local alice=$QF_TMP/keys/secret/alice.key_secret
    expect_rc 0 --cert "$alice" --as sales qual list || return 1
    expect_rc 1 --cert "$alice" --as admin ping || return 1
    grep -q 'forbidden (403): certificate "alice" may act as: sales management; not as admin' \
        "$QF_TMP/err" || { qf_fail "unclear refusal: $(cat "$QF_TMP/err")"; return 1; }
    # A role the certificate allows still obeys the command's own roles.
    expect_rc 1 --cert "$alice" --as management qual add --cert-no D234000001 --authority A \
        --category c --scope s --issued 2025-01-01 --expires 2030-01-01 || return 1
    grep -q "role management may not run qual.add" "$QF_TMP/err" ||
        { qf_fail "command roles not applied: $(cat "$QF_TMP/err")"; return 1; }
    # Without a role the CLI acts as admin: a certificate without it is
    # refused, and the CLI says how to name a role it has.
    expect_rc 1 --cert "$alice" qual list || return 1
    grep -q 'not as admin' "$QF_TMP/err" && grep -q -- '--as ROLE' "$QF_TMP/err" ||
        { qf_fail "no role, no hint: $(cat "$QF_TMP/err")"; return 1; }
    # A certificate allowed every role still takes no business decision as admin.
    expect_rc 0 status || return 1
    expect_rc 1 --as admin qual add --cert-no D234000001 --authority "$AUTHORITY" \
        --category construction-general --scope s --issued 2025-01-01 --expires 2030-01-01 || return 1
    grep -q "role admin may not run qual.add" "$QF_TMP/err" ||
        { qf_fail "admin added a qualification: $(cat "$QF_TMP/err")"; return 1; }
    # The user on record is the certificate's name, not what --user claims.
    add_qual --as review --user someone-else >"$QF_TMP/out" || { qf_fail "ops could not add"; return 1; }
    [ "$($PY -c 'import json,sys; print(json.load(sys.stdin)["created_by"])' <"$QF_TMP/out")" = ops ] ||
        { qf_fail "created_by is not the certificate's name: $(cat "$QF_TMP/out")"; return 1; }
    [ "$(qf_cli --json qual list | qf_json_items | wc -l)" -eq 1 ] ||
        { qf_fail "a refused request changed the database"; return 1; }
}

test_strangers_and_plain_clients_get_no_answer() {
    make_keys || { qf_fail "keygen failed"; return 1; }
    qf_start_daemon || { qf_fail "daemon did not start with CURVE"; return 1; }
    local mallory=$QF_TMP/keys/strangers/mallory.key_secret
    expect_rc 1 --cert "$mallory" --timeout 1000 ping || return 1
    grep -q "no answer from the daemon" "$QF_TMP/err" || { qf_fail "stranger: $(cat "$QF_TMP/err")"; return 1; }
    # Granted by copying the public certificate in; no restart.
    cp "$QF_TMP/keys/strangers/mallory.key" "$QF_TMP/keys/clients/"
    expect_rc 0 --cert "$mallory" --timeout 3000 ping || return 1
    # Revoked by deleting it: the next connection is refused.
    rm "$QF_TMP/keys/clients/mallory.key"
    expect_rc 1 --cert "$mallory" --timeout 1000 ping || return 1
    # A client without CURVE at all gets nothing either, and nothing is stored.
    $PY - "$QF_TMP" <<'EOF' || { qf_fail "a plain client got an answer"; return 1; }
import sys, zmq
s = zmq.Context().socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0)
s.connect("ipc://%s/command.sock" % sys.argv[1])
s.send_multipart([b"QFLOW/1", b"REQUEST", b"1", b"ping", b'{"role":"admin"}'])
sys.exit(1 if s.poll(1000) else 0)
EOF
    # Another language, from PROTOCOL.md §1.1 alone: read the zcert files,
    # set the three CURVE options, and speak QFLOW/1.
    $PY - "$QF_TMP" <<'EOF' || { qf_fail "a Python CURVE client failed"; return 1; }
import json, re, sys, zmq
tmp = sys.argv[1]
def key(path, which):
    return re.search(r'%s-key = "(.{40})"' % which, open(path).read()).group(1).encode()
s = zmq.Context().socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0)
s.curve_serverkey = key(tmp + "/keys/server.key", "public")
s.curve_publickey = key(tmp + "/keys/secret/alice.key_secret", "public")
s.curve_secretkey = key(tmp + "/keys/secret/alice.key_secret", "secret")
s.connect("ipc://%s/command.sock" % tmp)
for role, want in ((b"sales", b"200"), (b"admin", b"403")):
    s.send_multipart([b"QFLOW/1", b"REQUEST", role, b"ping", b'{"role":"%s"}' % role])
    if not s.poll(5000):
        sys.exit("no answer as %s" % role)
    f = s.recv_multipart()
    if f[3] != want:
        sys.exit("as %s: %r" % (role, f))
EOF
    # A broken certificate path is a clear local error.
    expect_rc 1 --cert "$QF_TMP/keys/nope.key_secret" ping || return 1
    grep -q 'security.certificate: cannot read a CURVE certificate from ".*nope.key_secret"' \
        "$QF_TMP/err" || { qf_fail "bad --cert: $(cat "$QF_TMP/err")"; return 1; }
}

test_workers_join_only_their_groups_and_events_are_encrypted() {
    make_keys || { qf_fail "keygen failed"; return 1; }
    qf_start_daemon || { qf_fail "daemon did not start with CURVE"; return 1; }
    local legal1=$QF_TMP/keys/secret/legal1.key_secret
    qf_start_worker legal --cert "$legal1"
    qf_start_worker finance --cert "$legal1"
    qf_wait_for "grep -q 'session 1 open' '$QF_TMP/worker-legal.log'" 10 ||
        { qf_fail "legal did not join: $(tail -n 3 "$QF_TMP/worker-legal.log")"; return 1; }
    qf_wait_for "grep -q '403 certificate \"legal1\" may join groups: legal; not finance' '$QF_TMP/worker-finance.log'" 10 ||
        { qf_fail "finance was not refused: $(tail -n 3 "$QF_TMP/worker-finance.log")"; return 1; }
    "$QF_BIN/qualflow" -c "$QF_CONF" events --follow >"$QF_TMP/follow" 2>"$QF_TMP/follow.err" &
    local follow=$!
    echo "$follow" >>"$QF_TMP/pids"
    sleep 0.5
    add_qual --as review >/dev/null || { qf_fail "add failed"; return 1; }
    qf_wait_for "grep -q qualification.created '$QF_TMP/follow'" 10 ||
        { qf_fail "no event over the encrypted stream: $(cat "$QF_TMP/follow.err")"; return 1; }
    qf_stop "$follow"
    # The stream itself: a CURVE subscriber with a known certificate gets the
    # next event; a plain subscriber gets nothing (the CLI above could also
    # have read the event from the log).
    $PY - "$QF_TMP" "$QF_BIN/qualflow" "$QF_CONF" <<'EOF' || { qf_fail "event socket: see the log"; return 1; }
import re, subprocess, sys, time, zmq
tmp, cli, conf = sys.argv[1:4]
def key(path, which):
    return re.search(r'%s-key = "(.{40})"' % which, open(path).read()).group(1).encode()
ctx = zmq.Context()
secure, plain = ctx.socket(zmq.SUB), ctx.socket(zmq.SUB)
secure.curve_serverkey = key(tmp + "/keys/server.key", "public")
secure.curve_publickey = key(tmp + "/keys/secret/alice.key_secret", "public")
secure.curve_secretkey = key(tmp + "/keys/secret/alice.key_secret", "secret")
for s in (secure, plain):
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.SUBSCRIBE, b"qualification.")
    s.connect("ipc://%s/events.sock" % tmp)
time.sleep(1.0)  # both subscriptions reach the daemon (or fail to)
subprocess.run([cli, "-c", conf, "--as", "review", "qual", "add", "--cert-no", "D234000001",
                "--authority", "安徽省住房和城乡建设厅", "--category", "construction-general",
                "--scope", "s", "--issued", "2025-01-01", "--expires", "2030-01-01"],
               check=True, stdout=subprocess.DEVNULL)
if not secure.poll(5000):
    sys.exit("the CURVE subscriber got no event")
frames = secure.recv_multipart()
if frames[0] != b"qualification.created":
    sys.exit("unexpected first frame %r" % frames[0])
if plain.poll(1000):
    sys.exit("a plain subscriber got %r" % plain.recv_multipart()[:1])
EOF
    # A clean stop (under the sanitizers: nothing leaked by authentication).
    local rc
    kill -TERM "$QF_DAEMON_PID"
    qf_wait_exit "$QF_DAEMON_PID" 20; rc=$?
    [ $rc -eq 0 ] || { qf_fail "daemon exit $rc: $(tail -n 5 "$QF_TMP/daemon.log")"; return 1; }
}

test_daemon_refuses_missing_keys() {
    make_keys || { qf_fail "keygen failed"; return 1; }
    local k=$QF_TMP/keys rc
    # (zcert_load reads NAME.key_secret when it sits next to NAME.key.)
    cp "$k/server.key" "$k/public-only.key"
    qf_config_set server_secret "$k/public-only.key"
    timeout 20 "$QF_BIN/qualflowd" -c "$QF_CONF" >"$QF_TMP/start.log" 2>&1; rc=$?
    [ $rc -eq 1 ] && grep -q 'security.server_secret: ".*public-only.key" holds only a public key' \
        "$QF_TMP/start.log" || { qf_fail "public key as secret: rc $rc, $(cat "$QF_TMP/start.log")"; return 1; }
    qf_config_set server_secret "$k/server.key_secret"
    qf_config_set clients_dir "$k/none"
    timeout 20 "$QF_BIN/qualflowd" -c "$QF_CONF" >"$QF_TMP/start.log" 2>&1; rc=$?
    [ $rc -eq 1 ] && grep -q 'security.clients_dir: ".*none" is not a directory' "$QF_TMP/start.log" ||
        { qf_fail "missing clients_dir: rc $rc, $(cat "$QF_TMP/start.log")"; return 1; }
    "$QF_BIN/qualflow" keygen ops --dir "$k/clients" >"$QF_TMP/out" 2>&1 && { qf_fail "keygen overwrote"; return 1; }
    grep -q "already exists" "$QF_TMP/out" || { qf_fail "keygen: $(cat "$QF_TMP/out")"; return 1; }
}

qf_run_tests test_roles_come_from_the_certificate test_strangers_and_plain_clients_get_no_answer \
    test_workers_join_only_their_groups_and_events_are_encrypted test_daemon_refuses_missing_keys
