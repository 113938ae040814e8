. "$WSM_ROOT/tests/cli/lib.sh"
export WSMIGRATE_BACKUP_DIR="$WSM_WORK/backups"
# a crash between the archive and the commit leaves an orphan archive that the
# next run removes; the database is unchanged
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" -q
expect_status 0
n=$(q "select count(*) from wsm_runs")
printf '{"agent_id": "Agent-1", "status": "x"}\n' > tree/agent_workspaces/Agent-1/status.json
WSMIGRATE_FAULT=crash-before-commit wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" -q
expect_status 70
expect_eq "$(ls backups/*.tar.zst | wc -l)" 2 orphan_left
expect_eq "$(ls backups | grep -c uncommitted)" 1 marker_left
expect_eq "$(q "select count(*) from wsm_runs")" "$n" db_unchanged
expect_eq "$(q "select status from agent_status where agent_id='Agent-1'")" busy row_unchanged
: > "backups/20990101T000000Z-abcdef.tar.zst.partial"
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB"
expect_status 0
expect_err "never committed"
expect_err "partial"
expect_eq "$(ls backups/*.tar.zst | wc -l)" 2 orphan_removed
[ ! -e backups/20990101T000000Z-abcdef.tar.zst.partial ] || fail "partial left"
wsm backups verify --db "$DB"
expect_status 0
[ -z "$(ls backups | grep uncommitted)" ] || fail "marker left after a clean run"
# archives of committed runs are never orphans, even for a new database
if [ "$WSM_BACKEND" = sqlite ]; then
	n=$(ls backups/*.tar.zst | wc -l)
	rm -f test.db test.db-wal test.db-shm
	wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" -q
	expect_status 0
	expect_eq "$(ls backups/*.tar.zst | wc -l)" $((n + 1)) old_archives_kept
fi
