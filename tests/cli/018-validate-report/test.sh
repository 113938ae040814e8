# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
M="$WSM_ROOT/fixtures/mini-schema"
wsm validate tree --schema "$M"
expect_status 0
expect_out "0 of 7 files invalid"
printf '{"status": 42, "priority": "URGENT"}\n' > tree/agent_workspaces/Agent-2/status.json
printf '{"a": 1, "a": 2}' > tree/agent_workspaces/Agent-1/inbox/dup.json
wsm validate tree --schema "$M"
expect_status 1
expect_out "invalid files of rule agent_status"
expect_out '/priority: "URGENT" is not one of'
expect_out 'duplicate key "a"'
wsm validate tree --schema "$M" --format json
expect_status 1
expect_eq "$(jget .invalid)" 2 invalid
expect_eq "$(jget .valid)" false valid
expect_eq "$(jget '[.files[] | select(.path=="agent_workspaces/Agent-2/status.json") | .errors[] | .keywordLocation] | sort | join(",")')" "/properties/priority/enum,/properties/status/type" keyword_locations
expect_eq "$(jget '.files[] | select(.path=="agent_workspaces/Agent-2/status.json") | .error_count')" 2 error_count
expect_eq "$(jget '.rules[] | select(.rule=="agent_status") | .invalid')" 1 per_rule
wsm validate tree --schema "$M" --format html -o report.html
expect_status 1
grep -q '<b id="n-invalid">2</b>' report.html || fail "html invalid count"
grep -q 'http' report.html && grep -o 'src="http[^"]*"\|href="http[^"]*"' report.html && fail "external asset in html"
[ ! -e test.db ] && [ ! -e backups ] && [ ! -e workspace.db ] || fail "validate wrote something"
