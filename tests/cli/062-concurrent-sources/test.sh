. "$WSM_ROOT/tests/cli/lib.sh"
# Writers (issue 15): on PostgreSQL a run locks its own source, so a run of
# another source goes on while it holds its lock, and a second run of the
# same source waits (saying so) or, with --no-wait, fails at once.  SQLite
# has one writer at a time whatever the source: the wait is visible.
MS="$WSM_ROOT/fixtures/mini-schema"
grep -q -a WSMIGRATE_FAULT "$WSM_BIN" || skip "needs a test build (TEST_HOOKS=1, as make test)"
tree mini A
tree mini B
tree mini C
# the first run makes the tables (a first run holds the DDL lock until it
# commits: concurrent first runs wait for it)
wsm migrate C --schema "$MS" --db "$DB" -q
expect_status 0
WSMIGRATE_FAULT=pause-before-commit:4 "$WSM_BIN" migrate A --schema "$MS" --db "$DB" -q \
	--backup-dir "$WSM_WORK/bk" > a.out 2> a.err &
APID=$!
i=0
while ! ls bk/*.uncommitted >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "run A never started"; sleep 0.1
done

if [ "$WSM_BACKEND" = postgres ]; then
	# another source: goes through while A holds its lock
	wsm migrate B --schema "$MS" --db "$DB" --no-wait --format json
	expect_status 0
	expect_eq "$(jget .imported)" 6 b_imported
	kill -0 $APID 2>/dev/null || fail "run A was not running any more: the runs did not overlap"
	# the same source: refused at once with --no-wait
	wsm migrate A --schema "$MS" --db "$DB" --no-wait
	[ "$ST" -ne 0 ] || fail "a second run of source A did not wait for the first"
	expect_err "another wsmigrate run of source '$WSM_WORK/A' (wsmigrate (pid "
	expect_err "holds the lock"
	# ... and waits without it, saying so with -v: which source, held by whom
	wsm migrate A --schema "$MS" --db "$DB" --format json -v
	expect_status 0
	expect_err "waiting for the lock of source '$WSM_WORK/A'"
	expect_err "held by wsmigrate (pid"
	expect_eq "$(jget .unchanged)" 6 a_second_run_sees_the_first
else
	wsm migrate B --schema "$MS" --db "$DB" --no-wait
	[ "$ST" -ne 0 ] || fail "SQLite let two writers in"
	wsm migrate B --schema "$MS" --db "$DB" --format json -v
	expect_status 0
	expect_err "waiting for the lock on"
	expect_err "held by wsmigrate (pid $APID"
	expect_eq "$(jget .imported)" 6 b_imported
fi
wait $APID || { cat a.err; fail "run A failed"; }
expect_eq "$(q "select count(*) from wsm_sources where _source = '$WSM_WORK/A'")" 6 a_sources
n=4; [ "$WSM_BACKEND" = postgres ] || n=3
expect_eq "$(q "select count(*) from wsm_runs where status = 'committed'")" $n committed_runs
