. "$WSM_ROOT/tests/cli/lib.sh"
# two files of one run with the same key: the later one in walk order wins,
# the run says which files, which key and which won, the loser's ledger row
# does not claim the row it lost, and rollback restores the state before
mkdir -p s tree/tasks
cat > s/migration.json <<'J'
{
  "version": 1,
  "rules": [
    {"name": "tasks", "match": "tasks/**/*.json", "table": "tasks", "key": ["task_id"],
     "columns": [
       {"name": "task_id", "type": "text", "pointer": "/task_id", "required": true},
       {"name": "title", "type": "text", "pointer": "/title"}]}
  ]
}
J
printf '{"task_id": "T-1", "title": "from run 1"}\n' > tree/tasks/a.json
printf '{"task_id": "T-2", "title": "two"}\n' > tree/tasks/b.json
wsm migrate tree --schema s --db "$DB" --format json
expect_status 0
expect_eq "$(jget .key_collisions)" 0 first_run_no_collision
before=$(q "select task_id || ' ' || title || ' ' || _path from tasks order by task_id")

# run 2: a.json changes, and two new files share T-1 with it
printf '{"task_id": "T-1", "title": "a again"}\n' > tree/tasks/a.json
mkdir -p tree/tasks/archive
printf '{"task_id": "T-1", "title": "archived copy"}\n' > tree/tasks/archive/old.json
printf '{"task_id": "T-1", "title": "the last one"}\n' > tree/tasks/z.json
wsm migrate tree --schema s --db "$DB" --format json
expect_status 0
# walk order: a.json, archive/old.json, b.json (unchanged), z.json
expect_eq "$(jget .imported)/$(jget .rows)/$(jget .key_collisions)/$(jget .tables.tasks)" "3/1/2/1" counts
expect_eq "$(q "select title || ' ' || _path from tasks where task_id = 'T-1'")" "the last one tasks/z.json" winner
expect_eq "$(jq -r '[.run_warnings[] | .kind + " " + .path] | join(",")' out.txt)" \
	"key_collision tasks/a.json,key_collision tasks/archive/old.json" losers
jq -r '.run_warnings[] | select(.path=="tasks/a.json") | .message' out.txt |
	grep -q "key {\"task_id\": \"T-1\"} of table \"tasks\" came again in 'tasks/archive/old.json' (later in walk order), whose row replaced this file's" ||
	fail "message: $(jq -r '.run_warnings[0].message' out.txt)"
jq -r '.run_warnings[] | select(.path=="tasks/archive/old.json") | .message' out.txt | grep -q "'tasks/z.json'" ||
	fail "second loser names z.json"
run2=$(jget .run_id)
expect_eq "$(q "select path || ' ' || outcome || ' ' || rows || ' ' || warnings from wsm_files where run_id = '$run2' order by path")" \
	"tasks/a.json imported 0 1
tasks/archive/old.json imported 0 1
tasks/b.json unchanged 0 0
tasks/z.json imported 1 0" ledger_rows
expect_eq "$(q "select path || ' ' || rule || ' ' || table_name || ' ' || column_name from wsm_warnings where run_id = '$run2' order by seq")" \
	"tasks/a.json tasks tasks task_id
tasks/archive/old.json tasks tasks task_id" ledger_warnings
expect_eq "$(q "select rows_written || ' ' || warnings from wsm_runs where id = '$run2'")" "1 2" run_row
# the text report says it
wsm rollback --db "$DB" --dry-run
expect_status 0
# rollback: exactly the state before run 2, no warnings of it left
wsm rollback --db "$DB" --force
expect_status 0
expect_eq "$(q "select task_id || ' ' || title || ' ' || _path from tasks order by task_id")" "$before" restored
expect_eq "$(q "select count(*) from wsm_hist_tasks")" 0 history_empty
expect_eq "$(q "select count(*) from wsm_warnings")" 0 warnings_gone
# and again, to read the text report; --remove-originals keeps the files
# whose row did not survive (their content is only in the archive now)
wsm migrate tree --schema s --db "$DB" --remove-originals
expect_status 0
[ ! -e tree/tasks/z.json ] || fail "the winner's original was not removed"
[ -e tree/tasks/a.json ] && [ -e tree/tasks/archive/old.json ] || fail "a loser's original was removed"
expect_err "tasks/a.json: kept: a later file of this run replaced its row"
expect_out "run warnings (2):"
expect_out "  tasks/a.json: key {\"task_id\": \"T-1\"} of table \"tasks\" came again in 'tasks/archive/old.json'"
