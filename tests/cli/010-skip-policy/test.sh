. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
printf '{"status": 42}\n' > tree/agent_workspaces/Agent-2/status.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --on-invalid skip --format json
expect_status 1
expect_eq "$(jget .committed)" true committed
expect_eq "$(jget .invalid)" 1 invalid
expect_eq "$(jget .imported)" 5 imported
expect_eq "$(q "select count(*) from agent_status")" 1 only_valid_row
expect_eq "$(q "select outcome from wsm_files where path='agent_workspaces/Agent-2/status.json'")" invalid ledger
q "select error from wsm_files where path='agent_workspaces/Agent-2/status.json'" | grep -q "expected string" || fail "schema error not in ledger"
