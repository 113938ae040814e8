. "$WSM_ROOT/tests/cli/lib.sh"
# A database made by the version before sources (make-fixture.sh: trees A
# and B imported into one database, each run seeing the other's files as
# deleted) is read as it is and upgraded in place: each run's source is its
# tree root, each row takes the source of the run that wrote it, B's run
# can be rolled back although A ran after it, and the next runs of A and B
# see no false deletions.
MS="$WSM_ROOT/fixtures/mini-schema"
R="$WSM_WORK"
tree mini treeA
tree mini treeB
mv treeB/agent_workspaces/Agent-1 treeB/agent_workspaces/Agent-8
mv treeB/agent_workspaces/Agent-2 treeB/agent_workspaces/Agent-9
rm treeB/agent_workspaces/agents.json
printf '{"agent_id": "Agent-1", "status": "busy"}\n' > treeA/agent_workspaces/Agent-1/status.json
if [ "$WSM_BACKEND" = postgres ]; then
	sed "s|@ROOT@|$R|g" "$WSM_TEST_DIR/legacy.pg.sql" |
		psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null || fail "cannot load the fixture"
else
	sed "s|@ROOT@|$R|g" "$WSM_TEST_DIR/legacy.sqlite.sql" | sqlite3 "$WSM_WORK/test.db" ||
		fail "cannot load the fixture"
fi
RUN_B=$(q "select id from wsm_runs where seq = 2")
RUN_A3=$(q "select id from wsm_runs where seq = 3")

# read-only: each run's source is its tree root, nothing is changed
wsm runs --db "$DB" --format json
expect_status 0
expect_eq "$(jq -r '.runs[1].source' out.txt)" "$R/treeB" legacy_source_b
expect_eq "$(jq -r '.runs[2].source' out.txt)" "$R/treeA" legacy_source_a

# the runs of the previous version share one chain: B's run cannot go
# before A's later run 3 (B's run replaced A's rows of the same keys)
wsm rollback --db "$DB" --run "$RUN_B"
expect_status 3
expect_err "$RUN_A3"

# B again: A's files are not B's deletions; then A: nothing deleted either
wsm migrate treeB --schema "$MS" --db "$DB" --no-backup --format json
expect_status 0
expect_eq "$(jget .unchanged)" 6 b_unchanged
expect_eq "$(jget .deleted)" 0 b_no_false_deletions
wsm migrate treeA --schema "$MS" --db "$DB" --no-backup --format json
expect_status 0
expect_eq "$(jget .unchanged)" 6 a_unchanged
expect_eq "$(jget .deleted)" 0 a_no_false_deletions
# every row took the source of the run that wrote it
expect_eq "$(q "select count(*) from wsm_sources where _source = '$R/treeA'")" 6 a_sources_tagged
expect_eq "$(q "select count(*) from wsm_sources where _source = '$R/treeB'")" 6 b_sources_tagged
expect_eq "$(q "select count(*) from messages where _source = '$R/treeA'")" 2 a_rows_tagged
expect_eq "$(q "select count(*) from messages where _source = '$R/treeB'")" 2 b_rows_tagged
expect_eq "$(q "select count(*) from agent_status where _source = ''")" 0 no_untagged_rows
# the key of a data table is now per source
if [ "$WSM_BACKEND" = postgres ]; then
	expect_eq "$(q "select count(*) from pg_indexes where indexname = 'agent_status_key'")" 0 old_key_dropped
	expect_eq "$(q "select count(*) from pg_indexes where indexname = 'agent_status_skey'")" 1 new_key
else
	expect_eq "$(q "select count(*) from sqlite_master where name = 'agent_status__key'")" 0 old_key_dropped
	expect_eq "$(q "select count(*) from sqlite_master where name = 'agent_status__skey'")" 1 new_key
fi
# new runs are per source: A's run goes although B ran after it
wsm rollback --db "$DB" --source "$R/treeA"
expect_status 0
wsm rollback --db "$DB" --source "$R/treeB"
expect_status 0
# then the old chain, newest first, back to an empty database
for run in "$RUN_A3" "$RUN_B" $(q "select id from wsm_runs where seq = 1"); do
	wsm rollback --db "$DB" --run "$run"
	expect_status 0
done
for t in agent_status messages task_lists tasks status_kv wsm_sources; do
	expect_eq "$(q "select count(*) from $t")" 0 "empty_$t"
done
