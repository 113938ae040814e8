. "$WSM_ROOT/tests/cli/lib.sh"
# Agent-2/status.json has no agent_id: it comes from the directory name
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB"
expect_status 0
expect_eq "$(q "select count(*) from agent_status where agent_id='Agent-2'")" 1 agent_from_dir
expect_eq "$(q "select agent || '/' || box from messages where sender='Agent-2'")" "Agent-1/inbox" segments
expect_eq "$(q "select status from agent_status where agent_id='Agent-2'")" "idle" state_alias
