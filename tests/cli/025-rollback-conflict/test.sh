. "$WSM_ROOT/tests/cli/lib.sh"
# a restore onto a file modified since is refused without --force
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --remove-originals -q
expect_status 0
echo '{"mine": true}' > tree/agent_workspaces/Agent-2/status.json
wsm rollback --db "$DB"
expect_status 1
expect_out "conflict"
expect_out "agent_workspaces/Agent-2/status.json"
[ ! -e tree/agent_workspaces/Agent-1/status.json ] || fail "something was restored despite the conflict"
expect_eq "$(cat tree/agent_workspaces/Agent-2/status.json)" '{"mine": true}' user_file_kept
expect_eq "$(q "select count(*) from agent_status")" 2 db_not_reverted
wsm rollback --db "$DB" --force
expect_status 0
[ -e tree/agent_workspaces/Agent-1/status.json ] || fail "not restored with --force"
cmp tree/agent_workspaces/Agent-2/status.json "$WSM_ROOT/fixtures/mini/agent_workspaces/Agent-2/status.json" || fail "not overwritten with --force"
expect_eq "$(q "select count(*) from agent_status")" 0 db_reverted
