# lib.sh - helpers for the end-to-end tests in tests/cli/*/test.sh.
# Each test runs with: WSM_BIN (the binary), WSM_ROOT (repo root),
# WSM_WORK (an empty temp dir, removed afterwards), WSM_BACKEND (sqlite or
# postgres) and, for postgres, WSM_TEST_PG_URL.  A test exits 0 to pass,
# 77 to skip (last line says why), anything else to fail.
set -u
cd "$WSM_WORK"
export NO_COLOR=1

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }

# on_exit CMD: shell text run when the test exits (evaluated then), before
# its database is dropped.  Tests add their cleanup here (a background
# process to kill, a second database or a role to drop) instead of
# replacing lib.sh's trap.
WSM_ON_EXIT=
on_exit() { WSM_ON_EXIT="$WSM_ON_EXIT$1
"; }
wsm_exit() {
	eval "$WSM_ON_EXIT"
	[ "$WSM_BACKEND" != postgres ] ||
		psql -q -X -d "$WSM_TEST_PG_URL" -c "DROP DATABASE IF EXISTS \"$DBNAME\" WITH (FORCE)" >/dev/null 2>&1
}
trap wsm_exit EXIT

# A fresh database for this test: $DB is the URL to pass to --db.
if [ "$WSM_BACKEND" = postgres ]; then
	DBNAME="t_$(basename "$WSM_WORK" | tr -c 'a-zA-Z0-9\n' '_' | tr 'A-Z' 'a-z')"
	psql -q -X -v ON_ERROR_STOP=1 -d "$WSM_TEST_PG_URL" -c "CREATE DATABASE \"$DBNAME\"" >/dev/null ||
		fail "cannot create database $DBNAME"
	DB=$(echo "$WSM_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}$|/$DBNAME\1|")
else
	DB="sqlite:$WSM_WORK/test.db"
fi
export DB

# wsm ARGS...: run the binary; stdout in out.txt, stderr in err.txt, status in $ST
wsm() {
	"$WSM_BIN" "$@" > "$WSM_WORK/out.txt" 2> "$WSM_WORK/err.txt"
	ST=$?
	return 0
}

# q SQL: one query through the database's own client, unaligned output
q() {
	if [ "$WSM_BACKEND" = postgres ]; then
		psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$DB" -c "$1"
	else
		sqlite3 "$WSM_WORK/test.db" "$1"
	fi
}

expect_status() {
	[ "$ST" -eq "$1" ] || { echo "--- stdout"; cat "$WSM_WORK/out.txt"; echo "--- stderr";
		cat "$WSM_WORK/err.txt"; fail "expected exit status $1, got $ST"; }
}
expect_eq() { [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"; }
expect_out() { grep -q -- "$1" "$WSM_WORK/out.txt" || { cat "$WSM_WORK/out.txt"; fail "stdout lacks '$1'"; }; }
expect_err() { grep -q -- "$1" "$WSM_WORK/err.txt" || { cat "$WSM_WORK/err.txt"; fail "stderr lacks '$1'"; }; }
expect_no_out() { ! grep -q -- "$1" "$WSM_WORK/out.txt" || fail "stdout has '$1'"; }

# jget KEY: a top-level value of the JSON in out.txt (numbers, strings)
jget() { jq -r "$1" "$WSM_WORK/out.txt"; }

# until_q SQL WANT [STEPS]: wait until q SQL prints WANT, polling every
# 0.1 s, at most STEPS times (default 200: 20 s); then fail, showing what
# a background command wrote to watch.out and watch.err, if anything.
until_q() {
	_i=0
	while [ "$(q "$1" 2>/dev/null)" != "$2" ]; do
		_i=$((_i + 1))
		[ $_i -le "${3:-200}" ] || { cat watch.out watch.err 2>/dev/null
			fail "timed out waiting for: $1 = $2 (got '$(q "$1" 2>/dev/null)')"; }
		sleep 0.1
	done
}

# until_more_files DIR N: wait (10 s at most) until DIR holds more than N
# files, e.g. until a rollback in the background has restored its first.
until_more_files() {
	_i=0
	while [ "$(find "$1" -type f | wc -l)" -le "$2" ] && [ $_i -lt 1000 ]; do
		sleep 0.01; _i=$((_i + 1))
	done
}

# copy a fixture tree into the work dir: tree FIXTURE [DEST]
tree() { cp -a "$WSM_ROOT/fixtures/$1" "$WSM_WORK/${2:-tree}"; }
SCHEMA="$WSM_ROOT/schema"
