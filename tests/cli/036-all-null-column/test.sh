. "$WSM_ROOT/tests/cli/lib.sh"
# a column that comes out NULL in every file the run imported for its rule
# is a run warning (saying which pointers matched nothing), in the report
# and the ledger; not for required columns, not when one file has a value,
# not for a rule that imported nothing, and child columns count too
mkdir -p s tree/msgs tree/other
cat > s/migration.json <<'J'
{
  "version": 1,
  "rules": [
    {
      "name": "msgs",
      "match": "msgs/*.json",
      "table": "msgs",
      "columns": [
        {"name": "id", "type": "text", "pointer": "/id", "required": true},
        {"name": "sender", "type": "text", "pointer": ["/sender", "/from"], "on_error": "null"},
        {"name": "body", "type": "text", "pointer": "/body"},
        {"name": "sent", "type": "timestamp", "pointer": "/sent", "on_error": "null"}
      ],
      "children": [
        {"table": "msg_tags", "each": "/tags", "columns": [
          {"name": "msg_id", "from": "parent", "column": "id"},
          {"name": "tag", "type": "text", "pointer": "/name"},
          {"name": "weight", "type": "integer", "pointer": "/weight"}
        ]}
      ]
    },
    {"name": "other", "match": "other/*.json", "table": "other",
     "columns": [{"name": "x", "type": "text", "pointer": "/x"}]}
  ]
}
J
printf '{"id": "m1", "from_agent": "A", "body": "hi", "sent": "${NOW}", "tags": [{"name": "t1"}]}\n' > tree/msgs/m1.json
printf '{"id": "m2", "from_agent": "B", "sent": "later", "tags": [{"name": "t2"}, {"name": "t3"}]}\n' > tree/msgs/m2.json

wsm migrate tree --schema s --db "$DB" --format json
expect_status 0
expect_eq "$(jq -r '[.run_warnings[] | .kind + " " + .rule + " " + .table + " " + .column] | join(",")' out.txt)" \
	"all_null msgs msgs sender,all_null msgs msgs sent,all_null msgs msg_tags weight" run_warnings
jq -r '.run_warnings[] | select(.column=="sender") | .message' out.txt |
	grep -q 'column "sender" of table "msgs" is NULL in all 2 files the run imported for rule "msgs": no value at /sender, /from' ||
	fail "sender message: $(jq -r '.run_warnings[0].message' out.txt)"
jq -r '.run_warnings[] | select(.column=="sent") | .message' out.txt | grep -q "did not fit its type" ||
	fail "sent: values were there but did not fit"
jq -r '.run_warnings[] | select(.column=="weight") | .message' out.txt | grep -q 'in all 3 rows of the 2 files' ||
	fail "child column message"
# the parent's key went into every child row
expect_eq "$(q "select msg_id || ':' || tag from msg_tags order by tag")" "m1:t1
m2:t2
m2:t3" child_parent_key
# in the ledger: run-level (no path), kind all_null, with the first pointer
expect_eq "$(q "select coalesce(path, 'RUN') || ' ' || kind || ' ' || column_name || ' ' || coalesce(pointer, '-') from wsm_warnings where kind = 'all_null' order by seq")" \
	"RUN all_null sender /sender
RUN all_null sent /sent
RUN all_null weight /weight" ledger
expect_eq "$(q "select warnings from wsm_runs")" 5 run_count
# the text report says it too
wsm validate tree --schema s
expect_out "run warnings (3):"
expect_out '  column "sender" of table "msgs" is NULL in all 2 files'
