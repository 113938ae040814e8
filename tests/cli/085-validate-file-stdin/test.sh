. "$WSM_ROOT/tests/cli/lib.sh"
# sqlite-only
# (issue 13) validate takes a single FILE, classified by its path as in the
# tree, or standard input (-) with --as PATH; -o - is standard output.
MS="$WSM_ROOT/fixtures/mini-schema"
tree mini
cd tree
wsm validate agent_workspaces/Agent-1/status.json --schema "$MS" --format json
expect_status 0
expect_eq "$(jq -r '.files | length' "$WSM_WORK/out.txt")" 1 one_file
expect_eq "$(jq -r '.files[0].rule' "$WSM_WORK/out.txt")" agent_status rule_by_path
expect_eq "$(jq -r '.files[0].path' "$WSM_WORK/out.txt")" agent_workspaces/Agent-1/status.json path
# an invalid document on standard input, classified by --as
printf '{"agent_id": 5}' > ../bad.json
"$WSM_BIN" validate - --as agent_workspaces/Agent-9/status.json --schema "$MS" \
	--format json -o - < ../bad.json > "$WSM_WORK/out.txt" 2> "$WSM_WORK/err.txt"
ST=$?
expect_status 1
expect_eq "$(jq -r '.files[0].rule' "$WSM_WORK/out.txt")" agent_status stdin_rule
expect_eq "$(jq -r '.files[0].valid' "$WSM_WORK/out.txt")" false stdin_invalid
expect_eq "$(jq -r '.tree' "$WSM_WORK/out.txt")" "(standard input)" stdin_tree
# a FILE outside the current folder: classified by its name
wsm validate ../bad.json --schema "$MS" --format json
expect_status 0
expect_eq "$(jq -r '.files[0].path' "$WSM_WORK/out.txt")" bad.json outside_by_name
# -o - writes to stdout, never to a file called "-"
wsm validate agent_workspaces/Agent-1/status.json --schema "$MS" -o -
expect_status 0
expect_out "0 of 1 files invalid"
[ -e ./- ] && fail "-o - created a file named -"
# nothing left behind in TMPDIR
export TMPDIR="$WSM_WORK/tmp"; mkdir "$TMPDIR"
wsm validate agent_workspaces/Agent-1/status.json --schema "$MS" -q
expect_status 0
expect_eq "$(ls -A "$TMPDIR" | wc -l)" 0 temp_cleaned
# --as with a TREE is a usage error
wsm validate . --as x.json --schema "$MS"
expect_status 2
exit 0
