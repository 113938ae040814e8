. "$WSM_ROOT/tests/cli/lib.sh"
# issue 12, defect 12: a run that waits for another one's lock says so (on
# a terminal, and with -v): who holds the lock and since when, and how long
# it will wait.  --no-wait refuses at once and names the holder too.
tree mini
MS="--schema $WSM_ROOT/fixtures/mini-schema"
wsm migrate tree $MS --db "$DB" -q
expect_status 0

# another client holds the writers' lock for 4 s
if [ "$WSM_BACKEND" = postgres ]; then
	psql -X -q -d "$DB" -v ON_ERROR_STOP=1 -c "BEGIN" \
		-c "SELECT pg_advisory_xact_lock(8607477376316252532)" \
		-c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null 2>&1 &
	holder=$!
	who=psql
else
	{ echo "BEGIN IMMEDIATE;"; echo "INSERT INTO wsm_tables SELECT * FROM wsm_tables WHERE 0;"; sleep 4; echo "COMMIT;"; } |
		sqlite3 "$WSM_WORK/test.db" &
	holder=$!
	who=sqlite3
fi
sleep 1

wsm migrate tree $MS --db "$DB" --no-wait
expect_status 3
expect_err "holds the lock"
expect_err "$who"

start=$(date +%s)
wsm migrate tree $MS --db "$DB" -v
end=$(date +%s)
expect_status 0
wait $holder
[ $((end - start)) -ge 1 ] || fail "migrate did not wait for the lock"
expect_err "waiting for the lock"
expect_err "held by"
expect_err "$who"
expect_err "since"
expect_err "10 min"
grep "waiting for the lock" err.txt | grep -q "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]" || fail "no time in the wait message"

# without -v and not on a terminal: silent
if [ "$WSM_BACKEND" = postgres ]; then
	psql -X -q -d "$DB" -c "BEGIN" -c "SELECT pg_advisory_xact_lock(8607477376316252532)" \
		-c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null 2>&1 &
else
	{ echo "BEGIN IMMEDIATE;"; echo "INSERT INTO wsm_tables SELECT * FROM wsm_tables WHERE 0;"; sleep 3; echo "COMMIT;"; } |
		sqlite3 "$WSM_WORK/test.db" &
fi
holder=$!
sleep 1
wsm migrate tree $MS --db "$DB"
expect_status 0
wait $holder
! grep -q "waiting for the lock" err.txt || fail "wait message on a non-terminal without -v"

# the timeout is in the help
wsm migrate --help
expect_out "no-wait"
expect_out "10 minutes"
