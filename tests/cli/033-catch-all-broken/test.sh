. "$WSM_ROOT/tests/cli/lib.sh"
# a tree of a layout the default manifest has never seen: every clean file
# lands in the catch-all table `documents`, every broken file is invalid
# with its reason (never skipped), in a dry run as in a real one
mkdir -p tree/projects/alpha/tasks tree/analysis_chunks tree/message_queue tree/agents/Agent-7/snapshots
for i in 1 2 3; do
	printf '{"task_id": "T-%s", "title": "task %s", "done": false}\n' "$i" "$i" > tree/projects/alpha/tasks/TASK_000$i.json
done
printf '[{"chunk": 1}, {"chunk": 2}]\n' > tree/analysis_chunks/chunk_01.json
printf '{"messages": [{"id": 1}, {"id": 2}]}\n' > tree/message_queue/queue.json
printf '"just a string"\n' > tree/agents/Agent-7/snapshots/snap_2024.json
# broken: truncated, trailing comma, invalid UTF-8, empty
printf '{"task_id": "T-9", "title": "cut' > tree/projects/alpha/tasks/TASK_0009.json
printf '{"a": [1, 2,]}\n' > tree/analysis_chunks/chunk_02.json
printf '{"name": "caf\351"}\n' > tree/agents/Agent-7/snapshots/snap_2025.json
: > tree/message_queue/empty.json

# dry run: the same verdicts, nothing written
wsm validate tree --schema "$SCHEMA" --format json
expect_status 1
expect_eq "$(jget .files_seen)/$(jget .valid_files)/$(jget .invalid)/$(jget .skipped)" "10/6/4/0" dry_totals
expect_eq "$(jq -r '[.files[] | select(.status=="skipped")] | length' out.txt)" 0 nothing_skipped
expect_eq "$(jq -r '.catch_all.rule + " " + (.catch_all.files|tostring)' out.txt)" "documents 10" catch_all_share
expect_eq "$(jq -r '.catch_all_files | length' out.txt)" 6 catch_all_files
expect_eq "$(jq -r '.verdict' out.txt)" invalid verdict
for f in projects/alpha/tasks/TASK_0009.json analysis_chunks/chunk_02.json \
	agents/Agent-7/snapshots/snap_2025.json message_queue/empty.json; do
	jq -e --arg p "$f" '.files[] | select(.path==$p and .status=="invalid" and .rule=="documents")' out.txt >/dev/null ||
		fail "$f not invalid in the dry run"
done
[ ! -e test.db ] && [ ! -e backups ] || fail "validate wrote something"

# the real run: abort by default, nothing written
wsm migrate tree --schema "$SCHEMA" --db "$DB"
expect_status 1
expect_out "nothing written"
[ "$WSM_BACKEND" = postgres ] || [ ! -e test.db ] || [ "$(q "select count(*) from sqlite_master where name='documents'")" = 0 ] ||
	fail "an aborted run left a documents table"

# skip: the clean files are imported, the broken ones are in the ledger
wsm migrate tree --schema "$SCHEMA" --db "$DB" --on-invalid skip --format json
expect_status 1
expect_eq "$(jget .imported)/$(jget .invalid)/$(jget .skipped)" "6/4/0" totals
jq -r '.invalid_files[] | select(.path=="projects/alpha/tasks/TASK_0009.json") | .reason' out.txt |
	grep -q "^1:29: unterminated string" || fail "truncated reason"
jq -r '.invalid_files[] | select(.path=="analysis_chunks/chunk_02.json") | .reason' out.txt | grep -q "trailing comma" ||
	fail "trailing comma reason"
jq -r '.invalid_files[] | select(.path=="agents/Agent-7/snapshots/snap_2025.json") | .reason' out.txt | grep -q "invalid UTF-8" ||
	fail "invalid utf-8 reason"
expect_eq "$(q "select count(*) from documents")" 6 documents_rows
expect_eq "$(q "select kind from documents where _path = 'projects/alpha/tasks/TASK_0002.json'")" "tasks/task_#" kind
expect_eq "$(q "select folder || ' ' || name from documents where _path = 'message_queue/queue.json'")" \
	"message_queue queue.json" folder_name
expect_eq "$(q "select count(distinct kind) from documents")" 4 kinds
expect_eq "$(q "select outcome || ' ' || rule from wsm_files where path = 'message_queue/empty.json'")" "invalid documents" ledger_invalid
expect_eq "$(q "select count(*) from wsm_files where outcome = 'skipped'")" 0 ledger_skipped
# the text report names the catch-all's share
wsm migrate tree --schema "$SCHEMA" --db "$DB" --on-invalid skip --rehash
expect_out "10 files (100.0%) went to the catch-all \`documents\`: consider typed rules, see \`wsmigrate init\`"
