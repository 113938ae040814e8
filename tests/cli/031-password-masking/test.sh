. "$WSM_ROOT/tests/cli/lib.sh"
# postgres-only
# a password never shows in any output format, in errors, or in the ledger
[ -n "${WSM_TEST_PG_PW_URL:-}" ] || skip "SKIP: no password role in the test server"
PW=$(echo "$WSM_TEST_PG_PW_URL" | sed -n 's|^[a-z]*://[^:]*:\([^@]*\)@.*|\1|p')
[ -n "$PW" ] || skip "SKIP: cannot read the password from the URL"
# a database of this test, owned by the password role
psql -q -X -d "$WSM_TEST_PG_URL" -c "ALTER DATABASE \"$DBNAME\" OWNER TO wsm_pw" >/dev/null || fail "cannot hand the database to wsm_pw"
psql -q -X -d "$DB" -c "ALTER SCHEMA public OWNER TO wsm_pw" >/dev/null || fail "cannot hand the schema to wsm_pw"
PWDB=$(echo "$WSM_TEST_PG_PW_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}$|/$DBNAME\1|")
WSM_TEST_PG_PW_URL=$PWDB
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$WSM_TEST_PG_PW_URL" --format json
expect_status 0
grep -q -- "$PW" out.txt err.txt && fail "password in json output"
jget .db | grep -q '\*\*\*' || fail "db not masked: $(jget .db)"
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$WSM_TEST_PG_PW_URL"
grep -q -- "$PW" out.txt err.txt && fail "password in text output"
for c in "runs" "runs --format json" "backups list" "backups list --format json" "backups verify" "rollback --dry-run"; do
	wsm $c --db "$WSM_TEST_PG_PW_URL"
	grep -q -- "$PW" out.txt err.txt && fail "password in '$c' output"
done
wrong=$(echo "$WSM_TEST_PG_PW_URL" | sed "s|:$PW@|:wrong$PW@|")
wsm runs --db "$wrong"
expect_status 3
grep -q -- "$PW" out.txt err.txt && fail "password in a connection error"
expect_err "cannot connect"
q "select * from wsm_runs" | grep -q -- "$PW" && fail "password in the ledger"
q "select * from wsm_files" | grep -q -- "$PW" && fail "password in the files ledger"
exit 0
