. "$WSM_ROOT/tests/cli/lib.sh"
# issue 12, defect 6: a restore refused midway (a symlink planted in the
# target while the rollback writes) reports exactly what it had written,
# never "nothing was written", and the ledger says so; a second rollback,
# once the cause is gone, finishes the job.  (slow-restore: test builds
# sleep 2 ms per restored file, so that the symlink lands midway.)
cc -O2 -o gen "$WSM_ROOT/tests/bench/gen.c" || fail "cannot build the tree generator"
./gen tree --files 600 --seed 7 >/dev/null 2>&1 || fail "gen failed"
total=$(find tree -type f | wc -l)
wsm migrate tree --db "$DB" --schema "$SCHEMA" --backup-dir backups -q --remove-originals
expect_status 0
left=$(find tree -type f | wc -l)
run=$(q "select id from wsm_runs")
# the folder of the last file the restore will write (index order)
last=$(grep -o '"path":"[^"]*"' backups/*.manifest.json | tail -n 1 | sed 's/"path":"\(.*\)"/\1/')
lastdir=$(dirname "$last")
[ "$lastdir" != . ] || skip "the generated tree has no folders"
first=$(grep -o '"path":"[^"]*"' backups/*.manifest.json | head -n 1 | sed 's/"path":"\(.*\)"/\1/')
[ "$(dirname "$first")" != "$lastdir" ] || skip "first and last files share a folder"
mkdir elsewhere

WSMIGRATE_FAULT=slow-restore "$WSM_BIN" rollback --db "$DB" >rb.out 2>rb.err &
rb=$!
until_more_files tree "$left"
rm -rf "tree/$lastdir"
ln -s "$WSM_WORK/elsewhere" "tree/$lastdir"
wait $rb
rst=$?
cat rb.err
[ $rst -eq 1 ] || { cat rb.out; fail "expected exit 1 from the refused rollback, got $rst"; }
grep -q "nothing was written" rb.out rb.err && fail "says nothing was written"
# exactly what was written: every restored file is named, and counted
listed=$(grep -c '^restored ' rb.out)
[ "$listed" -gt 0 ] || fail "no restored file listed"
grep -q "stopped after restoring $listed files" rb.out || { cat rb.out; fail "count not reported"; }
[ -z "$(ls elsewhere)" ] || fail "the restore wrote through the planted link"
expect_eq "$(q "select status from wsm_runs where id = '$run'")" committed run_still_committed
note=$(q "select message from wsm_warnings where run_id = '$run' and kind = 'rollback_partial'")
case "$note" in
*"restored $listed files into"*"then stopped"*) ;;
*) fail "ledger note: '$note'" ;;
esac

# remove the cause, roll back again: the tree is whole
rm "tree/$lastdir"
wsm rollback --db "$DB" -q
expect_status 0
expect_eq "$(find tree -type f | wc -l)" "$total" tree_whole
expect_eq "$(q "select status from wsm_runs where id = '$run'")" rolled_back rolled_back
