. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
r1=$(jget .run_id)
printf '{"agent_id": "Agent-1", "status": "x"}\n' > tree/agent_workspaces/Agent-1/status.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
r2=$(jget .run_id)
wsm rollback --db "$DB" --run "$r1"
expect_status 3
expect_err "$r2"
grep -q "usage:" err.txt && fail "a state error printed the usage line"
wsm rollback --db "$DB" --run "$r2" -q
expect_status 0
wsm rollback --db "$DB" --run "$r1" -q --force
expect_status 0
expect_eq "$(q "select count(*) from wsm_runs where status='committed'")" 0 all_rolled_back
