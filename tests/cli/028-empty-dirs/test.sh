. "$WSM_ROOT/tests/cli/lib.sh"
# empty directories (and an empty tree) are walked without trouble
mkdir -p tree/a/b/c tree/agent_workspaces/Agent-9/inbox
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .files_seen)" 0 nothing_seen
expect_eq "$(q "select count(*) from wsm_runs")" 1 run_recorded
