. "$WSM_ROOT/tests/cli/lib.sh"
# two runs, the second changing files; roll back the second: the rows are the
# first's; roll back the first: the data tables are empty as before
M="$WSM_ROOT/fixtures/mini-schema"
dump() {
	for t in agent_status status_kv messages task_lists tasks; do
		echo "== $t"; q "select _path, _sha256, _run_id from $t order by _path, _sha256"
	done
}
tree mini
wsm migrate tree --schema "$M" --db "$DB" -q
expect_status 0
dump > after1.txt
printf '{"agent_id": "Agent-1", "status": "done"}\n' > tree/agent_workspaces/Agent-1/status.json
printf '[{"task_id": "t3", "title": "new"}]\n' > tree/agent_workspaces/Agent-1/task_list.json
rm tree/agent_workspaces/Agent-1/outbox/reply.json
wsm migrate tree --schema "$M" --db "$DB" -q --prune
expect_status 0
dump > after2.txt
cmp -s after1.txt after2.txt && fail "second run changed nothing"
wsm rollback --db "$DB" --dry-run
expect_status 0
expect_out "would revert run"
dump > dry.txt
cmp after2.txt dry.txt || fail "dry run changed the database"
wsm rollback --db "$DB"
expect_status 0
expect_out "rolled back run"
dump > back1.txt
diff after1.txt back1.txt || fail "rows after rolling back run 2 differ from run 1's"
# the tree still holds the edits made after run 1: restoring run 1's files
# would overwrite them, so that needs --force (and nothing is reverted without)
wsm rollback --db "$DB"
expect_status 1
expect_out "conflict"
dump > still1.txt
diff after1.txt still1.txt || fail "a refused rollback changed the database"
wsm rollback --db "$DB" --force
expect_status 0
expect_eq "$(cat tree/agent_workspaces/Agent-1/status.json | jq -r .status)" busy file_restored
for t in agent_status status_kv messages task_lists tasks wsm_sources; do
	expect_eq "$(q "select count(*) from $t")" 0 "$t empty"
done
expect_eq "$(q "select count(*) from wsm_runs where status='rolled_back'")" 2 both_rolled_back
wsm rollback --db "$DB"
expect_status 3
expect_err "no committed run"
