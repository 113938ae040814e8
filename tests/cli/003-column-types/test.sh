. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB"
expect_status 0
if [ "$WSM_BACKEND" = postgres ]; then
	expect_eq "$(q "select status || '|' || tasks_done || '|' || load || '|' || online || '|' || priority from agent_status where agent_id='Agent-1'")" "busy|16|0.75|true|HIGH" row
	expect_eq "$(q "select to_char(last_updated at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from agent_status where agent_id='Agent-1'")" "2025-08-12 10:45:00" timestamp_offset
	expect_eq "$(q "select perf->>'score' from agent_status where agent_id='Agent-1'")" "12345678901234567890" json_bigint
	expect_eq "$(q "select online from agent_status where agent_id='Agent-2'")" "f" boolean_false
else
	expect_eq "$(q "select status || '|' || tasks_done || '|' || load || '|' || online || '|' || priority from agent_status where agent_id='Agent-1'")" "busy|16|0.75|1|HIGH" row
	expect_eq "$(q "select last_updated from agent_status where agent_id='Agent-1'")" "2025-08-12T10:45:00.000000Z" timestamp_offset
	expect_eq "$(q "select last_updated from agent_status where agent_id='Agent-2'")" "2025-07-02T22:00:00.000000Z" timestamp_space_utc
	expect_eq "$(q "select perf from agent_status where agent_id='Agent-1'")" '{"score": 12345678901234567890, "note": "caf\u00e9 🚀"}' json_raw
	expect_eq "$(q "select typeof(tasks_done) || typeof(load) || typeof(online) from agent_status where agent_id='Agent-1'")" "integerrealinteger" types
	expect_eq "$(q "select sent_at from messages where box='outbox'")" "2025-07-03T15:00:00.000000Z" ts_negative_offset
fi
# default applies when the pointer is absent; a number here and an object there both fit json
expect_eq "$(q "select priority from agent_status where agent_id='Agent-2'")" "normal" default
expect_eq "$(q "select count(*) from agent_status where perf is not null")" 2 json_number_and_object
# child rows: array at the root and under /tasks, with their index
expect_eq "$(q "select string_agg(task_id || ':' || position, ',' order by _path, position) from tasks" 2>/dev/null || q "select group_concat(task_id || ':' || position, ',') from (select * from tasks order by _path, position)")" "t1:0,t2:1,t9:0" children
