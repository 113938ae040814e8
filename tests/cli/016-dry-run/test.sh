. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --dry-run
expect_status 0
expect_out "nothing was written"
[ ! -e backups ] || fail "dry run made a backup folder"
if [ "$WSM_BACKEND" = sqlite ]; then
	[ ! -e test.db ] || fail "dry run created the database"
else
	expect_eq "$(q "select count(*) from information_schema.tables where table_name like 'wsm_%'")" 0 no_tables
fi
printf '{"status": 42}\n' > tree/agent_workspaces/Agent-2/status.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --dry-run --format json
expect_status 1
expect_eq "$(jget .invalid)" 1 invalid
