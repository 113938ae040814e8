. "$WSM_ROOT/tests/cli/lib.sh"
# the real sample tree: every JSON file accounted for, valid ones stored
# byte-identical, a second run reports everything unchanged
S="$WSM_ROOT/../shared/samples/agent-cellphone-v1"
[ -d "$S" ] || skip "SKIP: ../shared/samples/agent-cellphone-v1 absent (../shared not checked out)"
njson=$(find "$S" -name '*.json' | wc -l)
wsm migrate "$S" --db "$DB" --schema "$SCHEMA" --on-invalid skip --format json
[ "$ST" -le 1 ] || { cat err.txt; fail "status $ST"; }
seen=$(jget .files_seen); imp=$(jget .imported); unc=$(jget .unchanged); sk=$(jget .skipped); inv=$(jget .invalid)
expect_eq "$seen" "$njson" every_json_file_seen
expect_eq "$((imp + unc + sk + inv))" "$seen" accounted
expect_eq "$(q "select count(*) from wsm_files")" "$njson" ledger
# only byte-level damage is invalid: agents.json (truncated) and an empty
# file; the 18 files whose only fault is an optional timestamp holding text
# ("D:\Agent_CellPhone", "${NOW}") are imported with that column NULL and
# a warning (issue 10)
expect_eq "$inv" 2 invalid
expect_eq "$sk" 0 skipped
jq -e '.invalid_files[] | select(.path=="agent_workspaces/agents.json")' out.txt >/dev/null || fail "agents.json not listed"
expect_eq "$(jget .warned_files)" 18 warned_files
expect_eq "$(jq -r '[.warning_files[].warnings[].pointer] | unique | join(" ")' out.txt)" "/analysis_timestamp /created_at /timestamp" warning_pointers
expect_eq "$(q "select count(*) from wsm_warnings where kind = 'column'")" 18 ledger_warnings
expect_eq "$(q "select count(*) from wsm_files where warnings > 0")" 18 ledger_warned_files
wsm migrate "$S" --db "$DB" --schema "$SCHEMA" --on-invalid skip --format json
expect_eq "$(jget .imported)" 0 second_run_imports_nothing
expect_eq "$(jget .unchanged)" "$imp" second_run_unchanged
if [ "$WSM_BACKEND" = sqlite ]; then
	# byte-identical: the stored document's sha256 equals the file's
	bad=0
	for t in $(q "select name from wsm_tables where is_child=0"); do
		q "select _path || ' ' || _sha256 from \"$t\"" | while read -r p h; do
			[ "$(sqlite3 test.db "select hex(_doc) from \"$t\" where _path='$p'" | xxd -r -p | sha256sum | cut -d' ' -f1)" = "$h" ] ||
				[ "$(head -c3 "$S/$p" | od -An -tx1 | tr -d ' ')" = efbbbf ] || { echo "differs: $p"; exit 1; }
		done || bad=1
	done
	[ $bad -eq 0 ] || fail "stored documents differ from the files"
fi
