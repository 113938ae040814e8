. "$WSM_ROOT/tests/cli/lib.sh"
# export's policies: edits made in the database are written and reported,
# --run gives the state as of a run, paths never leave DIR, and a
# PostgreSQL database made before _doc_text is upgraded in place
mkdir -p tree/a
printf '{"v": 1,  "name": "one"}\n' > tree/a/one.json
printf '{"v": 2}\n' > tree/a/two.json
printf '{"v": 3}\n' > tree/three.json
wsm migrate tree --db "$DB" --schema "$SCHEMA" -q
expect_status 0
run1=$(q "select id from wsm_runs order by seq limit 1")

# a second run changes one file and adds one
printf '{"v": 22}\n' > tree/a/two.json
printf '{"v": 4}\n' > tree/four.json
wsm migrate tree --db "$DB" --schema "$SCHEMA" -q
expect_status 0

# --run: the state right after run 1
wsm export --db "$DB" --to asof --run "$run1"
expect_status 0
expect_out "3 files"
expect_eq "$(cat asof/a/two.json)" '{"v": 2}' two_as_of_run1
[ ! -e asof/four.json ] || fail "four.json did not exist as of run 1"
wsm export --db "$DB" --to now
expect_status 0
expect_out "4 files"
expect_eq "$(cat now/a/two.json)" '{"v": 22}' two_now
wsm export --db "$DB" --to x --run nosuchrun
expect_status 2

# an edit in the database is written, and reported, never dropped
if [ "$WSM_BACKEND" = postgres ]; then
	q "update documents set _doc = jsonb_set(_doc, '{name}', '\"uno\"') where _path = 'a/one.json'" >/dev/null
else
	q "update documents set _doc = '{\"v\": 1,  \"name\": \"uno\"}' where _path = 'a/one.json'" >/dev/null
fi
wsm export --db "$DB" --to edited --format json
expect_status 0
expect_eq "$(jget .edited)" 1 edited_count
expect_eq "$(jget '.changed_files[0].path')" a/one.json edited_path
expect_eq "$(jq -r .name edited/a/one.json)" uno edited_value
expect_eq "$(cat edited/a/two.json)" '{"v": 22}' others_exact

# never outside DIR: an unsafe path in the database, a symlink in the target
q "update wsm_sources set _path = '../escape.json' where _path = 'three.json'" >/dev/null
q "update documents set _path = '../escape.json' where _path = 'three.json'" >/dev/null
mkdir -p safe elsewhere
ln -s "$WSM_WORK/elsewhere" safe/a
wsm export --db "$DB" --to safe --force
expect_status 1
expect_out "refused"
[ ! -e escape.json ] || fail "export wrote outside DIR"
[ -z "$(ls elsewhere)" ] || fail "export followed a symlink in the target"
[ -f safe/four.json ] || fail "the safe files were not written"

if [ "$WSM_BACKEND" = postgres ]; then
	# a database made before _doc_text: same value, reported as rewritten
	q "alter table documents drop column _doc_text; alter table wsm_hist_documents drop column _doc_text" >/dev/null
	wsm export --db "$DB" --to old
	expect_status 1   # ../escape.json is still refused
	expect_out "3 rewritten"
	[ "$(jq -c . old/four.json)" = '{"v":4}' ] || fail "old row's value"
	# the next migrate upgrades it in place; new rows keep their bytes
	printf '{"v":   5}\n' > tree/five.json
	wsm migrate tree --db "$DB" --schema "$SCHEMA" -q
	expect_status 0
	expect_eq "$(q "select count(*) from information_schema.columns where column_name = '_doc_text' and table_name in ('documents', 'wsm_hist_documents')")" 2 upgraded
	expect_eq "$(q "select _doc_text from documents where _path = 'five.json'")" '{"v":   5}' new_row_exact
fi
