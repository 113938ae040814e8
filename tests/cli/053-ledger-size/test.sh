. "$WSM_ROOT/tests/cli/lib.sh"
# issue 12, defect 7: the ledger's size is the size of the bytes read (and
# hashed, archived, stored), not the walk's stat.  Test hook
# rewrite-before-read:PATH grows the file between the stat and the read.
tree mini
MS="--schema $WSM_ROOT/fixtures/mini-schema"
F=agent_workspaces/Agent-1/status.json
before=$(stat -c %s "tree/$F")
WSMIGRATE_FAULT="rewrite-before-read:$F" wsm migrate tree $MS --db "$DB" --backup-dir backups -q
expect_status 0
after=$(stat -c %s "tree/$F")
[ "$after" -gt "$before" ] || fail "the test hook did not grow the file ($before -> $after)"
expect_eq "$(q "select sha256 from wsm_files where path = '$F'")" \
	"$(sha256sum "tree/$F" | cut -d' ' -f1)" ledger_sha256
expect_eq "$(q "select size from wsm_files where path = '$F'")" "$after" ledger_size
expect_eq "$(q "select size from wsm_sources where _path = '$F'")" "$after" source_size
# the archive holds the same bytes, and verify agrees with the ledger
wsm backups verify --db "$DB"
expect_status 0
# the next run finds it unchanged, without reading it twice
wsm migrate tree $MS --db "$DB" --backup-dir backups --format json
expect_status 0
expect_eq "$(jget .imported)" 0 second_run_imported
