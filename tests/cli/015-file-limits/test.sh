# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
head -c 3000 /dev/zero | tr '\0' ' ' > tree/agent_workspaces/Agent-1/inbox/big.json
echo '{"from":"x"}' >> tree/agent_workspaces/Agent-1/inbox/big.json
ln -s /etc/hostname tree/agent_workspaces/Agent-1/inbox/outside.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --on-invalid skip --max-file-size 2K --format json
expect_status 1
jq -r '.invalid_files[] | select(.path|endswith("big.json")) | .reason' out.txt | grep -q "larger than the 2048 byte limit" || fail "size limit"
jq -r '.skipped_files[] | select(.path|endswith("outside.json")) | .reason' out.txt | grep -q "outside the tree" || fail "symlink outside"
[ "$(id -u)" = 0 ] && exit 0   # root reads everything: no unreadable-file case
chmod 000 tree/agent_workspaces/Agent-2/status.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --on-invalid skip --format json
jq -r '.invalid_files[].reason' out.txt | grep -q "Permission denied" || fail "unreadable"
