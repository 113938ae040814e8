. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
expect_status 0
before=$(q "select count(*) from status_kv")
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .imported)" 0 imported
expect_eq "$(jget .unchanged)" 6 unchanged
expect_eq "$(jget .rows)" 0 rows
expect_eq "$(q "select count(*) from status_kv")" "$before" rows_same
expect_eq "$(q "select count(*) from wsm_hist_agent_status")" 0 no_history
# --rehash reads and hashes every file, still nothing changes
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json --rehash
expect_eq "$(jget .unchanged)" 6 unchanged_rehash
expect_eq "$(q "select count(*) from wsm_runs")" 3 three_runs
