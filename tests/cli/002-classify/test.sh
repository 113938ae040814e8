. "$WSM_ROOT/tests/cli/lib.sh"
# first matching rule wins; unmatched JSON is skipped and listed; non-JSON and
# manifest-ignored files are not counted as seen
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .files_seen)" 7 files_seen
expect_eq "$(jget .skipped)" 1 skipped
expect_eq "$(jget .ignored)" 2 ignored
expect_eq "$(jget '.skipped_files[0].path')" agent_workspaces/agents.json skipped_path
expect_eq "$(jget '.rules[] | select(.rule=="messages") | .files')" 2 messages
expect_eq "$(q "select count(*) from wsm_files where outcome='skipped' and path='agent_workspaces/agents.json'")" 1 ledger
expect_eq "$(q "select count(*) from wsm_files where path like '%notes.md' or path like 'ignored/%'")" 0 ignored_in_ledger
# every seen file has a ledger row
expect_eq "$(q "select count(*) from wsm_files")" 7 ledger_rows
