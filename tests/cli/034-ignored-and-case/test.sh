. "$WSM_ROOT/tests/cli/lib.sh"
# default ignore list: never read, never archived, never in the ledger,
# but reported; upper-case .JSON names are JSON files; report globs match
# in any case (RUN_RESULTS.json)
mkdir -p tree/app/node_modules/left-pad tree/profile/Default tree/.cache/x tree/lib/__pycache__ \
	tree/agent_workspaces/Agent-1 tree/notes
printf '{"name": "left-pad"}\n' > tree/app/node_modules/left-pad/package.json
printf '{"broken": \n' > tree/app/node_modules/left-pad/index.json
printf '{"name": "app"}\n' > tree/app/package.json
printf '{"lockfileVersion": 3}\n' > tree/app/package-lock.json
printf '{"deps": {}}\n' > tree/app/deps.lock.json
printf '[{"name": "sid", "value": "SECRET-COOKIE"}]\n' > tree/profile/Default/Cookies.json
printf '{"c": 1}\n' > tree/.cache/x/cached.json
printf '{"p": 1}\n' > tree/lib/__pycache__/mod.json
# kept: an upper-case extension, upper-case report names, a plain file
printf '{"agent_id": "Agent-1", "status": "busy"}\n' > tree/agent_workspaces/Agent-1/status.JSON
printf '{"agent_id": "Agent-1", "status": "idle"}\n' > tree/agent_workspaces/Agent-1/status.json
printf '{"generated_at": "2025-01-02T03:04:05Z", "passed": 3}\n' > tree/RUN_RESULTS.json
printf '{"summary": "ok"}\n' > tree/Final_Report.JSON
printf '{"n": 1}\n' > tree/notes/n1.Json
printf 'not json\n' > tree/notes/readme.txt

wsm migrate tree --schema "$SCHEMA" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .files_seen)/$(jget .imported)/$(jget .invalid)/$(jget .ignored_json)/$(jget .ignored)" "5/5/0/8/9" totals
expect_eq "$(jq -r '[.ignored_files[].path] | sort | join(" ")' out.txt)" \
	".cache/x/cached.json app/deps.lock.json app/node_modules/left-pad/index.json app/node_modules/left-pad/package.json app/package-lock.json app/package.json lib/__pycache__/mod.json profile/Default/Cookies.json" ignored_list
# not in the ledger, not in any table
expect_eq "$(q "select count(*) from wsm_files")" 5 ledger_files
expect_eq "$(q "select count(*) from wsm_files where path like '%node_modules%' or path like '%ookie%' or path like '%package%'")" 0 ledger_ignored
# not in the archive: its entries are exactly the five files (and its manifest)
A=$(jget .archive.path)
expect_eq "$(tar --zstd -tf "$A" | sort | tr '\n' ' ')" \
	"MANIFEST.json tree/Final_Report.JSON tree/RUN_RESULTS.json tree/agent_workspaces/Agent-1/status.JSON tree/agent_workspaces/Agent-1/status.json tree/notes/n1.Json " archive_entries
tar --zstd -xOf "$A" | grep -q SECRET-COOKIE && fail "the cookie file went into the archive"
"$WSM_BIN" backups verify --db "$DB" > v.txt 2>&1 || { cat v.txt; fail "backups verify"; }
# .JSON: matched by a lower-case glob? no: agent_status wants status.json,
# so status.JSON goes to the catch-all with its own kind; both are imported
expect_eq "$(q "select count(*) from agent_status")" 1 status_rows
expect_eq "$(q "select kind from documents where _path = 'agent_workspaces/Agent-1/status.JSON'")" "agent-#/status" json_upper_kind
expect_eq "$(q "select kind from documents where _path = 'notes/n1.Json'")" "notes/n#" json_mixed_kind
# report names in any case go to the reports rule
expect_eq "$(q "select _path from reports order by _path")" "Final_Report.JSON
RUN_RESULTS.json" reports_rule
expect_eq "$(q "select kind from reports where _path = 'Final_Report.JSON'")" "Final_Report" stem_of_upper_json
# validate lists the ignored files too (text capped, JSON complete)
wsm validate tree --schema "$SCHEMA"
expect_status 0
expect_out "ignored files (ignore globs: not read) (8):"
expect_out "  profile/Default/Cookies.json"
