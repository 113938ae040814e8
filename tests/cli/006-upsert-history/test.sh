. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" -q
expect_status 0
run1=$(q "select id from wsm_runs order by seq desc limit 1")
printf '{"agent_id": "Agent-1", "status": "done"}\n' > tree/agent_workspaces/Agent-1/status.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .imported)" 1 imported
run2=$(jget .run_id)
expect_eq "$(q "select status from agent_status where agent_id='Agent-1'")" done new_row
expect_eq "$(q "select count(*) from agent_status")" 2 no_duplicate
expect_eq "$(q "select status || ' ' || _run_id || ' ' || _superseded_by from wsm_hist_agent_status")" "busy $run1 $run2" superseded_kept
# a file moved to another path with the same key replaces the row too
mkdir -p tree/agent_workspaces/Agent-1b
printf '{"agent_id": "Agent-2", "status": "moved"}\n' > tree/agent_workspaces/Agent-1b/status.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" -q
expect_eq "$(q "select status from agent_status where agent_id='Agent-2'")" moved key_upsert
expect_eq "$(q "select count(*) from agent_status where agent_id='Agent-2'")" 1 key_unique
