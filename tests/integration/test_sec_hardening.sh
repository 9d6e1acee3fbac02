#!/usr/bin/env bash
# Hostile files: configuration patterns whose matching or compiling would
# eat the machine are refused at load by every process (check, daemon,
# reload, worker), and `qualflow keygen` never writes through a symbolic
# link, never puts the secret key into the public file, and gives each
# file its mode.
. "$(dirname "$0")/lib.sh"

BACKREF='^(.*)(.*)(.*)(.*)(.*)\1\2\3\4\5$'
HUGE='a{32767}{32767}'

# Copies the test config to $2 with the first authority's pattern set to $1;
# prints the line of that pattern.
bad_pattern_config() {
    /usr/bin/python3 - "$1" "$QF_CONF" "$2" <<'EOF'
import sys
pattern, source, target = sys.argv[1:]
lines = open(source, encoding="utf-8").read().split("\n")
at = lines.index("    pattern: '^D234[0-9]{6}$'")
lines[at] = "    pattern: '%s'" % pattern
open(target, "w", encoding="utf-8").write("\n".join(lines))
print(at + 1)
EOF
}

# Every process that loads a configuration refuses both patterns quickly:
# the timeouts only keep an unfixed build from hanging the suite.
test_costly_patterns_are_refused_at_load() {
    local pattern bad=$QF_TMP/bad.yaml line rc out
    for pattern in "$HUGE" "$BACKREF"; do
        line=$(bad_pattern_config "$pattern" "$bad")
        [ -n "$line" ] || { qf_fail "fixture: pattern not replaced"; return 1; }
        out=$(timeout 20 "$QF_BIN/qualflowd" --check-config "$bad" 2>&1); rc=$?
        [ $rc -eq 1 ] || { qf_fail "--check-config on $pattern: exit $rc, want 1: $out"; return 1; }
        [[ $out == *"$bad:$line: authorities[0].pattern: expected"* ]] ||
            { qf_fail "no file:line: key in: $out"; return 1; }
        case $pattern in
        "$HUGE") [[ $out == *"repeats {32767}"*"; use a count of at most 255"* ]] ;;
        *) [[ $out == *'back-reference \1'*"; write the pattern without back-references"* ]] ;;
        esac || { qf_fail "unclear message for $pattern: $out"; return 1; }
        out=$(timeout 20 "$QF_BIN/qualflowd" -c "$bad" 2>&1); rc=$?
        [ $rc -eq 1 ] && [[ $out == *"authorities[0].pattern"* ]] ||
            { qf_fail "daemon with $pattern: exit $rc: $out"; return 1; }
        out=$(timeout 20 "$QF_BIN/qualflow-legal" -c "$bad" 2>&1); rc=$?
        [ $rc -ne 0 ] && [ $rc -ne 124 ] && [[ $out == *"authorities[0].pattern"* ]] ||
            { qf_fail "legal worker with $pattern: exit $rc: $out"; return 1; }
    done
}

# A reload with a costly pattern keeps the running configuration.
test_reload_refuses_costly_pattern() {
    qf_start_daemon || { qf_fail "daemon did not start"; return 1; }
    cp "$QF_CONF" "$QF_TMP/good.yaml"
    bad_pattern_config "$BACKREF" "$QF_TMP/next.yaml" >/dev/null
    cp "$QF_TMP/next.yaml" "$QF_CONF"
    kill -HUP "$QF_DAEMON_PID"
    qf_wait_for "grep -q 'not reloaded.*back-reference' '$QF_TMP/daemon.log'" 10 ||
        { qf_fail "no refusal in the log: $(tail -n 3 "$QF_TMP/daemon.log")"; return 1; }
    # (The CLI reads the configuration too, so it uses the good copy.)
    "$QF_BIN/qualflow" -c "$QF_TMP/good.yaml" --timeout 5000 ping >/dev/null ||
        { qf_fail "daemon stopped answering"; return 1; }
}

# A symbolic link where either file would go, even one pointing nowhere,
# is refused; nothing is written through it or next to it.
test_keygen_does_not_follow_symlinks() {
    local d=$QF_TMP/d out
    mkdir -p "$d"
    ln -s "$QF_TMP/stolen" "$d/s1.key_secret"
    out=$("$QF_BIN/qualflow" keygen s1 --dir "$d" 2>&1) && { qf_fail "keygen wrote: $out"; return 1; }
    [[ $out == *"s1.key_secret already exists (as a file or a symbolic link)"* ]] ||
        { qf_fail "unclear refusal: $out"; return 1; }
    [ ! -e "$QF_TMP/stolen" ] || { qf_fail "the secret was written through the link"; return 1; }
    [ ! -e "$d/s1.key" ] || { qf_fail "a public file was left behind"; return 1; }
    ln -s "$QF_TMP/stolen2" "$d/s2.key"
    "$QF_BIN/qualflow" keygen s2 --dir "$d" >/dev/null 2>&1 && { qf_fail "keygen s2 wrote"; return 1; }
    [ ! -e "$QF_TMP/stolen2" ] && [ ! -e "$d/s2.key_secret" ] ||
        { qf_fail "keygen s2 wrote through or next to the link"; return 1; }
    # A link to an existing file leaves the file as it was.
    echo original >"$QF_TMP/victim"
    ln -s "$QF_TMP/victim" "$d/s3.key_secret"
    "$QF_BIN/qualflow" keygen s3 --dir "$d" >/dev/null 2>&1 && { qf_fail "keygen s3 wrote"; return 1; }
    [ "$(cat "$QF_TMP/victim")" = original ] || { qf_fail "the link's target changed"; return 1; }
}

