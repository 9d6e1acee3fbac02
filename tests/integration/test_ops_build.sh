#!/usr/bin/env bash
# The Makefile as a packager expects it, read from make's own plan (make -n
# -B: every command the build would run, printed, nothing run): plain make
# installs nothing, make test and make run install what is missing,
# CPPFLAGS reaches every compile, -Werror is on unless WERROR=0, make
# check is make test, a second make rebuilds nothing (objects and archives
# are kept), and every package installed is one the code uses.
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

test_second_make_rebuilds_nothing() {
    # make test built both variants before the tests ran: with every
    # object, archive and generated list kept (.SECONDARY), a second make
    # compiles nothing. Only the generated lists' recipes run each time
    # (they rewrite a file when the set of modules changed), and -n cannot
    # know they will not, so their own compiles are left out.
    local variant lines file gone=""
    for variant in release asan; do
        lines=$(make --no-print-directory -C "$QF_ROOT" -n V=1 VARIANT=$variant build 2>&1 |
            compiles | grep -v '/gen/' | head -3)
        [ -z "$lines" ] || { qf_fail "a second make ($variant) compiles again: $lines"; return 1; }
        # Every file the build writes is still there, the intermediate
        # ones (generated lists and their objects) included.
        for file in $(make --no-print-directory -C "$QF_ROOT" -n -B V=1 VARIANT=$variant build 2>&1 |
            sed -nE 's/.* -o ([^ ]+\.o)( .*|$)/\1/p; s/.*> ([^ ]+)\.tmp$/\1/p'); do
            [ -e "$QF_ROOT/$file" ] || gone="$gone $file"
        done
    done
    [ -z "$gone" ] || { qf_fail "the build did not keep:$(echo $gone | cut -c1-300)"; return 1; }
    return 0
}

test_every_dependency_is_used() {
    # Each package scripts/install-deps installs (plain and for make test),
    # and each pkg-config module the Makefile links, is used by something
    # in the tree: a header included, a program run, a module imported.
    local pkgs pkg evidence missing="" where
    where="$QF_ROOT/daemon $QF_ROOT/workers $QF_ROOT/cli $QF_ROOT/config $QF_ROOT/proto $QF_ROOT/tests $QF_ROOT/bench $QF_ROOT/Makefile $QF_ROOT/scripts/run-all $QF_ROOT/.ci"
    pkgs=$(sed -n '/^PKGS="/,/"$/p' "$QF_ROOT/scripts/install-deps" | tr -d '"\\' | sed 's/^PKGS=//')
    [ -n "$pkgs" ] || { qf_fail "no PKGS list in scripts/install-deps"; return 1; }
    for pkg in $pkgs; do
        case $pkg in
            build-essential) evidence='\$\(CC\)' ;;
            pkg-config)      evidence='pkg-config --' ;;
            libzmq3-dev)     evidence='#include <zmq\.h>' ;;
            libczmq-dev)     evidence='#include <czmq\.h>' ;;
            libsqlite3-dev)  evidence='#include <sqlite3\.h>' ;;
            libyaml-dev)     evidence='#include <yaml\.h>' ;;
            libjansson-dev)  evidence='#include <jansson\.h>' ;;
            libsodium-dev)   evidence='#include <sodium\.h>' ;;
            libmimalloc-dev) evidence='-lmimalloc' ;;
            libcurl4-openssl-dev|libcurl4-gnutls-dev) evidence='#include <curl/curl\.h>' ;;
            sqlite3)         evidence='(^|[^_a-z0-9/.-])sqlite3 ' ;;
            python3)         evidence='python3' ;;
            python3-zmq)     evidence='^import zmq|^ *import zmq' ;;
            python3-aiosmtpd) evidence='^ *(import|from) aiosmtpd' ;;
            openssl)         evidence='"openssl", "req"' ;;
            faketime)        evidence='libfaketime' ;;
            valgrind)        evidence='valgrind --' ;;
            procps)          evidence='pgrep|pkill' ;;
            *) missing="$missing $pkg(no evidence known: say in this test what uses it)"; continue ;;
        esac
        grep -rEq --include='*.c' --include='*.h' --include='*.py' --include='*.sh' \
            --include=Makefile --include=run --include=run-all -- "$evidence" $where ||
            missing="$missing $pkg"
    done
    for pkg in $(sed -n 's/^PKGS *:= *//p' "$QF_ROOT/Makefile"); do
        case $pkg in
            libzmq)   evidence='#include <zmq\.h>' ;;
            libczmq)  evidence='#include <czmq\.h>' ;;
            sqlite3)  evidence='#include <sqlite3\.h>' ;;
            yaml-0.1) evidence='#include <yaml\.h>' ;;
            jansson)  evidence='#include <jansson\.h>' ;;
            libsodium) evidence='#include <sodium\.h>' ;;
            libcurl)  evidence='#include <curl/curl\.h>' ;;
            *) missing="$missing $pkg(pkg-config module without known evidence)"; continue ;;
        esac
        grep -rEq --include='*.c' --include='*.h' -- "$evidence" \
            "$QF_ROOT/daemon" "$QF_ROOT/workers" "$QF_ROOT/cli" "$QF_ROOT/config" "$QF_ROOT/proto" ||
            missing="$missing $pkg(pkg-config)"
    done
    [ -z "$missing" ] || { qf_fail "listed but used by nothing:$missing"; return 1; }
    return 0
}

qf_run_tests test_plain_make_installs_nothing test_cppflags_reach_every_compile \
    test_werror_on_by_default_off_with_werror_0 test_check_is_test \
    test_second_make_rebuilds_nothing test_every_dependency_is_used
