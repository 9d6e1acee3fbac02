# qualflow — one Makefile for the daemon, workers, CLI, tests and benchmarks.
#
#   make            build bin/qualflowd, bin/qualflow and the workers (installs nothing)
#   make deps       install the Debian packages the build and the tests need
#   make run        install missing packages, build, start daemon + workers
#   make test       install missing packages, build with ASan+UBSan, run all tests
#   make check      the same as make test
#   make soak       the long fault-injection runs (not part of make test)
#   make fuzz       install clang, run each fuzz target FUZZ_SECONDS (60) seconds
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
#
# Release objects go to build/release, sanitizer objects to build/asan; the
# release binaries are copied to bin/. CPPFLAGS, CFLAGS and LDFLAGS are
# honoured; warnings are errors unless WERROR=0 (for packagers whose
# compiler knows warnings this code has not met yet).

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
VARIANT ?= release
WERROR  ?= 1

PKGS    := libczmq libzmq sqlite3 yaml-0.1 jansson libcurl libsodium
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) \
	-Wno-missing-field-initializers -g -Iproto -Iconfig -Idaemon -Idaemon/modules -Iworkers -Icli -Itests/unit
ifeq ($(VARIANT),asan)
CFLAGS_V := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS_V := -fsanitize=address,undefined
else ifeq ($(VARIANT),fuzz)
# make fuzz: clang, every object instrumented for libFuzzer's coverage.
CFLAGS_V := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
LDFLAGS_V := -fsanitize=address,undefined
else
CFLAGS_V := -O2
LDFLAGS_V :=
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The daemon and the CLI link what they use; the workers (and the tests and
# benchmarks, which link the worker library) link libcurl and libsodium
# too, for the notify worker's requests and signatures.
DAEMON_PKGS := $(filter-out libcurl libsodium,$(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(DAEMON_PKGS) 2>/dev/null)
WPKG_LIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(CPPFLAGS) $(CFLAGS_BASE) $(CFLAGS_V) $(PKG_CFLAGS) $(CFLAGS)
# The release build's allocator: mimalloc (Debian's libmimalloc-dev), linked
# first so that it is every library's malloc too (libzmq, SQLite, jansson):
# about 8,000 instructions fewer per qual.add than glibc's (README,
# Performance). ALLOCATOR=libc keeps glibc's; the sanitizer builds keep
# their own, which must see every allocation.
ALLOCATOR ?= mimalloc
ALLOC_LIBS := $(if $(filter release,$(VARIANT)),$(if $(filter mimalloc,$(ALLOCATOR)),-lmimalloc))
LIBS       = $(ALLOC_LIBS) $(PKG_LIBS) -lm -pthread
WLIBS      = $(ALLOC_LIBS) $(WPKG_LIBS) -lm -pthread

B := build/$(VARIANT)

# Business modules: one folder each, daemon/modules/NAME/, whose module.c
# defines qf_module_NAME; the list of them is generated (gen/qf_modules.c).
MODULES    := $(notdir $(patsubst %/,%,$(dir $(wildcard daemon/modules/*/module.c))))
# Modules built only for tests (tests/modules/NAME/), linked into qualflowd-test.
TEST_MODULES := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/modules/*/module.c))))
TEST_MODULE_SRC := $(wildcard tests/modules/*/*.c)
# Command specs (data, no handlers): the engine's and each module's
# NAME_spec.c (qf_NAME_specs). They go into the shared library, so the CLI
# builds its commands from them; their list is generated (gen/qf_specs.c).
SPEC_SRC   := daemon/qf_ops_spec.c $(wildcard daemon/modules/*/*_spec.c)
SPEC_MODULES := $(foreach m,$(MODULES),$(if $(wildcard daemon/modules/$(m)/$(m)_spec.c),$(m)))
# Configuration parts (keys, data and look-ups): each module's
# NAME_config.c (qf_NAME_config_part). They go into the shared library too,
# since workers and the CLI read the same file; their list is generated
# (gen/qf_config_parts.c).
CONFIG_SRC := $(wildcard daemon/modules/*/*_config.c)
CONFIG_MODULES := $(foreach m,$(MODULES),$(if $(wildcard daemon/modules/$(m)/$(m)_config.c),$(m)))
TEST_CONFIG_MODULES := $(foreach m,$(TEST_MODULES),$(if $(wildcard tests/modules/$(m)/$(m)_config.c),$(m)))
# Shared library: the protocol codec and everything every process links.
# The notify builders' text helpers and templates need no libcurl: the
# notify config part checks templates and addresses with them at load.
NOTIFY_SHARED := workers/notify/notify_text.c workers/notify/notify_template.c
LIB_SRC    := $(wildcard proto/*.c) $(wildcard config/*.c) $(SPEC_SRC) $(CONFIG_SRC) $(NOTIFY_SHARED)
# Daemon modules (all but main) are a library too, so unit tests link them.
DAEMON_MAIN := daemon/qualflowd.c
DAEMON_SRC := $(filter-out $(DAEMON_MAIN) $(SPEC_SRC) $(CONFIG_SRC),$(wildcard daemon/*.c) \
	$(wildcard daemon/modules/*/*.c))
# Workers: one folder each, workers/NAME/, whose main.c is the binary
# qualflow-NAME; its other files (its rules) and workers/qf_*.c (the session,
# the dispatch, the review scaffold) make the worker library, which unit
# tests link too.
WORKER_NAMES := $(patsubst workers/%/main.c,%,$(wildcard workers/*/main.c))
WLIB_SRC   := $(wildcard workers/qf_*.c) $(filter-out %/main.c $(NOTIFY_SHARED),$(wildcard workers/*/*.c))
CLI_SRC    := $(wildcard cli/*.c)
TEST_SRC   := $(wildcard tests/unit/test_*.c)
# Probes: programs the integration tests drive (tests/probe/NAME.c), built
# beside the unit tests but not run by themselves (not named test_*).
PROBE_SRC  := $(wildcard tests/probe/*.c)
# Faults: libraries the integration tests preload into a real daemon
# (tests/faults/NAME.c -> lib$(NAME).so), built without the sanitizers.
FAULT_SRC  := $(wildcard tests/faults/*.c)
BENCH_SRC  := $(wildcard bench/*.c)
# Fuzz targets: tests/fuzz/fuzz_NAME.c, each with its corpus in tests/fuzz/corpus/NAME/.
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

LIBQF   := $(B)/libqf.a
LIBQFD  := $(B)/libqfd.a
LIBQFW  := $(B)/libqfw.a
WORKERS := $(patsubst %,$(B)/bin/qualflow-%,$(WORKER_NAMES))
PROGS   := $(B)/bin/qualflowd $(B)/bin/qualflow $(WORKERS)
TEST_DAEMON := $(if $(TEST_MODULES),$(B)/tests/qualflowd-test)
MODLIST := $(B)/obj/gen/qf_modules.o
SPECLIST := $(B)/obj/gen/qf_specs.o
PARTLIST := $(B)/obj/gen/qf_config_parts.o
TEST_PARTLIST := $(B)/obj/gen/qf_config_parts_test.o
TEST_MODLIST := $(B)/obj/gen/qf_modules_test.o
TESTS   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRC))
PROBES  := $(patsubst tests/probe/%.c,$(B)/tests/%,$(PROBE_SRC))
FAULTS  := $(patsubst tests/faults/%.c,$(B)/tests/lib%.so,$(FAULT_SRC))
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
# Each fuzz target with a plain main() that replays its corpus: make test
# runs them (tests/run picks up test_*), with no need for clang.
REPLAYS := $(patsubst %,$(B)/tests/test_fuzz_%,$(FUZZ_NAMES))
FUZZERS := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_NAMES))

.PHONY: FORCE all build deps libs run test check check-tests soak bench fuzz fuzzers install clean format
.DEFAULT_GOAL := all
# Objects and archives are kept, so a second make rebuilds only what changed.
.SECONDARY:

all: libs
	@$(MAKE) --no-print-directory build
	@mkdir -p bin && cp -f $(PROGS) bin/

build: $(PROGS) $(TESTS) $(PROBES) $(FAULTS) $(REPLAYS) $(BENCHES) $(TEST_DAEMON)

# Fails with the exact apt-get line when packages are missing and we are not root.
deps:
	@scripts/install-deps
# A plain build installs nothing: it says what is missing and how to get it.
libs:
	@pkg-config --exists $(PKGS) || { \
	  echo "qualflow: missing libraries: $$(for p in $(PKGS); do pkg-config --exists $$p || printf '%s ' $$p; done)" >&2; \
	  echo "qualflow: run 'make deps' (as root it installs the Debian packages; otherwise it prints the apt-get line)" >&2; \
	  exit 1; }
	@[ -z "$(ALLOC_LIBS)" ] || [ "$$($(CC) -print-file-name=libmimalloc.so)" != libmimalloc.so ] || { \
	  echo "qualflow: missing library: mimalloc (Debian libmimalloc-dev), the release build's allocator" >&2; \
	  echo "qualflow: run 'make deps', or build with glibc's malloc: make ALLOCATOR=libc" >&2; \
	  exit 1; }

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<  ($(VARIANT))")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBQF): $(call obj,$(LIB_SRC)) $(SPECLIST) $(PARTLIST)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
# The module list, written again only when the set of modules changes.
# Its object goes into libqfd.a: a program that links its own list first
# (qualflowd-test) keeps that one.
$(B)/gen/qf_modules%c: FORCE
	@mkdir -p $(dir $@)
	@{ echo '/* Generated by the Makefile from the module folders. */'; \
	  echo '#include "qf_module.h"'; \
	  for m in $(if $(filter _test.,$*),$(MODULES) $(TEST_MODULES),$(MODULES)); do \
	    echo "extern const qf_module_t qf_module_$$m;"; done; \
	  echo 'const qf_module_t *const qf_modules[] = {'; \
	  for m in $(if $(filter _test.,$*),$(MODULES) $(TEST_MODULES),$(MODULES)); do \
	    echo "    &qf_module_$$m,"; done; \
	  echo '    NULL,'; echo '};'; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
# The list of spec tables, the engine's first, the same way.
$(B)/gen/qf_specs.c: FORCE
	@mkdir -p $(dir $@)
	@{ echo '/* Generated by the Makefile from the module folders. */'; \
	  echo '#include "qf_command_spec.h"'; \
	  for m in ops $(SPEC_MODULES); do echo "extern const qf_command_spec_t qf_$${m}_specs[];"; done; \
	  echo 'const qf_command_spec_t *const qf_command_specs[] = {'; \
	  for m in ops $(SPEC_MODULES); do echo "    qf_$${m}_specs,"; done; \
	  echo '    NULL,'; echo '};'; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
# The list of configuration parts, the same way; the test daemon's adds
# the test modules' parts (in libqf.a the other list, which it does not pull).
$(B)/gen/qf_config_parts%c: FORCE
	@mkdir -p $(dir $@)
	@{ echo '/* Generated by the Makefile from the module folders. */'; \
	  echo '#include "qf_config_keys.h"'; \
	  for m in $(CONFIG_MODULES) $(if $(filter _test.,$*),$(TEST_CONFIG_MODULES)); do \
	    echo "extern const qf_config_part_t qf_$${m}_config_part;"; done; \
	  echo 'const qf_config_part_t *const qf_config_parts[] = {'; \
	  for m in $(CONFIG_MODULES) $(if $(filter _test.,$*),$(TEST_CONFIG_MODULES)); do \
	    echo "    &qf_$${m}_config_part,"; done; \
	  echo '    NULL,'; echo '};'; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<  ($(VARIANT))")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@
FORCE:

$(LIBQFD): $(call obj,$(DAEMON_SRC)) $(MODLIST)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(LIBQFW): $(call obj,$(WLIB_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/bin/qualflowd: $(call obj,$(DAEMON_MAIN)) $(LIBQFD) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_V) $(LDFLAGS) -o $@ $^ $(LIBS)
$(TEST_DAEMON): $(call obj,$(DAEMON_MAIN)) $(TEST_MODLIST) $(TEST_PARTLIST) \
	$(call obj,$(TEST_MODULE_SRC)) \
	$(LIBQFD) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_V) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/bin/qualflow: $(call obj,$(CLI_SRC)) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_V) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/bin/qualflow-%: $(B)/obj/workers/%/main.o $(LIBQFW) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_V) $(LDFLAGS) -o $@ $^ $(WLIBS)
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LIBQFD) $(LIBQFW) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_V) $(LDFLAGS) -o $@ $^ $(WLIBS)
$(PROBES): $(B)/tests/%: $(B)/obj/tests/probe/%.o $(LIBQFW) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_V) $(LDFLAGS) -o $@ $^ $(WLIBS)
$(FAULTS): $(B)/tests/lib%.so: tests/faults/%.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) -std=c11 -Wall -Wextra -Werror -O2 -fPIC -shared -o $@ $< -ldl
$(REPLAYS): $(B)/tests/test_fuzz_%: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/obj/tests/fuzz/replay.o \
	$(LIBQFD) $(LIBQFW) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_V) $(LDFLAGS) -o $@ $^ $(WLIBS)
