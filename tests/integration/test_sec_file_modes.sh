#!/usr/bin/env bash
# Who may reach the daemon's files. The database (and its -wal and -shm)
# is created 0600 whatever the umask, the ipc sockets are 0600 (0660 and
# security.socket_group when set), and the daemon refuses to start when the
# database, its WAL or its directory, or a socket's directory, lets other
# users in: the refusal names each path, its mode and the chmod that fixes
# it. security.allow_shared_files turns each refusal into a warning.
source "$(dirname "$0")/lib.sh"

GOOD='{"cert_no":"D234000001","authority":"安徽省住房和城乡建设厅","category":"construction-general","scope":"建筑工程施工总承包二级","issued":"2025-01-01","expires":"2030-01-01"}'

mode() { stat -c %a "$1"; }

# Starts the daemon expecting a refusal that says each of the given
# phrases; its output in $OUT.
expect_refusal() {
    local rc phrase
    OUT=$(timeout 20 "$QF_BIN/qualflowd" -c "$QF_CONF" 2>&1); rc=$?
    [ "$rc" -eq 1 ] || { qf_fail "daemon exit $rc, not 1 (a refusal): $(echo "$OUT" | tail -3)"; return 1; }
    for phrase in "$@"; do
        [[ $OUT == *"$phrase"* ]] || { qf_fail "the refusal does not say \"$phrase\": $OUT"; return 1; }
    done
}

# Runs the chmod the refusal in $OUT says to run.
run_suggested_fix() {
    local fix
    fix=$(sed -n "s/.* with '\(chmod [^']*\)' and start again.*/\1/p" <<<"$OUT")
    [ -n "$fix" ] || { qf_fail "the refusal suggests no chmod: $OUT"; return 1; }
    eval "$fix"
}

# Moves the three endpoints into directory $1.
sockets_in() {
    qf_config_set command_endpoint "ipc://$1/command.sock"
    qf_config_set event_endpoint "ipc://$1/events.sock"
    qf_config_set worker_endpoint "ipc://$1/worker.sock"
}

test_database_wal_and_sockets_are_private() {
    umask 022
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    qf_cli --as review call qual.add "$GOOD" >/dev/null || { qf_fail "qual.add failed"; return 1; }
    local f
    for f in qualflow.db qualflow.db-wal qualflow.db-shm command.sock events.sock worker.sock; do
        [ -e "$QF_TMP/$f" ] || { qf_fail "no $f"; return 1; }
        [ "$(mode "$QF_TMP/$f")" = 600 ] || { qf_fail "$f has mode $(mode "$QF_TMP/$f"), not 600"; return 1; }
    done
    # The issue's reproduction: with the directory opened to everyone (as
    # make run left var/ and run/), another user still reads nothing.
    if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null && id nobody >/dev/null 2>&1 &&
        command -v sqlite3 >/dev/null; then
        chmod 755 "$QF_TMP"
        local out rc
        out=$(runuser -u nobody -- sqlite3 -readonly "$QF_TMP/qualflow.db" \
            'select cert_no from qualifications' 2>&1); rc=$?
        chmod 700 "$QF_TMP"
        [ "$rc" -ne 0 ] && [[ $out != *D234000001* ]] ||
            { qf_fail "another user read the database: $out"; return 1; }
    elif [ "$(id -u)" = 0 ]; then
        qf_fail "as root, the read as another user needs runuser, the user nobody and sqlite3"
        return 1
    else
        echo "# skipped the read as another user: needs root"
    fi
}

test_refuses_an_open_database_directory() {
    mkdir -m 755 "$QF_TMP/var"
    qf_config_set database "$QF_TMP/var/qualflow.db"
    expect_refusal "$QF_TMP/var (the database's directory, mode 0755)" \
        "chmod go= $QF_TMP/var'" || return 1
    [ ! -e "$QF_TMP/var/qualflow.db" ] || { qf_fail "a refused start created the database"; return 1; }
    run_suggested_fix || return 1
    qf_start_daemon || { qf_fail "daemon did not start once the directory was private"; return 1; }
}

test_refuses_an_open_database_and_wal() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    qf_cli --as review call qual.add "$GOOD" >/dev/null || { qf_fail "qual.add failed"; return 1; }
    qf_stop "$QF_DAEMON_PID" KILL # leaves the WAL behind
    chmod 644 "$QF_TMP/qualflow.db" "$QF_TMP/qualflow.db-wal"
    expect_refusal "$QF_TMP/qualflow.db (the database, mode 0644)" \
        "$QF_TMP/qualflow.db-wal (the database's WAL, mode 0644)" \
        "chmod go= $QF_TMP/qualflow.db $QF_TMP/qualflow.db-wal'" || return 1
    run_suggested_fix || return 1
    qf_start_daemon || { qf_fail "daemon did not start once the files were private"; return 1; }
    [ "$(qf_cli --as review qual show 1 | grep -c D234000001)" -ge 1 ] ||
        { qf_fail "the record is gone"; return 1; }
}

test_refuses_an_open_socket_directory() {
    mkdir -m 755 "$QF_TMP/run"
    qf_config_set command_endpoint "ipc://$QF_TMP/run/command.sock"
    expect_refusal "$QF_TMP/run (the directory of daemon.command_endpoint, mode 0755)" \
        "chmod go= $QF_TMP/run'" || return 1
}

test_socket_group_shares_sockets_with_a_group() {
    local group
    group=$(id -gn)
    qf_config_add security.socket_group "$group" || return 1
    mkdir -m 750 "$QF_TMP/run"
    sockets_in "$QF_TMP/run"
    qf_start_daemon || { qf_fail "daemon did not start with a group-readable socket directory"; return 1; }
    local f
    for f in command.sock events.sock worker.sock; do
        [ "$(stat -c %a:%G "$QF_TMP/run/$f")" = "660:$group" ] ||
            { qf_fail "$f is $(stat -c %a:%G "$QF_TMP/run/$f"), not 660:$group"; return 1; }
    done
    qf_stop "$QF_DAEMON_PID" TERM
    # The group may enter the directory, never write to it.
    chmod 770 "$QF_TMP/run"
    expect_refusal "$QF_TMP/run (the directory of daemon.command_endpoint, mode 0770)" \
        "chmod g-w,o= $QF_TMP/run'" || return 1
}

test_unknown_socket_group_is_refused() {
    qf_config_add security.socket_group qf-no-such-group || return 1
    expect_refusal "security.socket_group: no group named qf-no-such-group" || return 1
}

test_allow_shared_files_warns_and_starts() {
    mkdir -m 755 "$QF_TMP/var"
    qf_config_set database "$QF_TMP/var/qualflow.db"
    qf_config_set allow_shared_files true
    qf_start_daemon || { qf_fail "daemon did not start with security.allow_shared_files"; return 1; }
    grep -q "WARN $QF_TMP/var (the database's directory) has mode 0755: .*allow_shared_files is on" \
        "$QF_TMP/daemon.log" || { qf_fail "no warning naming the directory"; return 1; }
    [ "$(mode "$QF_TMP/var/qualflow.db")" = 600 ] || { qf_fail "the database is not 0600"; return 1; }
}

qf_run_tests test_database_wal_and_sockets_are_private test_refuses_an_open_database_directory \
    test_refuses_an_open_database_and_wal test_refuses_an_open_socket_directory \
    test_socket_group_shares_sockets_with_a_group test_unknown_socket_group_is_refused \
    test_allow_shared_files_warns_and_starts
