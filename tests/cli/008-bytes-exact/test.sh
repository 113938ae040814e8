. "$WSM_ROOT/tests/cli/lib.sh"
# 20-digit integers, emoji, escapes and key order come back byte-identical
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB"
expect_status 0
f=tree/agent_workspaces/Agent-1/status.json
if [ "$WSM_BACKEND" = postgres ]; then
	# _doc is jsonb (for queries); _doc_text keeps the bytes
	q "select _doc_text from agent_status where agent_id='Agent-1'" > got.json
else
	sqlite3 test.db "select writefile('got.json', _doc) from agent_status where agent_id='Agent-1'" >/dev/null
fi
printf '%s' "$(cat got.json)" > got2.json
printf '%s' "$(cat "$f")" > want.json
cmp got2.json want.json || fail "document not byte-identical"
expect_eq "$(q "select sha256 from wsm_files where path='agent_workspaces/Agent-1/status.json'")" "$(sha256sum "$f" | cut -d' ' -f1)" sha256
