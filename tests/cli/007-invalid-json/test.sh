. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
printf '{\n  "from": "Agent-3",\n  "x": [1, 2,]\n}\n' > tree/agent_workspaces/Agent-1/inbox/bad.json
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --on-invalid skip --format json
expect_status 1
expect_eq "$(jget '.invalid_files[0].path')" agent_workspaces/Agent-1/inbox/bad.json path
reason=$(jget '.invalid_files[0].reason')
case "$reason" in 3:14:*) ;; *) fail "reason lacks line:column 3:14: $reason" ;; esac
expect_eq "$(q "select substr(error, 1, 5) from wsm_files where path like '%bad.json'")" "3:14:" ledger_error
expect_eq "$(q "select outcome from wsm_files where path like '%bad.json'")" invalid outcome
