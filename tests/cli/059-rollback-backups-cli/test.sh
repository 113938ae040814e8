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
p1=$(q "select min(path) from wsm_files where run_id = '$last' and outcome = 'imported'")
sha1=$(q "select sha256 from wsm_files where run_id = '$last' and path = '$p1'")
q "update wsm_files set sha256 = 'x' where run_id = '$last' and path = '$p1'"
wsm backups verify "$last" --db "$DB" --format json
expect_status 1
jq -e . out.txt >/dev/null || fail "failed verify JSON is not valid"
expect_eq "$(jget .failed)" 1 verify_failed_1
expect_eq "$(jget '.archives[0].run_id')" "$last" verify_run_id
expect_eq "$(jget '.archives[0].problems[0].kind')" "ledger mismatch" verify_kind
q "update wsm_files set sha256 = '$sha1' where run_id = '$last' and path = '$p1'"
# an archive alone, no database
wsm backups verify "$a" --format json
expect_status 0
expect_eq "$(jget .db)" null archive_alone_db
expect_eq "$(jget '.archives[0].in_ledger')" null archive_alone_in_ledger

# backups prune --keep-last N: two no-op runs after an importing one
echo '{"agent_id":"Agent-1","status":"prune"}' > "tree/$F"
wsm migrate tree $MS --db "$DB" --backup-dir backups -q
expect_status 0
wsm migrate tree $MS --db "$DB" --backup-dir backups -q
wsm migrate tree $MS --db "$DB" --backup-dir backups -q
expect_status 0
newest=$(q "select id from wsm_runs where archive_path is not null order by seq desc limit 1")
needed=$(q "select count(*) from wsm_runs where archive_path is not null and id <> '$newest' and status = 'committed' and imported > 0")
prunable=$(q "select count(*) from wsm_runs where archive_path is not null and id <> '$newest' and not (status = 'committed' and imported > 0)")
[ "$needed" -ge 1 ] && [ "$prunable" -ge 2 ] || fail "setup: needed $needed, prunable $prunable"
q "select archive_path from wsm_runs where archive_path is not null and id <> '$newest' and not (status = 'committed' and imported > 0)" > gone.txt
wsm backups prune --keep-last 1 --db "$DB" --dry-run
expect_status 0
expect_out "would remove $prunable archives"
expect_eq "$(q "select count(*) from wsm_runs where archive_path is not null")" $((1 + needed + prunable)) dry_run_changed_nothing
wsm backups prune --keep-last 1 --db "$DB"
expect_status 0
expect_out "removed $prunable archives"
expect_out "kept     "
expect_eq "$(q "select count(*) from wsm_runs where archive_path is not null")" $((1 + needed)) archives_left
expect_eq "$(q "select count(*) from wsm_warnings where kind = 'archive_pruned'")" "$prunable" ledger_notes
while read -r g; do [ -e "$g" ] && fail "$g still there"; done < gone.txt
wsm backups verify --db "$DB"
expect_status 0
# --force removes the needed ones too; JSON says what went
wsm backups prune --keep-last 1 --db "$DB" --force --format json
expect_status 0
jq -e . out.txt >/dev/null || fail "prune JSON is not valid"
expect_eq "$(jget '.removed | length')" "$needed" forced_removed
expect_eq "$(jget '.refused | length')" 0 forced_refused
expect_eq "$(q "select count(*) from wsm_runs where archive_path is not null")" 1 only_newest_left
# a rollback of a run whose archive went reverts the database only
wsm rollback --db "$DB" -q
expect_status 0
wsm rollback --db "$DB"
expect_status 0
expect_out "has no archive: only the database is reverted"
