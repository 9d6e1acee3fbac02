#!/usr/bin/env bash
# The Makefile as a packager expects it, read from make's own plan (make -n
# -B: every command the build would run, printed, nothing run): plain make
# installs nothing, make test and make run install what is missing,
# CPPFLAGS reaches every compile, -Werror is on unless WERROR=0, and make
# check is make test.
. "$(dirname "$0")/lib.sh"

plan() {  # make arguments...; the commands make would run, on stdout
    make --no-print-directory -C "$QF_ROOT" -n -B V=1 "$@" 2>&1
}

compiles() {  # plan output on stdin: the compile lines only
    grep -E '(^| )-c [^ ]+\.c( |$)' || true
}

test_plain_make_installs_nothing() {
    local out
    out=$(plan all) || { qf_fail "make -n all failed: $out"; return 1; }
    [ -n "$(echo "$out" | compiles)" ] || { qf_fail "make -n all plans no compile: $out"; return 1; }
    # A command, not the hint it prints ("run 'make deps' ... apt-get line").
    if echo "$out" | grep -Eq 'scripts/install-deps|^[[:space:]]*(sudo )?apt-get'; then
        qf_fail "plain make would install packages: $(echo "$out" | grep -E 'scripts/install-deps|^[[:space:]]*(sudo )?apt-get')"
        return 1
    fi
    local target
    for target in test run deps; do
        plan "$target" | grep -q 'scripts/install-deps' ||
            { qf_fail "make $target does not install what is missing"; return 1; }
    done
    return 0
}

test_cppflags_reach_every_compile() {
    local lines missing
    lines=$(plan all CPPFLAGS=-DQF_PACKAGER_PROBE=1 | compiles)
    [ -n "$lines" ] || { qf_fail "no compile lines planned"; return 1; }
    missing=$(echo "$lines" | grep -v -- '-DQF_PACKAGER_PROBE=1' | head -3)
    [ -z "$missing" ] || { qf_fail "compiles without CPPFLAGS: $missing"; return 1; }
    return 0
}

test_werror_on_by_default_off_with_werror_0() {
    local lines
    lines=$(plan all | compiles)
    [ -z "$(echo "$lines" | grep -v -- '-Werror' | head -1)" ] ||
        { qf_fail "a compile without -Werror by default: $(echo "$lines" | grep -v -- '-Werror' | head -1)"; return 1; }
    lines=$(plan all WERROR=0 | compiles)
    [ -n "$lines" ] || { qf_fail "no compile lines planned with WERROR=0"; return 1; }
    ! echo "$lines" | grep -q -- '-Werror' ||
        { qf_fail "WERROR=0 still compiles with -Werror"; return 1; }
    return 0
}

test_check_is_test() {
    local check test
    check=$(plan check) && test=$(plan test) || { qf_fail "make -n check/test failed"; return 1; }
    [ "$check" = "$test" ] || { qf_fail "make check plans differently from make test"; return 1; }
    return 0
}

qf_run_tests test_plain_make_installs_nothing test_cppflags_reach_every_compile \
    test_werror_on_by_default_off_with_werror_0 test_check_is_test
