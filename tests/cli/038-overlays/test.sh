. "$WSM_ROOT/tests/cli/lib.sh"
# a manifest that builds on the default one: "extends": "default", a rule
# replaced by name at its position, a new rule (with a child table keyed to
# its parent) inserted before the catch-all, a base rule dropped, ignore
# globs added; errors name the file of the chain
export WSMIGRATE_DEFAULT_SCHEMA="$WSM_ROOT/schema"
mkdir -p over tree/agent_workspaces/Agent-1 tree/agent_workspaces/Agent-2/tasks tree/message_queue tree/config tree/tmp
cat > over/migration.json <<'J'
{
  "extends": "default",
  "drop": ["config"],
  "ignore": ["tmp/**"],
  "rules": [
    {
      "name": "agent_status",
      "description": "replaces the default rule of that name, at its position",
      "match": "agent_workspaces/*/status.json",
      "table": "agent_state",
      "key": ["agent"],
      "columns": [
        {"name": "agent", "type": "text", "from_path": "segment:1", "required": true},
        {"name": "mood", "type": "text", "pointer": "/mood", "on_error": "null"}
      ]
    },
    {
      "name": "queue",
      "match": "message_queue/*.json",
      "schema": "queue.schema.json",
      "table": "queues",
      "key": ["queue"],
      "columns": [{"name": "queue", "type": "text", "from_path": "stem", "required": true}],
      "children": [
        {"table": "queue_messages", "each": "/messages", "columns": [
          {"name": "queue", "from": "parent", "column": "queue"},
          {"name": "msg_id", "type": "text", "pointer": "/id", "on_error": "null"},
          {"name": "position", "type": "integer", "from": "index"}
        ]}
      ]
    },
    {
      "name": "agent_tasks_folder",
      "ignore_case": true,
      "match": "agent_workspaces/*/tasks/*.json",
      "table": "folder_tasks",
      "columns": [{"name": "task_id", "type": "text", "pointer": "/task_id", "from_path": "stem", "required": true}]
    }
  ]
}
J
printf '{"type": "object", "required": ["messages"]}\n' > over/queue.schema.json
printf '{"agent_id": "Agent-1", "status": "busy", "mood": 7}\n' > tree/agent_workspaces/Agent-1/status.json
printf '{"task_id": "T-1"}\n' > tree/agent_workspaces/Agent-2/tasks/T1.json
printf '{"task_id": "T-2"}\n' > tree/agent_workspaces/Agent-2/TASKS/T2.json 2>/dev/null ||
	{ mkdir -p tree/agent_workspaces/Agent-2/TASKS; printf '{"task_id": "T-2"}\n' > tree/agent_workspaces/Agent-2/TASKS/T2.json; }
printf '{"messages": [{"id": "m1"}, {"id": "m2"}, {"id": 3}]}\n' > tree/message_queue/main.json
printf '{"debug": true}\n' > tree/config/settings.json
printf '{"scratch": 1}\n' > tree/tmp/x.json

wsm migrate tree --schema over --db "$DB" --format json
expect_status 0
# rule order after the merge: the replaced rule at its place, the new ones
# before the catch-all, config gone
expect_eq "$(jq -r '[.rules[].rule] | .[0], .[-3], .[-2], .[-1]' out.txt | tr '\n' ' ')" \
	"agent_status queue agent_tasks_folder documents " rule_order
jq -e '.rules[] | select(.rule=="config")' out.txt >/dev/null && fail "config was not dropped"
expect_eq "$(q "select agent || ' ' || coalesce(mood, 'NULL') from agent_state")" "Agent-1 NULL" replaced_rule
expect_eq "$(jq -r '.warning_files[0].path + " " + .warning_files[0].warnings[0].pointer' out.txt)" \
	"agent_workspaces/Agent-1/status.json /mood" replaced_rule_lenient
expect_eq "$(q "select queue || ':' || coalesce(msg_id, 'NULL') || ':' || position from queue_messages order by position")" \
	"main:m1:0
main:m2:1
main:NULL:2" child_rows_carry_the_parent_key
expect_eq "$(q "select task_id from folder_tasks order by task_id")" "T-1
T-2" ignore_case_rule
# the dropped rule's files go to the catch-all; the added ignore glob works
expect_eq "$(q "select kind from documents")" "config/settings" dropped_to_catch_all
expect_eq "$(jq -r '[.ignored_files[].path] | join(" ")' out.txt)" "tmp/x.json" overlay_ignore
expect_eq "$(q "select count(*) from wsm_files where path like 'tmp/%'")" 0 ignored_not_in_ledger

# the manifest sha256 covers the chain: changing the overlay re-imports
first=$(q "select manifest_sha256 from wsm_runs")
jq '.rules[2].description = "changed"' over/migration.json > over/m2 && mv over/m2 over/migration.json
wsm migrate tree --schema over --db "$DB" --format json
expect_status 0
expect_eq "$(jget .imported)" "$(jget .files_seen)" manifest_change_reimports
[ "$(q "select count(distinct manifest_sha256) from wsm_runs")" = 2 ] || fail "sha256 did not change with the overlay"
[ "$first" != "$(sha256sum "$WSM_ROOT/schema/migration.json" | cut -d' ' -f1)" ] || fail "sha256 is the base's alone"

# errors: the file of the chain and the pointer
jq '.drop = ["nope"]' over/migration.json > over/m2 && mv over/m2 over/migration.json
wsm migrate tree --schema over --db "$DB"
expect_status 2
expect_err "over/migration.json: /drop/0: invalid manifest: no rule \"nope\" to drop"
jq '.drop = [] | .rules[1].children[0].columns[0].type = "integer"' over/migration.json > over/m2 && mv over/m2 over/migration.json
wsm migrate tree --schema over --db "$DB"
expect_status 2
expect_err "/rules/1/children/0/columns/0/type: invalid manifest: column \"queue\" is integer but the parent's column \"queue\" is text"
printf '{"extends": "missing-base"}\n' > over/migration.json
wsm migrate tree --schema over --db "$DB"
expect_status 2
expect_err "/extends: invalid manifest: cannot load the base manifest"
