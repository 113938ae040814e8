#!/bin/sh
# run_all.sh - every test of the project, in one go:
#   1. unit tests (build/tests/test_*), storage tests on SQLite and PostgreSQL;
#   2. end-to-end CLI tests (tests/cli/*/test.sh) against SQLite, then the
#      same tests against a throwaway PostgreSQL server.
# The PostgreSQL server is started here (tests/pg.sh) and always stopped.
# Usage: tests/run_all.sh --bin ./wsmigrate --build build [--only NAME] [--units]
#   --units   the unit tests only (make unit)
set -u
BIN=./wsmigrate
BUILD=build
ONLY=
UNITS=0
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) BIN=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--units) UNITS=1; shift ;;
	*) echo "run_all.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
export WSM_BIN="$BIN" WSM_ROOT="$ROOT"

PGDIR=$(mktemp -d /tmp/wsm-pg.XXXXXX)
cleanup() { tests/pg.sh stop "$PGDIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM
if out=$(tests/pg.sh start "$PGDIR"); then
	eval "$out"
	export WSM_TEST_PG_URL WSM_TEST_PG_PW_URL PGHOST PGPORT PGUSER PGDATABASE
else
	echo "run_all.sh: could not start PostgreSQL; PostgreSQL tests will be skipped" >&2
	unset WSM_TEST_PG_URL || true
fi

pass=0 fail=0 skip=0
failed=""

echo "== unit tests ($BUILD/tests)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$ONLY" ] && [ "$name" != "$ONLY" ] && continue
	if "$t" > "/tmp/wsm-unit-$$.log" 2>&1; then
		pass=$((pass + 1))
		printf 'PASS %s  (%s)\n' "$name" "$(grep -E 'PASSED|passed|SKIP' "/tmp/wsm-unit-$$.log" | tail -n 2 | tr '\n' ' ')"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name"
		tail -n 40 "/tmp/wsm-unit-$$.log" | sed 's/^/    /'
	fi
done
rm -f "/tmp/wsm-unit-$$.log"

run_cli() {
	backend=$1
	echo "== end-to-end tests on $backend"
	for d in tests/cli/[0-9]*/; do
		name=$(basename "$d")
		[ -n "$ONLY" ] && [ "$name" != "$ONLY" ] && continue
		[ -f "$d/test.sh" ] || continue
		if [ "$backend" = postgres ] && grep -q '^# sqlite-only' "$d/test.sh"; then
			continue
		fi
		if [ "$backend" = sqlite ] && grep -q '^# postgres-only' "$d/test.sh"; then
			continue
		fi
		work=$(mktemp -d /tmp/wsm-cli.XXXXXX)
		chmod 755 "$work"
		log="$work.log"
		WSM_BACKEND=$backend WSM_WORK=$work WSM_TEST_DIR="$ROOT/$d" \
			sh "$d/test.sh" > "$log" 2>&1
		st=$?
		if [ $st -eq 0 ]; then
			pass=$((pass + 1)); echo "PASS $name [$backend]"
		elif [ $st -eq 77 ]; then
			skip=$((skip + 1)); echo "SKIP $name [$backend]: $(tail -n 1 "$log")"
		else
			fail=$((fail + 1)); failed="$failed $name[$backend]"
			echo "FAIL $name [$backend]"
			tail -n 40 "$log" | sed 's/^/    /'
		fi
		rm -rf "$work" "$log"
	done
}

if [ $UNITS = 1 ]; then
	:
else
run_cli sqlite
if [ -n "${WSM_TEST_PG_URL:-}" ]; then
	run_cli postgres
else
	echo "SKIP: end-to-end tests on PostgreSQL (no server)"
fi
fi

echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
