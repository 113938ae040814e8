. "$WSM_ROOT/tests/cli/lib.sh"
# migrate --watch: a new file, an edit, a delete (--prune), a rename, a
# burst of 1000 files, a file written in pieces, no CPU when idle, and a
# clean stop on SIGTERM and on SIGINT (exit 0)
mkdir -p tree/a
printf '{"v": 1}\n' > tree/a/one.json
"$WSM_BIN" migrate tree --db "$DB" --schema "$SCHEMA" --watch --settle 1000 --prune \
	--on-invalid skip > watch.out 2> watch.err &
pid=$!
# stop the watcher on any exit
on_exit 'kill -9 ${pid:-} 2>/dev/null'
cur() { echo "select count(*) from documents where _path = '$1'"; }
until_q "$(cur a/one.json)" 1

printf '{"v": 2}\n' > tree/two.json                                 # new
until_q "$(cur two.json)" 1
printf '{"v": 11}\n' > tree/a/one.json                              # edit
until_q "select count(*) from documents where _path = 'a/one.json' and _sha256 = '$(sha256sum < tree/a/one.json | cut -c1-64)'" 1
mv tree/two.json tree/a/two-renamed.json                            # rename
until_q "$(cur a/two-renamed.json)" 1
until_q "$(cur two.json)" 0
rm tree/a/one.json                                                  # delete
until_q "$(cur a/one.json)" 0

# a file written in pieces, faster than --settle:
# never imported half-written (it would be invalid JSON)
printf '{"part": ' > tree/slow.json; sleep 0.1; printf '"one", ' >> tree/slow.json
sleep 0.1; printf '"rest": 2}\n' >> tree/slow.json
until_q "$(cur slow.json)" 1
expect_eq "$(q "select count(*) from wsm_files where path = 'slow.json' and outcome = 'invalid'")" 0 half_written_imported

# a burst of 1000 files: a few runs at most, not one per file
before=$(q "select count(*) from wsm_runs")
mkdir -p tree/burst
i=0; while [ $i -lt 1000 ]; do printf '{"i": %d}\n' $i > tree/burst/f$i.json; i=$((i + 1)); done
until_q "select count(*) from documents where _path like 'burst/%'" 1000
sleep 1
runs=$(( $(q "select count(*) from wsm_runs") - before ))
[ "$runs" -ge 1 ] && [ "$runs" -le 5 ] || fail "1000 files took $runs runs"

# one line per run on stdout
expect_eq "$(wc -l < watch.out | tr -d ' ')" "$(q "select count(*) from wsm_runs")" lines_per_run

# idle: no CPU (utime + stime in clock ticks over 2 s)
t0=$(awk '{print $14 + $15}' /proc/$pid/stat); sleep 2; t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
[ $((t1 - t0)) -le 2 ] || fail "busy while idle: $((t1 - t0)) ticks in 2 s"

# the backup folder inside the tree: its writes start no runs
kill -TERM $pid
wait $pid
"$WSM_BIN" migrate tree --db "$DB" --schema "$SCHEMA" --watch --settle 100 -q \
	--backup-dir tree/.backups > w3.out 2> w3.err &
pid=$!
until_q "select count(*) from wsm_runs where status = 'running'" 0
sleep 1.5
n0=$(wc -l < w3.out)
sleep 1.5
expect_eq "$(wc -l < w3.out)" "$n0" no_runs_from_own_backups
[ "$n0" -ge 1 ] || fail "the watcher made no first run"

kill -TERM $pid
wait $pid; st=$?
expect_eq "$st" 0 sigterm_exit
grep -q "stopped" watch.err || fail "no clean stop message"

# SIGINT right after a change: the run finishes (or never starts) cleanly
"$WSM_BIN" migrate tree --db "$DB" --schema "$SCHEMA" --watch --settle 100 -q > w2.out 2> w2.err &
pid=$!
until_q "select count(*) from wsm_runs where status = 'running'" 0
sleep 0.5
printf '{"v": 9}\n' > tree/nine.json
sleep 0.2
kill -INT $pid
wait $pid; st=$?
expect_eq "$st" 0 sigint_exit
expect_eq "$(q "select count(*) from wsm_runs where status not in ('committed', 'rolled_back')")" 0 no_half_run
