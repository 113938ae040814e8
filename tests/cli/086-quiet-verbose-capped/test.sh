. "$WSM_ROOT/tests/cli/lib.sh"
# (issue 13) -q prints errors only, -v adds detail; long lists stop at 20
# with "… and N more" (the JSON lists them all); identical errors are
# grouped ("25 files: /agent_id: ...").
MS="$WSM_ROOT/fixtures/mini-schema"
tree mini
# -q on a clean tree: nothing on stdout
wsm validate tree --schema "$MS" -q
expect_status 0
[ -s out.txt ] && fail "validate -q printed: $(cat out.txt)"
wsm migrate tree --schema "$MS" --db "$DB" -q
expect_status 0
[ -s out.txt ] && fail "migrate -q printed: $(cat out.txt)"
# 25 files with the same error, 23 skipped files
for i in $(seq 1 25); do
	mkdir -p tree/agent_workspaces/B$i
	printf '{"agent_id": %d, "status": "x"}\n' "$i" > tree/agent_workspaces/B$i/status.json
	printf '{}\n' > tree/agent_workspaces/B$i/other.json
done
wsm validate tree --schema "$MS"
expect_status 1
expect_out "25 files: /agent_id: expected string, got integer"
expect_out "… and 5 more"
expect_eq "$(grep -c '^  agent_workspaces/B' out.txt)" 20 "invalid files shown"
wsm validate tree --schema "$MS" -v
expect_status 1
expect_eq "$(grep -c '^  agent_workspaces/B.*status.json' out.txt)" 25 "-v shows every invalid file"
wsm validate tree --schema "$MS" --format json
expect_eq "$(jq '[.files[] | select(.valid == false)] | length' out.txt)" 25 "JSON lists all"
# -q with problems: only the problems, no tables
wsm validate tree --schema "$MS" -q
expect_status 1
expect_out "invalid files of rule agent_status (25)"
expect_no_out "^rule "
wsm migrate tree --schema "$MS" --db "$DB" -q
expect_status 1
expect_out "invalid files of rule agent_status (25)"
expect_no_out "^rule "
expect_no_out "^table "
expect_out "nothing written"
# migrate's skipped list is capped too (a rule-less file per folder)
wsm migrate tree --schema "$MS" --db "$DB"
expect_status 1
n=$(sed -n '/^skipped files/,/^$/p' out.txt | grep -c '^  agent_workspaces')
expect_eq "$n" 20 "skipped files shown"
sed -n '/^skipped files/,/^$/p' out.txt | grep -q "… and 6 more" || fail "skipped list not capped"
exit 0
