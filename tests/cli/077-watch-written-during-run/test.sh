. "$WSM_ROOT/tests/cli/lib.sh"
# migrate --watch and a file being written while a run is under way
# (issue 14): the run reads it half-written, its writer finishes it just
# after the read (test hook finish-after-read).  The half-written version
# is never committed as a document; the write during the run is not lost:
# the next run takes the final bytes, and the database ends with them.
mkdir -p tree
printf '{"v": 1}\n' > tree/one.json
printf '{"part": 1, ' > tree/half.json
WSMIGRATE_FAULT=finish-after-read:half.json "$WSM_BIN" migrate tree --db "$DB" --schema "$SCHEMA" \
	--watch --settle 300 --on-invalid skip --format json > watch.out 2> watch.err &
pid=$!
on_exit 'kill -9 ${pid:-} 2>/dev/null'
final=$(printf '{"part": 1, "rest": 2}\n' | sha256sum | cut -c1-64)
half=$(printf '{"part": 1, ' | sha256sum | cut -c1-64)
# the hook did write during the first run
until_q "select count(*) from wsm_runs where status = 'committed'" 1 150
expect_eq "$(cat tree/half.json)" '{"part": 1, "rest": 2}' file_finished
# the first run saw the half-written bytes (invalid), and did not import them
expect_eq "$(head -n 1 watch.out | jq -c '[.imported, .invalid]')" '[1,1]' first_run_counts
# the next run (started by the write alone) takes the final bytes
until_q "select count(*) from documents where _path = 'half.json' and _sha256 = '$final'" 1 150
expect_eq "$(q "select count(*) from documents where _path = 'half.json'")" 1 one_document
expect_eq "$(q "select size from wsm_files where path = 'half.json' and sha256 = '$final'")" 23 final_size
kill -TERM $pid
wait $pid; st=$?
expect_eq "$st" 0 sigterm_exit
expect_eq "$(q "select count(*) from documents where _path = 'half.json' and _sha256 = '$half'")" 0 half_never_final
# export gives back the final bytes
wsm export --db "$DB" --to back
expect_eq "$ST" 0 export_exit
cmp back/half.json tree/half.json || { cat "$WSM_WORK/err.txt"; fail "export is not the final version"; }
exit 0
