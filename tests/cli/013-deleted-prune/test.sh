. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" -q
rm tree/agent_workspaces/Agent-1/outbox/reply.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .deleted)" 1 reported
expect_eq "$(jget '.deleted_files[0].path')" agent_workspaces/Agent-1/outbox/reply.json listed
expect_eq "$(jget '.deleted_files[0].pruned')" false not_pruned
expect_err "agent_workspaces/Agent-1/outbox/reply.json"
expect_eq "$(q "select count(*) from messages")" 2 rows_kept
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --prune --format json
expect_status 0
expect_eq "$(q "select count(*) from messages")" 1 pruned
expect_eq "$(q "select count(*) from wsm_hist_messages")" 1 pruned_row_in_history
