#!/usr/bin/env bash
# Each command is described once: PROTOCOL.md section 5.1 is the output of
# `qualflowd --command-reference`, and the CLI's help takes the roles from
# the same specs, so neither can drift from what the daemon checks.
source "$(dirname "$0")/lib.sh"

# The text of a file or of stdin, without its trailing blank lines.
trimmed() { printf '%s\n' "$(cat "$@")"; }

test_protocol_command_reference_is_current() {
    "$QF_BIN/qualflowd" --command-reference >"$QF_TMP/reference" ||
        { qf_fail "qualflowd --command-reference failed"; return 1; }
    grep -q '^| `qual.add` | review | ' "$QF_TMP/reference" ||
        { qf_fail "no qual.add row in: $(head -12 "$QF_TMP/reference")"; return 1; }
    awk '/^### 5\.1 /{on=1} /^### 5\.2 /{on=0} on' "$QF_ROOT/proto/PROTOCOL.md" | trimmed >"$QF_TMP/doc"
    trimmed "$QF_TMP/reference" >"$QF_TMP/binary"
    diff -u "$QF_TMP/doc" "$QF_TMP/binary" >"$QF_TMP/diff" ||
        { qf_fail "PROTOCOL.md 5.1 differs from qualflowd --command-reference (regenerate it): $(head -20 "$QF_TMP/diff")"; return 1; }
}

qf_run_tests test_protocol_command_reference_is_current
