. "$WSM_ROOT/tests/cli/lib.sh"
# migrate -> --remove-originals -> rollback restores the tree exactly
tree mini
chmod 640 tree/agent_workspaces/Agent-1/status.json
touch -d '2024-01-02 03:04:05' tree/agent_workspaces/Agent-2/status.json
snap() { (cd tree && find . -type f -name '*.json' | sort | while read -r f; do
	echo "$f $(sha256sum "$f" | cut -d' ' -f1) $(stat -c '%a %Y' "$f")"; done); }
snap > before.txt
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --remove-originals
expect_status 0
[ ! -e tree/agent_workspaces/Agent-1/status.json ] || fail "imported file not removed"
[ -e tree/agent_workspaces/agents.json ] || fail "skipped file was removed"
[ -e tree/agent_workspaces/Agent-1/notes.md ] || fail "non-JSON file was removed"
wsm backups verify --db "$DB"
expect_status 0
wsm rollback --db "$DB"
expect_status 0
snap > after.txt
diff before.txt after.txt || fail "tree differs after rollback"
