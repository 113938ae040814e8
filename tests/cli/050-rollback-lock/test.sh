. "$WSM_ROOT/tests/cli/lib.sh"
# issue 12, defect 1: rollback holds the run lock for its whole duration,
# files and rows.  A migrate started while the rollback puts files back is
# refused (--no-wait) or waits until the rollback is done; it never commits
# a run made from a half-restored tree, and the rollback ends whole.
# (slow-restore: test builds sleep 2 ms per restored file, so that the
# rollback surely overlaps; the defect showed without it too.)
cc -O2 -o gen "$WSM_ROOT/tests/bench/gen.c" || fail "cannot build the tree generator"
./gen tree --files 1000 --seed 5 >/dev/null 2>&1 || fail "gen failed"
total=$(find tree -type f | wc -l)
M="migrate tree --db $DB --schema $SCHEMA --backup-dir backups -q"
wsm $M --remove-originals
expect_status 0
left=$(find tree -type f | wc -l)
[ "$left" -lt "$total" ] || fail "--remove-originals removed nothing"

# 1. migrate --no-wait during the restore: refused at once
WSMIGRATE_FAULT=slow-restore "$WSM_BIN" rollback --db "$DB" >rb.out 2>rb.err &
rb=$!
until_more_files tree "$left"
"$WSM_BIN" $M --no-wait --format json >m.out 2>m.err
mst=$?
wait $rb
rst=$?
cat rb.err m.err
[ $rst -eq 0 ] || { cat rb.out; fail "rollback failed (exit $rst)"; }
expect_eq "$(find tree -type f | wc -l)" "$total" tree_whole
# either refused while the rollback held the lock, or run after it: then
# it found the whole tree and nothing deleted
if [ "$(jq -r .committed m.out 2>/dev/null)" = true ]; then
	expect_eq "$(jq -r .deleted m.out)" 0 deleted_by_a_migrate_after_the_rollback
else
	expect_eq "$mst" 3 refused_status
	grep -q "holds the lock" m.err || fail "refusal does not say the database is locked"
fi
expect_eq "$(q "select count(*) from wsm_runs where status = 'rolled_back'")" 1 rolled_back
# the rows are all reverted, files and rows went together
expect_eq "$(q "select count(*) from wsm_files f join wsm_runs r on r.id = f.run_id where r.status = 'committed' and f.outcome = 'imported'")" \
	"$(q "select coalesce(sum(imported), 0) from wsm_runs where status = 'committed'")" ledger_consistent

# 2. a migrate that waits: it runs after the rollback, on the whole tree
wsm $M --remove-originals
expect_status 0
left=$(find tree -type f | wc -l)
WSMIGRATE_FAULT=slow-restore "$WSM_BIN" rollback --db "$DB" >rb.out 2>rb.err &
rb=$!
until_more_files tree "$left"
"$WSM_BIN" $M --format json >m.out 2>m.err
mst=$?
wait $rb
rst=$?
[ $rst -eq 0 ] || { cat rb.out rb.err; fail "second rollback failed (exit $rst)"; }
expect_eq "$mst" 0 waiting_migrate_status
expect_eq "$(jq -r .committed m.out)" true waiting_migrate_committed
expect_eq "$(jq -r .deleted m.out)" 0 waiting_migrate_deleted
expect_eq "$(find tree -type f | wc -l)" "$total" tree_whole_2
