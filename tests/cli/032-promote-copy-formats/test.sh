. "$WSM_ROOT/tests/cli/lib.sh"
# postgres-only
# promote sends rows in COPY's binary format; a value with no exact binary
# form (an integer column holding a blob, a timestamp not in canonical form)
# ends the binary COPY and the rest of the table goes as text.  Both parts
# arrive and verify; a value PostgreSQL rejects still rolls everything back.
# Large values (over one COPY piece) and the stage split are checked too.
M="$WSM_ROOT/fixtures/mini-schema"
S="$WSM_WORK/src.db"
tree mini
# one message with a 300 kB body: sent in pieces, read back whole
big=$(head -c 300000 /dev/zero | tr '\0' 'x')
printf '{"from": "Agent-2", "timestamp": "2025-07-04T00:00:00Z", "body": {"z": 1, "text": "%s", "a": [1.50, "\\u00e9\\n"]}}\n' \
	"$big" > tree/agent_workspaces/Agent-1/inbox/big.json
wsm migrate tree --schema "$M" --db "sqlite:$S" -q
expect_status 0
last="rowid = (select max(rowid) from agent_status)"
[ "$(sqlite3 "$S" "select count(*) from agent_status")" -ge 2 ] || fail "fixture: want 2 agent_status rows"
sqlite3 "$S" "update agent_status set tasks_done = cast('7' as blob),
	last_updated = '2025-08-12 10:45:00+00', online = 5 where $last" || fail "cannot edit the source"
sqlite3 "$S" "update messages set sent_at = '2025-07-03 15:00:00Z'
	where rowid = (select max(rowid) from messages where sent_at is not null)" || fail "cannot edit the source"
cp "$S" "$WSM_WORK/good.db"

wsm promote --from "sqlite:$S" --to "$DB" --format json --stats
expect_status 0
expect_eq "$(jq '[.tables[] | select(.ok | not)] | length' out.txt)" 0 all_ok
expect_eq "$(jq -r '.committed' out.txt)" true committed
for k in prepare read verify_source copy index verify_target commit; do
	jq -e ".stages.\"$k\" | numbers" out.txt >/dev/null || fail "stages.$k missing or not a number"
done
jq -e '.duration_s | numbers' out.txt >/dev/null || fail "duration_s missing"
expect_err "verify_target"
expect_err "total"
expect_eq "$(q "select tasks_done, online, last_updated = '2025-08-12 10:45:00+00' from agent_status order by agent_id desc limit 1")" "7|t|t" fallback_row
expect_eq "$(q "select count(*) from messages where sent_at = '2025-07-03 15:00:00+00'")" 1 fallback_ts
expect_eq "$(q "select length(body->>'text') from messages where _path like '%big.json'")" 300000 big_value
expect_eq "$(q "select count(*) from agent_status")" "$(sqlite3 "$S" "select count(*) from agent_status")" rows

# text the server rejects, after the switch to text COPY: nothing is kept
sqlite3 "$S" "update agent_status set tasks_done = cast('seven' as blob) where $last"
wsm promote --from "sqlite:$S" --to "$DB" --force
expect_status 3
expect_err "bigint"
expect_eq "$(q "select tasks_done from agent_status order by agent_id desc limit 1")" 7 target_unchanged

# text output stays as it was; --stats goes to stderr only
wsm promote --from "sqlite:$WSM_WORK/good.db" --to "$DB" --force
expect_status 0
expect_out "committed"
expect_no_out "verify_target"
