. "$WSM_ROOT/tests/cli/lib.sh"
# issue 12, defect 8: `backups verify --db` streams the run's ledger (in
# the walk's order, merged with the archive's index) instead of loading it
# whole.  A run whose ledger holds 200,000 rows more (unchanged files, not
# in the archive) is verified in the memory of a small one.  And the merge
# still finds every disagreement between ledger and archive.
tree mini
MS="--schema $WSM_ROOT/fixtures/mini-schema"
# names whose bytewise order differs from the walk's ('-' < '/' < 'c')
A=tree/agent_workspaces/Agent-1
echo '{"from":"a"}' > "$A/inbox-b.json"
mkdir -p "$A/inbox0" && echo '{"from":"b"}' > "$A/inbox0/x.json"
wsm migrate tree $MS --db "$DB" --backup-dir backups --format json
expect_status 0
run=$(jget .run_id)
wsm backups verify --db "$DB"
expect_status 0
expect_out "  ok"

# the merge finds each kind of disagreement, on a copy of the ledger rows
F=agent_workspaces/Agent-1/status.json
q "update wsm_files set sha256 = repeat('0', 64) where path = '$F'" 2>/dev/null ||
	q "update wsm_files set sha256 = '0000000000000000000000000000000000000000000000000000000000000000' where path = '$F'"
q "insert into wsm_files(run_id, path, outcome) values ('$run', 'agent_workspaces/Agent-1/inbox/zz-ghost.json', 'imported')"
q "delete from wsm_files where path = 'agent_workspaces/Agent-2/task_list.json'"
wsm backups verify --db "$DB"
expect_status 1
expect_out "ledger mismatch: $F"
expect_out "missing from archive: agent_workspaces/Agent-1/inbox/zz-ghost.json"
expect_out "not in ledger: agent_workspaces/Agent-2/task_list.json"
expect_eq "$(grep -c '^  ' out.txt)" 4 problems_and_summary   # 3 problems + FAILED
expect_out "FAILED: 3 problems"

# memory: 200,000 more ledger rows with 200-byte names
if [ "$WSM_BACKEND" = postgres ]; then
	q "insert into wsm_files(run_id, path, outcome)
	   select '$run', 'zz/' || lpad(g::text, 200, '0') || '.json', 'unchanged'
	   from generate_series(1, 200000) g" >/dev/null
else
	q "with recursive c(x) as (select 1 union all select x + 1 from c where x < 200000)
	   insert into wsm_files(run_id, path, outcome)
	   select '$run', 'zz/' || printf('%0200d', x) || '.json', 'unchanged' from c"
fi
/usr/bin/time -f %M -o rss.txt "$WSM_BIN" backups verify --db "$DB" >out.txt 2>err.txt
st=$?
expect_eq "$st" 1 status_with_200k_rows
expect_out "FAILED: 3 problems"
rss=$(tail -n 1 rss.txt)
case "$WSM_BIN" in
*asan*) echo "peak RSS ${rss} KB (ASan build: not checked)" ;;
*) echo "peak RSS ${rss} KB"; [ "$rss" -lt 40000 ] || fail "verify --db peaked at ${rss} KB with a 200,000-row ledger" ;;
esac
