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

# A fresh database for this test: $DB is the URL to pass to --db.
if [ "$WSM_BACKEND" = postgres ]; then
	DBNAME="t_$(basename "$WSM_WORK" | tr -c 'a-zA-Z0-9\n' '_' | tr 'A-Z' 'a-z')"
	psql -q -X -v ON_ERROR_STOP=1 -d "$WSM_TEST_PG_URL" -c "CREATE DATABASE \"$DBNAME\"" >/dev/null ||
		fail "cannot create database $DBNAME"
	DB=$(echo "$WSM_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}$|/$DBNAME\1|")
	trap 'psql -q -X -d "$WSM_TEST_PG_URL" -c "DROP DATABASE IF EXISTS \"$DBNAME\" WITH (FORCE)" >/dev/null 2>&1' EXIT
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

# copy a fixture tree into the work dir: tree FIXTURE [DEST]
tree() { cp -a "$WSM_ROOT/fixtures/$1" "$WSM_WORK/${2:-tree}"; }
SCHEMA="$WSM_ROOT/schema"
