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

# Every subcommand's --help names the roles the reference gives its
# command, from the same spec: "Role leader.", "Roles legal, management.",
# "Any role." for a command every role may run.
test_cli_help_roles_are_the_references() {
    "$QF_BIN/qualflowd" --command-reference >"$QF_TMP/reference" || { qf_fail "no reference"; return 1; }
    "$QF_BIN/qualflow" --help >"$QF_TMP/help" || { qf_fail "qualflow --help failed"; return 1; }
    /usr/bin/python3 - "$QF_BIN/qualflow" "$QF_TMP/reference" "$QF_TMP/help" >"$QF_TMP/why" 2>&1 <<'PY' ||
import re, subprocess, sys
cli, reference, top = sys.argv[1], open(sys.argv[2]).read(), open(sys.argv[3]).read()
roles = {}
for row in reference.splitlines():
    cells = [c.strip() for c in row.split(" | ")]
    if row.startswith("| `") and len(cells) >= 2:
        roles[cells[0].strip("|` ")] = cells[1]
commands = re.findall(r"^  ([a-z]+(?: [a-z]+)?) +\S", top.split("commands:\n")[1].split("\n\n")[0], re.M)
problems, checked = [], 0
for words in commands:
    text = subprocess.run([cli] + words.split() + ["--help"], capture_output=True, text=True).stdout
    text = " ".join(text.split())
    runs = re.search(r"Runs ([a-z._]+) \(PROTOCOL.md 5.1\)\.", text)
    if words in ("keygen", "call"):
        continue
    if not runs or runs.group(1) not in roles:
        problems.append("%s: its help names no command of the reference" % words)
        continue
    want = roles[runs.group(1)]
    said = "Any role." if want == "any" else "Role%s %s." % ("s" if "," in want.split(":")[0] else "", want)
    if said not in text:
        problems.append("%s: help lacks %r" % (words, said))
    checked += 1
if checked < 30:
    problems.append("only %d commands checked" % checked)
if problems:
    sys.exit("; ".join(problems))
PY
    { qf_fail "$(cat "$QF_TMP/why")"; return 1; }
}

qf_run_tests test_protocol_command_reference_is_current test_cli_help_roles_are_the_references
