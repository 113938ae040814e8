. "$WSM_ROOT/tests/cli/lib.sh"
export WSMIGRATE_BACKUP_DIR="$WSM_WORK/backups"
# a failure injected after rows were written leaves no trace of the run
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" -q
expect_status 0
printf '{"agent_id": "Agent-1", "status": "changed"}\n' > tree/agent_workspaces/Agent-1/status.json
before=$(q "select count(*) from wsm_runs")
WSMIGRATE_FAULT=after-batch wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB"
expect_status 3
expect_err "injected failure"
expect_eq "$(q "select count(*) from wsm_runs")" "$before" runs_unchanged
expect_eq "$(q "select status from agent_status where agent_id='Agent-1'")" busy row_unchanged
expect_eq "$(q "select count(*) from wsm_hist_agent_status")" 0 no_history
expect_eq "$(ls backups | grep -c partial)" 0 no_partial
# a failure at commit time removes the finished archive
n_arch=$(ls backups/*.tar.zst | wc -l)
WSMIGRATE_FAULT=before-commit wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB"
expect_status 3
expect_eq "$(ls backups/*.tar.zst | wc -l)" "$n_arch" archive_removed
expect_eq "$(q "select status from agent_status where agent_id='Agent-1'")" busy still_unchanged
