. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
expect_status 0
for k in run_id db tree files_seen imported unchanged skipped invalid tables invalid_files duration_s; do
	jq -e "has(\"$k\")" out.txt >/dev/null || fail "missing key $k"
done
expect_eq "$(jget '.tables.agent_status')" 2 tables
expect_eq "$(jget '.run_id')" "$(q "select id from wsm_runs")" run_id_in_ledger
wsm runs --db "$DB" --format json
expect_status 0
expect_eq "$(jget '.runs | length')" 1 runs_json
wsm runs --db "$DB"
expect_status 0
expect_out "committed"
