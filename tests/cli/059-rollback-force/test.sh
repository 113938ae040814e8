. "$WSM_ROOT/tests/cli/lib.sh"
# issue 13 (rollback items): rollback --force keeps a copy of each file it
# overwrites, FILE.wsmigrate-orig (then .wsmigrate-orig.1, ...), and says
# where; `rollback --help` lists every option, --db included.
tree mini
MS="--schema $WSM_ROOT/fixtures/mini-schema"
F=agent_workspaces/Agent-1/status.json
cp "tree/$F" original.json
wsm migrate tree $MS --db "$DB" --backup-dir backups -q
expect_status 0
echo '{"agent_id":"Agent-1","status":"edited by hand"}' > "tree/$F"
cp "tree/$F" edited.json
wsm rollback --db "$DB"
expect_status 1
expect_out "conflict"
cmp -s "tree/$F" edited.json || fail "a refused rollback changed the file"
wsm rollback --db "$DB" --force
expect_status 0
expect_out "kept as '$F.wsmigrate-orig'"
cmp -s "tree/$F" original.json || fail "not restored to the archived content"
cmp -s "tree/$F.wsmigrate-orig" edited.json || fail "the edited content was not kept"
# a second forced overwrite does not clobber the first copy
wsm migrate tree $MS --db "$DB" --backup-dir backups -q
expect_status 0
echo '{"agent_id":"Agent-1","status":"edited again"}' > "tree/$F"
wsm rollback --db "$DB" --force -q
expect_status 0
expect_out "kept as '$F.wsmigrate-orig.1'"
cmp -s "tree/$F.wsmigrate-orig" edited.json || fail "the first copy was overwritten"
grep -q "edited again" "tree/$F.wsmigrate-orig.1" || fail "second copy"
# the copies are not JSON files to the next run
wsm migrate tree $MS --db "$DB" --backup-dir backups --format json
expect_status 0
expect_eq "$(jq '[.invalid_files[], .skipped_files[] | select(.path | contains("wsmigrate-orig"))] | length' out.txt)" 0 copies_not_imported

wsm rollback --help
expect_status 0
for o in --run --db --to --force --dry-run --quiet; do expect_out -- "$o"; done
