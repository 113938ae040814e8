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

# rollback --format json: one valid document, the files as they go, the
# counts and the outcome
echo '{"agent_id":"Agent-1","status":"for the json part"}' > "tree/$F"
wsm migrate tree $MS --db "$DB" --backup-dir backups --format json
expect_status 0
run=$(jget .run_id)
wsm rollback --db "$DB" --dry-run --format json
expect_status 0
jq -e . out.txt >/dev/null || fail "dry-run JSON is not valid"
expect_eq "$(jget .run_id)" "$run" json_run_id
expect_eq "$(jget .dry_run)" true json_dry_run
expect_eq "$(jget .rolled_back)" false json_dry_not_rolled_back
expect_eq "$(jget .would_revert.imported_files)" "$(q "select count(*) from wsm_files where run_id = '$run' and outcome = 'imported'")" json_would_revert
echo '{"changed": true}' > "tree/$F"
wsm rollback --db "$DB" --format json
expect_status 1
jq -e . out.txt >/dev/null || fail "refused rollback JSON is not valid"
expect_eq "$(jget .conflicts)" 1 json_conflicts
expect_eq "$(jget '.events[0].event')" conflict json_event
expect_eq "$(jget '.events[0].path')" "$F" json_event_path
expect_eq "$(jget .rolled_back)" false json_refused
case "$(jget .error)" in *"differ"*) ;; *) fail "json error: $(jget .error)" ;; esac
wsm rollback --db "$DB" --format json --force
expect_status 0
jq -e . out.txt >/dev/null || fail "forced rollback JSON is not valid"
expect_eq "$(jget .rolled_back)" true json_rolled_back
expect_eq "$(jget .error)" null json_no_error
expect_eq "$(jget .restored)" 1 json_restored
r=$(jget '.events[] | select(.event == "restored") | .reason')
case "$r" in *"wsmigrate-orig"*) ;; *) fail "json reason: $r" ;; esac
expect_eq "$(jget .rows_removed)" "$(q "select rows_written from wsm_runs where id = '$run'")" json_rows_removed
expect_eq "$(q "select status from wsm_runs where id = '$run'")" rolled_back json_ledger
jq -e '.duration_s >= 0 and (.db | type == "string")' out.txt >/dev/null || fail "duration_s or db"

# backups verify --format json: one valid document, archives and problems
wsm backups verify --db "$DB" --format json
expect_status 0
jq -e . out.txt >/dev/null || fail "verify JSON is not valid"
expect_eq "$(jget .failed)" 0 verify_failed
[ "$(jget .checked)" -ge 1 ] || fail "verify checked nothing"
expect_eq "$(jget '[.archives[] | select(.ok != true)] | length')" 0 all_ok
expect_eq "$(jget '.archives[0].in_ledger')" true in_ledger
last=$(q "select id from wsm_runs where status = 'committed' order by seq desc limit 1")
a=$(q "select archive_path from wsm_runs where id = '$last'")
q "update wsm_files set sha256 = 'x' where run_id = '$last' and outcome = 'imported' and path = (select min(path) from wsm_files where run_id = '$last' and outcome = 'imported')"
wsm backups verify "$last" --db "$DB" --format json
expect_status 1
jq -e . out.txt >/dev/null || fail "failed verify JSON is not valid"
expect_eq "$(jget .failed)" 1 verify_failed_1
expect_eq "$(jget '.archives[0].run_id')" "$last" verify_run_id
expect_eq "$(jget '.archives[0].problems[0].kind')" "ledger mismatch" verify_kind
# an archive alone, no database
wsm backups verify "$a" --format json
expect_status 0
expect_eq "$(jget .db)" null archive_alone_db
expect_eq "$(jget '.archives[0].in_ledger')" null archive_alone_in_ledger