# The modes are exact whatever the umask; the secret key is only in the
# secret file; both files carry the same public key and the metadata.
test_keygen_modes_and_contents() {
    local mask d
    for mask in 000 077 022; do
        d=$QF_TMP/m$mask
        (umask $mask && "$QF_BIN/qualflow" keygen alice --dir "$d" --roles "sales review" \
            --groups legal >/dev/null) || { qf_fail "keygen under umask $mask failed"; return 1; }
        [ "$(stat -c %a "$d/alice.key")" = 644 ] && [ "$(stat -c %a "$d/alice.key_secret")" = 600 ] ||
            { qf_fail "umask $mask: modes $(stat -c '%n %a' "$d"/alice.*)"; return 1; }
    done
    d=$QF_TMP/m022
    ! grep -q secret-key "$d/alice.key" || { qf_fail "the secret key is in the public file"; return 1; }
    grep -q 'secret-key = "' "$d/alice.key_secret" || { qf_fail "no secret key"; return 1; }
    [ "$(grep public-key "$d/alice.key")" = "$(grep public-key "$d/alice.key_secret")" ] ||
        { qf_fail "the two files disagree on the public key"; return 1; }
    grep -q 'roles = "sales review"' "$d/alice.key" && grep -q 'groups = "legal"' "$d/alice.key" ||
        { qf_fail "metadata missing: $(cat "$d/alice.key")"; return 1; }
    # Never overwritten.
    cp "$d/alice.key_secret" "$QF_TMP/before"
    "$QF_BIN/qualflow" keygen alice --dir "$d" >/dev/null 2>&1 && { qf_fail "keygen overwrote"; return 1; }
    cmp -s "$d/alice.key_secret" "$QF_TMP/before" || { qf_fail "the secret file changed"; return 1; }
}

# Paths that CZMQ could not read back (over 255 bytes) are refused before
# anything is written; a secret path of exactly 255 bytes is written and
# the daemon loads it.
test_keygen_long_paths() {
    local base=$QF_TMP/long/ dir out n
    # dir/server.key is then 255 bytes: the old code wrote the secret there.
    n=$((255 - ${#base} - 11))
    dir=$base$(printf 'd%.0s' $(seq 1 "$n"))
    [ $((${#dir} + 11)) -eq 255 ] || { qf_fail "fixture: ${#dir}"; return 1; }
    out=$("$QF_BIN/qualflow" keygen server --dir "$dir" 2>&1) && { qf_fail "keygen wrote: $out"; return 1; }
    [[ $out == *"would be 262 bytes long; certificate paths can be at most 255 bytes"*"use a shorter --dir"* ]] ||
        { qf_fail "unclear refusal: $out"; return 1; }
    [ ! -e "$dir/server.key" ] || { qf_fail "a file was written"; return 1; }
    ! grep -rqs secret-key "$base" || { qf_fail "a secret key was written"; return 1; }
    # Exactly 255 bytes for dir/server.key_secret fits and works.
    dir=${dir:0:$((${#dir} - 7))}
    "$QF_BIN/qualflow" keygen server --dir "$dir" >/dev/null || { qf_fail "keygen at 255 failed"; return 1; }
    [ $((${#dir} + 18)) -eq 255 ] && ! grep -q secret-key "$dir/server.key" ||
        { qf_fail "secret in the public file at 255"; return 1; }
    "$QF_BIN/qualflow" keygen ops --dir "$QF_TMP/keys/clients" --roles "*" --groups "*" >/dev/null ||
        { qf_fail "keygen ops failed"; return 1; }
    qf_config_set curve true
    qf_config_set server_secret "$dir/server.key_secret"
    qf_config_set server_public "$dir/server.key"
    qf_config_set clients_dir "$QF_TMP/keys/clients"
    qf_config_set certificate "$QF_TMP/keys/clients/ops.key_secret"
    qf_start_daemon || { qf_fail "the daemon did not start on the 255-byte certificate"; return 1; }
    grep -q "CURVE on" "$QF_TMP/daemon.log" || { qf_fail "CURVE is not on"; return 1; }
}

qf_run_tests test_costly_patterns_are_refused_at_load test_reload_refuses_costly_pattern \
    test_keygen_does_not_follow_symlinks test_keygen_modes_and_contents test_keygen_long_paths
