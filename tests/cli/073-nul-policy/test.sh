. "$WSM_ROOT/tests/cli/lib.sh"
# \u0000 in a string: the document is kept exactly (SQLite _doc; PostgreSQL
# _doc_text, with _doc NULL since jsonb cannot hold it); a text or json
# column cannot take it: NULL with a warning when lenient, the file invalid
# when not; export gives the bytes back; promote keeps them
mkdir -p schema tree/items tree/strict tree/other
cat > schema/migration.json <<'J'
{"version": 1, "rules": [
 {"name": "items", "match": "items/*.json", "table": "items", "key": ["id"],
  "columns": [{"name": "id", "type": "text", "pointer": "/id", "required": true},
              {"name": "title", "type": "text", "pointer": "/title", "on_error": "null"},
              {"name": "meta", "type": "json", "pointer": "/meta", "on_error": "null"}]},
 {"name": "strict", "match": "strict/*.json", "table": "strict",
  "columns": [{"name": "title", "type": "text", "pointer": "/title"}]},
 {"name": "documents", "catch_all": true, "table": "documents",
  "columns": [{"name": "name", "type": "text", "from_path": "name"}]}]}
J
printf '{"id": "a", "title": "x\\u0000y",  "meta": {"k": "\\u0000"}}\n' > tree/items/a.json
printf '{"id": "b", "title": "plain", "meta": {"k": "\\\\u0000 is text here"}}\n' > tree/items/b.json
printf '{"title": "bad\\u0000"}\n' > tree/strict/s.json
printf '{"nul": "\\u0000", "k": 1}\r\n' > tree/other/n.json
printf '{"both": "\\u0000\\uffff"}' > tree/other/both.json

wsm migrate tree --db "$DB" --schema schema --on-invalid skip --format json
expect_status 1
expect_eq "$(jget .imported)" 3 imported
expect_eq "$(jq -r '.invalid_files[] | .path' out.txt | sort | tr '\n' ' ')" "other/both.json strict/s.json " invalid
jq -r '.invalid_files[] | .reason' out.txt | grep -q 'holds \\u0000' || fail "strict column reason"
expect_eq "$(q "select (title is null) || ',' || (meta is null) from items where id = 'a'")" "$( [ "$WSM_BACKEND" = postgres ] && echo true,true || echo 1,1)" lenient_nulls
expect_eq "$(q "select title from items where id = 'b'")" plain other_row
q "select message from wsm_warnings where path = 'items/a.json'" | grep -q 'u0000' || fail "no warning for the lenient columns"
if [ "$WSM_BACKEND" = postgres ]; then
	expect_eq "$(q "select _doc is null from documents where _path = 'other/n.json'")" t jsonb_null
	expect_eq "$(q "select encode(sha256(convert_to(_doc_text, 'UTF8')), 'hex') from documents where _path = 'other/n.json'")" "$(sha256sum < tree/other/n.json | cut -c1-64)" exact_text
else
	sqlite3 test.db "select writefile('got.json', _doc) from documents where _path = 'other/n.json'" >/dev/null
	cmp got.json tree/other/n.json || fail "_doc not byte-identical"
fi
wsm export --db "$DB" --to out
expect_status 0
expect_out "3 exact"
cmp out/other/n.json tree/other/n.json || fail "export of n.json"
cmp out/items/a.json tree/items/a.json || fail "export of a.json"

if [ "$WSM_BACKEND" = postgres ]; then
	wsm migrate tree --db "sqlite:$WSM_WORK/src.db" --schema schema --on-invalid skip -q --backup-dir bk2
	expect_status 1
	psql -q -X -d "$WSM_TEST_PG_URL" -c "CREATE DATABASE \"${DBNAME}_p\"" >/dev/null || fail createdb
	on_exit 'psql -q -X -d "$WSM_TEST_PG_URL" -c "DROP DATABASE IF EXISTS \"${DBNAME}_p\" WITH (FORCE)" >/dev/null 2>&1'
	DB2=$(echo "$DB" | sed "s|/\([^/?]*\)\(?.*\)\{0,1\}$|/\1_p\2|")
	wsm promote --from "sqlite:$WSM_WORK/src.db" --to "$DB2"
	expect_status 0
	wsm export --db "$DB2" --to out2
	expect_status 0
	cmp out2/other/n.json tree/other/n.json || fail "export after promote"
fi
