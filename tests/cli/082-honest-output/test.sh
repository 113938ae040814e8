. "$WSM_ROOT/tests/cli/lib.sh"
# (issue 13) output a script and a person can trust: an aborted run says
# nothing was imported; JSON stays valid with names that are not UTF-8
# (exact bytes in path_base64); control characters in names are quoted in
# text as git does; columns fit a long rule name; a write error on stdout
# is a failure; `help CMD`; a state error is exit 3 with a hint, not usage.
MS="$WSM_ROOT/fixtures/mini-schema"
tree mini
ESC=$(printf '\033')
LAT=$(printf 'l\351t')                       # Latin-1, not UTF-8
printf '{' > "tree/agent_workspaces/Agent-1/bad${ESC}[31mx.json"
printf '{' > "tree/agent_workspaces/Agent-1/$LAT.json"

# an aborted run: what it would have imported, and that nothing was
wsm migrate tree --schema "$MS" --db "$DB"
expect_status 1
expect_out "^nothing was written (the run aborted)"
expect_out "to import"
expect_out "rows (not written)"
expect_no_out " imported "
expect_out "nothing written: .* valid (none imported)"
# text: control characters and non-UTF-8 bytes quoted, never raw
grep -q "$ESC" out.txt && fail "an ESC byte reached the terminal raw"
grep -q "$(printf '\351')" out.txt && fail "a non-UTF-8 byte reached the terminal raw"
expect_out '"agent_workspaces/Agent-1/bad\\033\[31mx.json"'
expect_out '"agent_workspaces/Agent-1/l\\351t.json"'
# a dry run says so
wsm migrate tree --schema "$MS" --db "$DB" --dry-run
expect_out "nothing was written"
expect_no_out " imported "

# JSON stays valid; the exact bytes travel in path_base64
for c in "migrate tree --schema $MS --db $DB --format json" \
	 "validate tree --schema $MS --format json"; do
	wsm $c
	expect_status 1
	jq -e . out.txt >/dev/null || fail "$c: invalid JSON"
	b=$(jq -r '[.. | objects | select(.path_base64?) | .path_base64][0]' out.txt)
	expect_eq "$(printf '%s' "$b" | base64 -d | od -An -c | tr -s ' ')" \
		"$(printf 'agent_workspaces/Agent-1/%s.json' "$LAT" | od -An -c | tr -s ' ')" "$c: exact bytes"
	expect_eq "$(jq -r '[.. | objects | select(.path? and (.path | test("bad")))][0].path' out.txt)" \
		"agent_workspaces/Agent-1/bad${ESC}[31mx.json" "$c: control char escaped in JSON"
done
rm tree/agent_workspaces/Agent-1/*.json.bak 2>/dev/null
rm "tree/agent_workspaces/Agent-1/bad${ESC}[31mx.json" "tree/agent_workspaces/Agent-1/$LAT.json"

# columns sized to their content: a 27-character rule name stays aligned
cp -a "$MS" ms
jq '.rules[0].name = "a_rule_name_of_27_characters"' "$MS/migration.json" > ms/migration.json
wsm migrate tree --schema ms --db "$DB"
expect_status 0
hdr=$(grep '^rule ' out.txt)
row=$(grep '^a_rule_name_of_27_characters ' out.txt) || fail "no row for the long rule"
# the "seen" column ends at the same place in the header and the row
end_h=$(printf '%s\n' "$hdr" | awk '{ print index($0, " seen") + 4 }')
end_r=$(printf '%s\n' "$row" | awk '{ match($0, /^[^ ]+ +[^ ]+ +[0-9]+/); print RLENGTH }')
expect_eq "$end_r" "$end_h" "seen column aligned"

# a write error on stdout is a failure (exit 3), as in jq
"$WSM_BIN" runs --db "$DB" > /dev/full 2> err.txt
ST=$?
expect_status 3
expect_err "cannot write to standard output"
"$WSM_BIN" --help > /dev/full 2> err.txt
ST=$?
expect_status 3

# help CMD is CMD --help
wsm help migrate
expect_status 0
"$WSM_BIN" migrate --help > want.txt
cmp -s out.txt want.txt || fail "help migrate differs from migrate --help"
wsm help nosuch
expect_status 2
expect_err "unknown command 'nosuch'"

# a state error is not a usage error: exit 3, a hint, no usage line
if [ "$WSM_BACKEND" = postgres ]; then
	wsm migrate tree --schema "$MS" --db "sqlite:$WSM_WORK/src.db" -q
	expect_status 0
	wsm promote --from "sqlite:$WSM_WORK/src.db" --to "$DB"
	expect_status 3
	expect_err "is not empty"
	expect_err "hint: promote --force"
	grep -q "usage:" err.txt && fail "usage line on a state error"
	printf 'x' > notwsm.db; sqlite3 notwsm.db "create table t(x)"
	wsm promote --from "sqlite:$WSM_WORK/notwsm.db" --to "$DB"
	expect_status 3
	expect_err "not a database made by wsmigrate"
	expect_err "hint: "
fi
exit 0
