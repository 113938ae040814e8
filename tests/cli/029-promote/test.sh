. "$WSM_ROOT/tests/cli/lib.sh"
# postgres-only
# migrate twice into SQLite, promote into PostgreSQL: every table verifies,
# a second promote is refused without --force, and rollback on PostgreSQL
# undoes the last run exactly as it would have on SQLite
M="$WSM_ROOT/fixtures/mini-schema"
SRC="sqlite:$WSM_WORK/src.db"
tree mini
wsm migrate tree --schema "$M" --db "$SRC" -q
expect_status 0
printf '{"agent_id": "Agent-1", "status": "done", "n": 12345678901234567890}\n' > tree/agent_workspaces/Agent-1/status.json
wsm migrate tree --schema "$M" --db "$SRC" -q
expect_status 0
wsm promote --from "$SRC" --to "$DB"
expect_status 0
expect_out "committed"
grep -q ' NO$' out.txt && fail "a table did not verify"
wsm promote --from "$SRC" --to "$DB"
expect_status 3   # a state error (issue 13), not a usage error
expect_err "hint: promote --force replaces"
grep -q "usage:" err.txt && fail "a state error printed the usage line"
wsm promote --from "$SRC" --to "$DB" --force --format json
expect_status 0
expect_eq "$(jq '[.tables[] | select(.ok | not)] | length' out.txt)" 0 all_ok
expect_eq "$(q "select count(*) from wsm_runs")" 2 runs_copied
wsm rollback --db "$DB" --to "$WSM_WORK/restored" -q
expect_status 0
expect_eq "$(q "select status from wsm_runs order by seq desc limit 1")" rolled_back rolled_back
expect_eq "$(q "select status from agent_status where _path like '%Agent-1%'")" busy old_row_back
