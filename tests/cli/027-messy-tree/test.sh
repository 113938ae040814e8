. "$WSM_ROOT/tests/cli/lib.sh"
# the messy fixture under the default manifest: outcomes as in EXPECTED.md
tree messy
wsm migrate tree --schema "$SCHEMA" --db "$DB" --on-invalid skip --format json
expect_status 1
expect_eq "$(jget .files_seen)/$(jget .imported)/$(jget .invalid)/$(jget .skipped)/$(jget .ignored)" "28/11/16/1/3" totals
r() { jq -r --arg p "$1" '.invalid_files[] | select(.path==$p) | .reason' out.txt; }
case "$(r agent_workspaces/Agent-1/inbox/msg_invalid_utf8.json)" in
	"4:18: invalid UTF-8 byte 0xE9"*offset*) ;; *) fail "invalid utf-8: $(r agent_workspaces/Agent-1/inbox/msg_invalid_utf8.json)" ;; esac
case "$(r agent_workspaces/Agent-1/inbox/msg_duplicate_keys.json)" in
	*'duplicate key "from" (first at 2:3)'*) ;; *) fail "duplicate key" ;; esac
case "$(r agent_workspaces/Agent-1/inbox/msg_nul_escape.json)" in *'\u0000'*) ;; *) fail "nul" ;; esac
case "$(r agent_workspaces/Agent-1/inbox/msg_lone_surrogate.json)" in *'lone surrogate'*) ;; *) fail "surrogate" ;; esac
case "$(r agent_workspaces/Agent-1/inbox/msg_empty.json)" in *'empty document'*) ;; *) fail "empty" ;; esac
case "$(r agent_workspaces/Agent-1/inbox/msg_trailing_comma.json)" in 5:21:*) ;; *) fail "trailing comma" ;; esac
# BOM file imported; the stored document is the file without its BOM
if [ "$WSM_BACKEND" = sqlite ]; then
	sqlite3 test.db "select writefile('bom.out', _doc) from agent_status where _path='agent_workspaces/Agent-3/status.json'" >/dev/null
	tail -c +4 tree/agent_workspaces/Agent-3/status.json | cmp - bom.out || fail "BOM document not stored without its BOM"
	expect_eq "$(q "select last_updated from agent_status where _path='agent_workspaces/Agent-3/status.json'")" "2025-08-13T14:15:30.123456Z" seven_digit_fraction
	sqlite3 test.db "select writefile('u.out', _doc) from messages where _path='agent_workspaces/Agent-1/inbox/msg_unicode_escapes.json'" >/dev/null
	cmp u.out tree/agent_workspaces/Agent-1/inbox/msg_unicode_escapes.json || fail "unicode document not byte-exact"
fi
expect_eq "$(q "select agent_id from agent_status where _path='agent_workspaces/Agent-5/status.json'")" Agent-5 agent_from_dir