$(FUZZERS): $(B)/fuzz/fuzz_%: $(B)/obj/tests/fuzz/fuzz_%.o $(LIBQFD) $(LIBQFW) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $^ $(WLIBS)
$(B)/bench/%: $(B)/obj/bench/%.o $(LIBQFD) $(LIBQFW) $(LIBQF)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_V) $(LDFLAGS) -o $@ $^ $(WLIBS)

-include $(shell find build -name '*.d' 2>/dev/null)

# make run: the daemon and every worker in the foreground, log lines prefixed.
run: deps all
	@scripts/run-all config/qualflow.yaml

# make test: sanitizer build, then every unit, integration and protocol test.
test: deps
	@$(MAKE) --no-print-directory VARIANT=asan build
	@$(MAKE) --no-print-directory all
	@QF_BIN=$(CURDIR)/build/asan/bin QF_TESTS=$(CURDIR)/build/asan/tests \
	  QF_RELEASE_BIN=$(CURDIR)/bin tests/run

check: test

soak: deps all
	@QF_BIN=$(CURDIR)/bin QF_TESTS=$(CURDIR)/build/release/tests QF_SOAK=1 \
	  QF_RELEASE_BIN=$(CURDIR)/bin tests/run soak

bench: deps
	@scripts/install-deps --bench
	@$(MAKE) --no-print-directory all
	@bench/run

