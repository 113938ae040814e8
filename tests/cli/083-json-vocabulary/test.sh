. "$WSM_ROOT/tests/cli/lib.sh"
# (issue 13) every command's JSON speaks one vocabulary: run_id, duration_s,
# db as the full URL with the password masked (an SQLite path absolute).
MS="$WSM_ROOT/fixtures/mini-schema"
tree mini
no_key() {   # no_key KEY WHAT: KEY appears nowhere in out.txt's JSON
	[ "$(jq "[.. | objects | has(\"$1\")] | any" out.txt)" = false ] || fail "$2 has key $1"
}
wsm migrate tree --schema "$MS" --db "$DB" --format json
expect_status 0
rid=$(jget .run_id)
[ -n "$rid" ] && [ "$rid" != null ] || fail "migrate: no run_id"
jq -e '.duration_s | type == "number"' out.txt >/dev/null || fail "migrate: no duration_s"
db=$(jget .db)
no_key seconds migrate
no_key id migrate

wsm runs --db "$DB" --format json
expect_status 0
expect_eq "$(jget '.runs[0].run_id')" "$rid" "runs: run_id"
expect_eq "$(jget .db)" "$db" "runs: the same db as migrate"
no_key id runs

wsm backups list --db "$DB" --format json
expect_status 0
expect_eq "$(jget '.backups[0].run_id')" "$rid" "backups list: run_id"

if [ "$WSM_BACKEND" = sqlite ]; then
	expect_eq "$db" "sqlite:$WSM_WORK/test.db" "absolute SQLite path"
else
	# the full URL, with the password masked when there is one
	case "$db" in postgresql://*/t_*) ;; *) fail "db not the full URL: $db" ;; esac
	if [ -n "${WSM_TEST_PG_PW_URL:-}" ]; then
		pw=$(printf '%s' "$WSM_TEST_PG_PW_URL" | sed -n 's|^[a-z]*://[^:/@]*:\([^@]*\)@.*|\1|p')
		wsm runs --db "$WSM_TEST_PG_PW_URL" --format json
		expect_status 0
		grep -q -- "$pw" out.txt && fail "password in runs JSON"
		jget .db | grep -q '\*\*\*' || fail "password not masked: $(jget .db)"
	fi
	wsm migrate tree --schema "$MS" --db "sqlite:$WSM_WORK/src.db" -q
	wsm promote --from "sqlite:$WSM_WORK/src.db" --to "$DB" --force --format json
	expect_status 0
	jq -e '.duration_s | type == "number"' out.txt >/dev/null || fail "promote: no duration_s"
	jq -e '[.tables[].duration_s | type == "number"] | all' out.txt >/dev/null ||
		fail "promote: tables without duration_s"
	no_key seconds promote
	expect_eq "$(jget .from)" "sqlite:$WSM_WORK/src.db" "promote: from"
fi
exit 0
