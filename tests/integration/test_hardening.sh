#!/usr/bin/env bash
# Hostile files: configuration patterns whose matching or compiling would
# eat the machine are refused at load by every process (check, daemon,
# reload, worker).
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

qf_run_tests test_costly_patterns_are_refused_at_load test_reload_refuses_costly_pattern
