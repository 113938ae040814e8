. "$WSM_ROOT/tests/cli/lib.sh"
# on_error "null": a value that does not fit its column is stored as NULL,
# with a warning in the report (text and JSON) and in the ledger; a strict
# column still rejects the file; the document keeps the original value
mkdir -p s tree/jobs
cat > s/migration.json <<'J'
{
  "version": 1,
  "rules": [
    {
      "name": "jobs",
      "match": "jobs/*.json",
      "table": "jobs",
      "key": ["job_id"],
      "columns": [
        {"name": "job_id", "type": "text", "pointer": "/id", "required": true},
        {"name": "started", "type": "timestamp", "pointer": "/started", "on_error": "null"},
        {"name": "retries", "type": "integer", "pointer": "/retries", "on_error": "null"},
        {"name": "ok", "type": "boolean", "pointer": "/ok", "on_error": "null"},
        {"name": "score", "type": "real", "pointer": "/score"}
      ]
    }
  ]
}
J
printf '{"id": "j1", "started": "2025-01-02 03:04:05", "retries": 2, "ok": true, "score": 1.5}\n' > tree/jobs/j1.json
printf '{"id": "j2", "started": "${NOW}", "retries": "three", "ok": "yes", "score": 2}\n' > tree/jobs/j2.json
printf '{"id": "j3", "started": "D:\\\\Agent", "retries": 12345678901234567890, "ok": false}\n' > tree/jobs/j3.json
printf '{"id": "j4", "score": "high"}\n' > tree/jobs/j4.json

# text first: counted in the summary, listed per file
wsm migrate tree --schema s --db "$DB" --on-invalid skip
expect_status 1
expect_out "files imported with warnings (values stored as NULL) (2):"
expect_out '    /started (column started): column "started": "${NOW}": not a timestamp'
expect_out " 5 warnings in "
# rollback takes the run's warnings away too
wsm rollback --db "$DB"
expect_status 0
expect_eq "$(q "select count(*) from wsm_warnings")" 0 rollback_removes_warnings
wsm migrate tree --schema s --db "$DB" --on-invalid skip --format json
expect_status 1
expect_eq "$(jget .imported)/$(jget .invalid)/$(jget .warned_files)/$(jget .warnings)" "3/1/2/5" totals
# the strict column rejects j4
jq -r '.invalid_files[] | select(.path=="jobs/j4.json") | .reason' out.txt | grep -q '/score: column "score" is real: expected a number, got string' ||
	fail "strict column: $(jq -c .invalid_files out.txt)"
# JSON: per file, pointer, column and reason
expect_eq "$(jq -r '.warning_files[] | select(.path=="jobs/j2.json") | [.warning_count, (.warnings[] | .pointer + "=" + .column)] | map(tostring) | join(" ")' out.txt)" \
	"3 /started=started /retries=retries /ok=ok" j2_warnings
jq -r '.warning_files[] | select(.path=="jobs/j3.json") | .warnings[] | select(.column=="retries") | .message' out.txt |
	grep -q "beyond 2^53" || fail "j3 retries reason"
# the values: NULL where they did not fit, kept where they did
expect_eq "$(q "select job_id || ' ' || case when started is null then '-' else 'set' end || ' ' || coalesce(cast(retries as text), '-') from jobs order by job_id")" \
	"j1 set 2
j2 - -
j3 - -" values
if [ "$WSM_BACKEND" = sqlite ]; then
	expect_eq "$(q "select started from jobs where job_id = 'j1'")" "2025-01-02T03:04:05.000000Z" canonical
	expect_eq "$(q "select coalesce(ok, '-') from jobs order by job_id")" "1
-
0" booleans
	expect_eq "$(q "select json_extract(_doc, '$.started') from jobs where job_id = 'j2'")" '${NOW}' document_keeps_the_value
else
	expect_eq "$(q "select coalesce(cast(ok as text), '-') from jobs order by job_id")" "true
-
false" booleans
	expect_eq "$(q "select _doc->>'started' from jobs where job_id = 'j2'")" '${NOW}' document_keeps_the_value
fi
# the ledger: per-file counts and the warnings themselves
expect_eq "$(q "select path || ' ' || outcome || ' ' || rows || ' ' || warnings from wsm_files where run_id = (select id from wsm_runs where status = 'committed') order by path")" \
	"jobs/j1.json imported 1 0
jobs/j2.json imported 1 3
jobs/j3.json imported 1 2
jobs/j4.json invalid 0 0" ledger_files
expect_eq "$(q "select path || ' ' || rule || ' ' || kind || ' ' || table_name || ' ' || column_name || ' ' || pointer from wsm_warnings where kind = 'column' order by path, seq")" \
	"jobs/j2.json jobs column jobs started /started
jobs/j2.json jobs column jobs retries /retries
jobs/j2.json jobs column jobs ok /ok
jobs/j3.json jobs column jobs started /started
jobs/j3.json jobs column jobs retries /retries" ledger_warnings
expect_eq "$(q "select warnings from wsm_runs where status = 'committed'")" 5 run_warnings
# validate (dry run) reports the same warnings
wsm validate tree --schema s --format json
expect_eq "$(jq -r '.files[] | select(.path=="jobs/j3.json") | .warning_count' out.txt)" 2 validate_warnings
# a lenient key or required column is a manifest error naming the pointer
jq '.rules[0].columns[0].on_error = "null"' s/migration.json > s/m2.json && mv s/m2.json s/migration.json
wsm migrate tree --schema s --db "$DB"
expect_status 2
expect_err "/rules/0/columns/0/on_error:"
