. "$WSM_ROOT/tests/cli/lib.sh"
. "$WSM_ROOT/tests/cli/lib_inittree.sh"
# init on a tree of a new layout, then migrate with the inferred manifest:
# at least 95% of the parseable files land in typed tables, key fields in
# typed columns, child rows carry the parent's key, values are right
make_tree tree 1
wsm init tree -o inferred --format json
expect_status 0
expect_eq "$(jget .files)" $((CLEAN + BROKEN)) files
expect_eq "$(jget .ignored)" 3 ignored
expect_eq "$(jget .parseable)" "$CLEAN" parseable
expect_eq "$(jget .broken)" "$BROKEN" broken
typed=$(jget .typed)
[ $((typed * 100)) -ge $((CLEAN * 95)) ] || fail "init: only $typed of $CLEAN parseable files in typed rules"
expect_eq "$(jget '[.rules[].name] | join(",")')" "analysis_chunks,snapshots,queue,results,profile,jobs,summary" rules
expect_eq "$(jget '.rules[] | select(.name == "jobs") | .match')" "crew/*/jobs/*.json" jobs_glob
expect_eq "$(jget '.rules[] | select(.name == "jobs") | .key')" job_id jobs_key
expect_eq "$(jget '.rules[] | select(.name == "profile") | .key')" member_id profile_key
expect_eq "$(jget '.rules[] | select(.name == "summary") | .key')" run_id summary_key
# the key is a typed, required column; optional columns are lenient
expect_eq "$(jq -c '.rules[] | select(.name == "jobs") | .columns[0]' inferred/migration.json)" \
	'{"name":"job_id","type":"text","pointer":"/job_id","required":true}' key_column
expect_eq "$(jq -r '.rules[] | select(.name == "jobs") | .columns[] | select(.name == "created") | .type + "/" + .on_error' inferred/migration.json)" \
	timestamp/null created_column
expect_eq "$(jq -r '.rules[-1] | .name + "/" + (.catch_all | tostring)' inferred/migration.json)" documents/true catch_all
[ -f inferred/jobs.schema.json ] || fail "no jobs.schema.json"

wsm migrate tree --schema inferred --db "$DB" --on-invalid skip --format json
expect_status 1
expect_eq "$(jget .imported)" "$CLEAN" imported
expect_eq "$(jget .invalid)" "$BROKEN" invalid
expect_eq "$(jget .skipped)" 0 skipped
expect_eq "$(jget '.invalid_files[0].path')" crew/bob/jobs/JOB-1999.json invalid_path
docs=$(q "select count(*) from documents")
expect_eq "$docs" 1 catch_all_rows
[ $(((CLEAN - docs) * 100)) -ge $((CLEAN * 95)) ] || fail "only $((CLEAN - docs)) of $CLEAN files in typed tables"
expect_eq "$(q "select _path from documents")" settings.json catch_all_file
expect_eq "$(q "select count(*) from jobs")" 14 jobs
expect_eq "$(q "select count(*) from profile")" 4 profiles
expect_eq "$(q "select count(*) from snapshots")" 12 snapshots
expect_eq "$(q "select count(*) from analysis_chunks")" 12 chunks
expect_eq "$(q "select count(*) from results")" 3 results
expect_eq "$(q "select count(*) from summary")" 5 summaries
# values: text, path segment, timestamp in three spellings, real, json for number-or-object
expect_eq "$(q "select state || '/' || crew from jobs where job_id = 'J-1012'")" open/alice job_state
expect_eq "$(q "select count(*) from jobs where created = '2025-03-12T08:00:00.123456Z'")" 4 ts_offset
expect_eq "$(q "select count(*) from jobs where created = '2025-03-11T10:00:00.000000Z'")" 4 ts_space_spelling
expect_eq "$(q "select count(*) from jobs where created is null")" 0 ts_all_parsed
expect_eq "$(q "select estimate from jobs where job_id = 'J-1012'")" 2.5 estimate
expect_eq "$(q "select count(*) from jobs where meta is not null")" 14 meta_json
expect_eq "$(q "select load from profile where member_id = 'carol'")" 9 integer_column
expect_eq "$(q "select count(*) from profile where lead")" 2 boolean_column
# child tables: the queue file's array, one row per message; the parent's key in child rows
expect_eq "$(q "select count(*) from queue_items")" 25 queue_rows
expect_eq "$(q "select msg_id from queue_items where _index = 2")" m-1-003 queue_msg
expect_eq "$(q "select count(*) from queue_items where sent >= '2025-03-02T10:20:00.000000Z'")" 6 queue_ts
expect_eq "$(q "select count(*) from jobs_history where job_id = 'J-1011'")" 2 history_parent_key
expect_eq "$(q "select count(*) from jobs_history where job_id is null")" 0 history_all_keyed
expect_eq "$(q "select count(*) from summary_steps where run_id = 'run-1-3'")" 3 steps_parent_key
expect_eq "$(q "select sum(ms) from summary_steps")" $((10 * 15 + 20 * 15 + 30 * 15)) steps_ms

# the same bar on genlayout's five layouts (with broken and wrong-shape files)
GEN=$(dirname "$WSM_BIN")/tools/genlayout
[ -x "$GEN" ] || GEN="$WSM_ROOT/build/tools/genlayout"
[ -x "$GEN" ] || fail "genlayout is not built (make unit-build)"
n=0
for layout in swarm crew flat nested mixed; do
	n=$((n + 1))
	"$GEN" -q --layout $layout --seed 7 --files 150 --broken 0.1 --out g-$layout --list g-$layout.list ||
		fail "genlayout $layout"
	wsm init g-$layout -o g-$layout-schema -q
	expect_status 0
	gdb="$DB"
	if [ "$WSM_BACKEND" = postgres ]; then
		psql -q -X -d "$WSM_TEST_PG_URL" -c "CREATE DATABASE \"${DBNAME}_g$n\"" >/dev/null || fail "createdb"
		gdb=$(echo "$WSM_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}$|/${DBNAME}_g$n\1|")
	else
		gdb="sqlite:$WSM_WORK/g-$layout.db"
	fi
	wsm migrate g-$layout --schema g-$layout-schema --db "$gdb" --on-invalid skip --format json
	[ "$ST" -le 1 ] || { cat err.txt; fail "$layout: migrate exit $ST"; }
	imported=$(jget .imported)
	broken=$(awk -F'\t' '$2 == "broken" && tolower($1) ~ /\.json$/' g-$layout.list | wc -l)
	expect_eq "$(jget .invalid)" "$broken" "$layout: invalid = broken"
	if [ "$WSM_BACKEND" = postgres ]; then
		docs=$(psql -X -A -t -q -d "$gdb" -c "select count(*) from documents")
		psql -q -X -d "$WSM_TEST_PG_URL" -c "DROP DATABASE \"${DBNAME}_g$n\" WITH (FORCE)" >/dev/null
	else
		docs=$(sqlite3 "$WSM_WORK/g-$layout.db" "select count(*) from documents")
	fi
	[ $(((imported - docs) * 100)) -ge $((imported * 95)) ] ||
		fail "$layout: only $((imported - docs)) of $imported parseable files in typed tables"
	echo "$layout: $((imported - docs)) of $imported parseable files typed"
done