# make fuzz: each target in turn for FUZZ_SECONDS seconds, starting from its
# seed corpus; what it learns goes to build/fuzz/corpus/NAME, a crashing
# input to build/fuzz/crashes/ (replay one with build/asan/tests/test_fuzz_NAME
# FILE; copy an input worth keeping into tests/fuzz/corpus/NAME/).
fuzz: deps
	@scripts/install-deps --fuzz
	@$(MAKE) --no-print-directory VARIANT=fuzz CC=clang fuzzers
	@for name in $(FUZZ_NAMES); do \
	  mkdir -p build/fuzz/corpus/$$name build/fuzz/crashes && \
	  echo "fuzz_$$name: $(FUZZ_SECONDS) s" && \
	  build/fuzz/fuzz/fuzz_$$name -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/crashes/$$name- \
	    build/fuzz/corpus/$$name tests/fuzz/corpus/$$name || exit 1; \
	done

fuzzers: $(FUZZERS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/qualflow
	install -m 755 bin/* $(DESTDIR)$(PREFIX)/bin/
	install -m 644 config/qualflow.yaml proto/PROTOCOL.md $(DESTDIR)$(PREFIX)/share/qualflow/

format:
	clang-format -i $(wildcard */*.c */*.h daemon/modules/*/*.[ch] workers/*/*.[ch] tests/modules/*/*.[ch] tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h)

clean:
	rm -rf build bin
