. "$WSM_ROOT/tests/cli/lib.sh"
# the messy fixture under the default manifest: outcomes as in EXPECTED.md
tree messy
wsm migrate tree --schema "$SCHEMA" --db "$DB" --on-invalid skip --format json
expect_status 1
# (issue 10) optional members that do not fit their column are NULL plus a
# warning instead of failing the file; the file no typed rule matches goes
# to the catch-all; broken JSON stays invalid
expect_eq "$(jget .files_seen)/$(jget .imported)/$(jget .invalid)/$(jget .skipped)/$(jget .ignored)" "28/18/10/0/3" totals
expect_eq "$(jq -r '[.warning_files[] | .path + " " + (.warning_count|tostring) + " " + .warnings[0].pointer] | join(",")' out.txt)" \
	"agent_workspaces/Agent-1/inbox/msg_bad_timestamp.json 1 /timestamp,agent_workspaces/Agent-1/inbox/msg_nul_escape.json 1 /message,agent_workspaces/Agent-1/inbox/tasks/task-301.json 1 /created_at,agent_workspaces/Agent-2/status.json 1 /status,agent_workspaces/Agent-6/status.json 1 /performance/tasks_completed,orphan_analysis_report.json 1 /analysis_timestamp" lenient_files
expect_eq "$(q "select coalesce(status, 'NULL') || ' ' || coalesce(cast(tasks_completed as text), 'NULL') from agent_status where agent_id in ('Agent-2', 'Agent-6') order by agent_id")" "NULL NULL
busy NULL" lenient_values
expect_eq "$(q "select warnings from wsm_files where path = 'agent_workspaces/Agent-6/status.json'")" 1 ledger_file_warnings
expect_eq "$(q "select pointer || ' ' || column_name from wsm_warnings where path = 'agent_workspaces/Agent-6/status.json'")" "/performance/tasks_completed tasks_completed" ledger_warning
expect_eq "$(q "select kind || ' ' || folder || ' ' || name from documents")" "scratch/leftover scratch leftover.json" catch_all
expect_eq "$(jq -r '.catch_all.rule + " " + (.catch_all.files|tostring)' out.txt)" "documents 1" catch_all_json
r() { jq -r --arg p "$1" '.invalid_files[] | select(.path==$p) | .reason' out.txt; }
case "$(r agent_workspaces/Agent-1/inbox/msg_invalid_utf8.json)" in
	"4:18: invalid UTF-8 byte 0xE9"*offset*) ;; *) fail "invalid utf-8: $(r agent_workspaces/Agent-1/inbox/msg_invalid_utf8.json)" ;; esac
case "$(r agent_workspaces/Agent-1/inbox/msg_duplicate_keys.json)" in
	*'duplicate key "from" (first at 2:3)'*) ;; *) fail "duplicate key" ;; esac
# \u0000 (issue 14): imported, the json column body NULL with a warning
expect_eq "$(q "select count(*) from messages where _path = 'agent_workspaces/Agent-1/inbox/msg_nul_escape.json' and body is null")" 1 nul_escape
case "$(r agent_workspaces/Agent-1/inbox/msg_lone_surrogate.json)" in *'lone surrogate'*) ;; *) fail "surrogate" ;; esac
case "$(r agent_workspaces/Agent-1/inbox/msg_empty.json)" in *'empty document'*) ;; *) fail "empty" ;; esac
case "$(r agent_workspaces/Agent-1/inbox/msg_trailing_comma.json)" in 5:21:*) ;; *) fail "trailing comma" ;; esac
# BOM file imported; the stored document is the file without its BOM
if [ "$WSM_BACKEND" = sqlite ]; then
	sqlite3 test.db "select writefile('bom.out', _doc) from agent_status where _path='agent_workspaces/Agent-3/status.json'" >/dev/null
	tail -c +4 tree/agent_workspaces/Agent-3/status.json | cmp - bom.out || fail "BOM document not stored without its BOM"
	expect_eq "$(q "select last_updated from agent_status where _path='agent_workspaces/Agent-3/status.json'")" "2025-08-13T14:15:30.123456Z" seven_digit_fraction
	sqlite3 test.db "select writefile('u.out', _doc) from messages where _path='agent_workspaces/Agent-1/inbox/msg_unicode_escapes.json'" >/dev/null
	cmp u.out tree/agent_workspaces/Agent-1/inbox/msg_unicode_escapes.json || fail "unicode document not byte-exact"
fi
expect_eq "$(q "select agent_id from agent_status where _path='agent_workspaces/Agent-5/status.json'")" Agent-5 agent_from_dir
