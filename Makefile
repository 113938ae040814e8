# wsmigrate - move a tree of JSON files into a database, and back.
#
#   make            build ./wsmigrate
#   make demo       install missing packages, build, migrate fixtures/workspace
#   make test       install missing packages, build, run every test
#                   (units, end-to-end on SQLite and PostgreSQL, conformance,
#                   and the same again under ASan+UBSan)
#   make asan       the test suite built with -fsanitize=address,undefined
#   make bench      benchmarks (see tests/bench/)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (see tests/fuzz/)
#   make crash      kill -9 harness on SQLite and PostgreSQL, KILLS per
#                   backend (see tests/crash/)
#   make install PREFIX=/usr/local
#   make WITH_PG=0  build without the PostgreSQL backend

VERSION   := 0.1.0
PREFIX    ?= /usr/local
WITH_PG   ?= 1
CC        ?= cc
CFLAGS    ?= -O2 -g
BUILD     ?= build
SANITIZE  ?=

# -Wno-format-truncation: snprintf into fixed buffers truncates on purpose
# (error messages, JSON Pointers); gcc's guesses about it are noise.
WARN := -std=c11 -Wall -Wextra -Werror -Wpedantic -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wformat=2 \
	-Wno-format-truncation

PKGS := libcjson sqlite3 libarchive libzstd libcrypto libpcre2-8
ifeq ($(WITH_PG),1)
PKGS += libpq
endif

# Debian packages the build and the tests need (see `make deps`).
DEB_BUILD := gcc make pkg-config libcjson-dev libsqlite3-dev libpq-dev \
	libarchive-dev libzstd-dev libssl-dev libpcre2-dev libcmocka-dev
DEB_TEST  := sqlite3 postgresql postgresql-client jq zstd xxd chromium \
	clang libclang-rt-dev
DEB_ALL   := $(DEB_BUILD) $(DEB_TEST)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

SAN_FLAGS :=
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN_FLAGS) -D_GNU_SOURCE -Iinclude \
	-DWSM_VERSION='"$(VERSION)"' -DWSM_SHAREDIR='"$(PREFIX)/share/wsmigrate"' \
	$(PKG_CFLAGS)
ifneq ($(WITH_PG),1)
ALL_CFLAGS += -DWSM_NO_PG
endif
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm

LIB_SRC := $(filter-out src/main.c src/cmd_%.c,$(wildcard src/*.c))
ifneq ($(WITH_PG),1)
LIB_SRC := $(filter-out src/storage_pg.c,$(LIB_SRC))
endif
CMD_SRC := src/main.c $(wildcard src/cmd_*.c)
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
CMD_OBJ := $(CMD_SRC:src/%.c=$(BUILD)/obj/%.o)
LIBWSM  := $(BUILD)/libwsm.a

TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

BIN := wsmigrate
ifneq ($(BUILD),build)
BIN := $(BUILD)/wsmigrate
endif

.PHONY: all deps demo test unit cli conformance asan bench install clean check-deps \
	fuzz fuzz-build fuzz-bins crash
.DELETE_ON_ERROR:

all: $(BIN)

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -MMD -c $< -o $@

$(LIBWSM): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIBWSM)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(LIBWSM) $(LIBS)

$(BUILD)/tests/%: tests/%.c $(LIBWSM) $(wildcard tests/*.h) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Itests $(shell pkg-config --cflags cmocka) -o $@ $< \
		$(LIBWSM) $(ALL_LDFLAGS) $(LIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tools/%: tests/tools/%.c $(LIBWSM) | $(BUILD)/tools
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIBWSM) $(ALL_LDFLAGS) $(LIBS)

$(BUILD)/obj $(BUILD)/tests $(BUILD)/tools:
	mkdir -p $@

-include $(wildcard $(BUILD)/obj/*.d)

# ---------------------------------------------------------------- set-up
deps:
	@./tests/deps.sh $(DEB_ALL)

# ---------------------------------------------------------------- demo
demo: deps
	$(MAKE) all
	rm -f workspace.db
	./$(BIN) migrate fixtures/workspace --db sqlite:workspace.db --backup-dir backups

# ---------------------------------------------------------------- tests
test: deps
	$(MAKE) all unit-build
	./tests/run_all.sh --bin ./$(BIN) --build $(BUILD)
	$(MAKE) asan
	MAKE="$(MAKE)" ./tests/fuzz/run.sh --seconds $(FUZZ_SECONDS_SHORT)
	./tests/crash/run.sh --bin ./$(BIN) --kills $(KILLS_SHORT)

unit-build: $(TEST_BIN) $(TOOL_BIN)

unit: unit-build
	./tests/run_units.sh $(BUILD)

conformance: $(BUILD)/tests/test_conformance
	$(BUILD)/tests/test_conformance

asan:
	$(MAKE) BUILD=build-asan SANITIZE=address,undefined CFLAGS="-O1 -g" all unit-build
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		./tests/run_all.sh --bin build-asan/wsmigrate --build build-asan

bench: deps all
	./tests/bench/run.sh

# ---------------------------------------------------------------- fuzzing
# libFuzzer targets tests/fuzz/fuzz_NAME.c, linked against a clang build of
# the library of their own (build-fuzz/, instrumented with fuzzer-no-link).
# tests/fuzz/run.sh builds them (make fuzz-build), replays the corpora and
# the saved reproducers, then fuzzes each target; it skips, saying so, when
# clang or its libFuzzer runtime is missing.
FUZZ_SECONDS       ?= 60
FUZZ_SECONDS_SHORT ?= 10
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
# clang knows no -Wformat-truncation and finds error.c's vsnprintf
# wrappers non-literal; the rest of WARN holds.
FUZZ_WARN := $(filter-out -Wno-format-truncation,$(WARN)) -Wno-format-nonliteral
# UBSan findings are recoverable here so that a known, not yet fixed one can
# be suppressed by name (tests/fuzz/repro/*/pending/ubsan.supp); the targets
# still halt on every other one (halt_on_error, set in tests/fuzz/fuzz.h).
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fsanitize-recover=undefined \
	-fno-omit-frame-pointer

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIBWSM) | $(BUILD)/fuzz
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBWSM) \
		$(ALL_LDFLAGS) -fsanitize=fuzzer $(LIBS)

$(BUILD)/fuzz:
	mkdir -p $@

fuzz-bins: $(FUZZ_BIN)

fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g" SANITIZE=fuzzer-no-link \
		SAN_FLAGS='$(FUZZ_SAN)' WARN='$(FUZZ_WARN)' fuzz-bins

fuzz:
	MAKE="$(MAKE)" ./tests/fuzz/run.sh --seconds $(FUZZ_SECONDS)

# ---------------------------------------------------------------- crashes
# kill -9 during migrate, incremental runs and rollback (tests/crash/).
KILLS       ?= 40
KILLS_SHORT ?= 6

crash: all unit-build
	./tests/crash/run.sh --bin ./$(BIN) --kills $(KILLS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/wsmigrate/schema \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/wsmigrate
	install -m 644 schema/*.json $(DESTDIR)$(PREFIX)/share/wsmigrate/schema/
	install -m 644 doc/wsmigrate.1 $(DESTDIR)$(PREFIX)/share/man/man1/wsmigrate.1

clean:
	rm -rf build build-asan build-fuzz $(BIN) workspace.db
