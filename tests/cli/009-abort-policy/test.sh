. "$WSM_ROOT/tests/cli/lib.sh"
# default --on-invalid abort: exit 1, every invalid file listed, nothing written
tree mini
printf '{"status": 42}\n' > tree/agent_workspaces/Agent-2/status.json
printf 'not json' > tree/agent_workspaces/Agent-1/inbox/broken.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB"
expect_status 1
expect_out "nothing written"
expect_out "agent_workspaces/Agent-2/status.json"
expect_out "/status: expected string"
expect_out "agent_workspaces/Agent-1/inbox/broken.json"
n=$(q "select count(*) from wsm_runs" 2>/dev/null || echo 0)
expect_eq "${n:-0}" 0 no_runs
[ ! -e backups ] || [ -z "$(ls backups | grep -v '^$')" ] || fail "an archive was left: $(ls backups)"
