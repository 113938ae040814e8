. "$WSM_ROOT/tests/cli/lib.sh"
# (issue 13) nothing is created by accident, nothing is scattered:
# read-only commands never create a database; a migrate that writes
# nothing (an invalid file under --on-invalid abort, a dry run, a failed
# connection) leaves no database file and no backup folder; the backups
# travel with the database, and the tool never imports its own backups,
# even when run from inside the tree.
MS="$WSM_ROOT/fixtures/mini-schema"
tree mini
nothing_here() {   # nothing_here WHAT: the work dir holds only what we made
	left=$(ls -A "$WSM_WORK" | grep -v -x -e tree -e out.txt -e err.txt -e keep | tr '\n' ' ')
	[ -z "$left" ] || fail "$1 left: $left"
}
no_ledger() {      # PostgreSQL: no wsm_ table made
	[ "$WSM_BACKEND" = postgres ] || return 0
	expect_eq "$(q "select count(*) from pg_tables where tablename like 'wsm%'")" 0 "$1: ledger tables"
}

# read-only commands on a database that is not there
if [ "$WSM_BACKEND" = sqlite ]; then
	for c in "runs" "runs --format json" "backups list" "backups verify" \
		 "rollback --dry-run" "rollback"; do
		wsm $c --db "sqlite:$WSM_WORK/typo.db"
		expect_status 3
		expect_err "no database at $WSM_WORK/typo.db"
		expect_err "hint: "
		nothing_here "$c"
	done
	WSMIGRATE_DB="$WSM_WORK/typo2.db" wsm runs
	expect_status 3
	nothing_here "runs with WSMIGRATE_DB"
else
	wsm runs --db "$DB"
	expect_status 0
	expect_out "no runs recorded in"
	no_ledger runs
fi

# an invalid file with --on-invalid abort: nothing written, nothing left
printf '{' > tree/agent_workspaces/Agent-1/broken.json
wsm migrate tree --schema "$MS" --db "$DB"
expect_status 1
expect_out "nothing written"
nothing_here "an aborted migrate"
no_ledger "an aborted migrate"
# a dry run
wsm migrate tree --schema "$MS" --db "$DB" --dry-run
expect_status 1
nothing_here "a dry run"
rm tree/agent_workspaces/Agent-1/broken.json
wsm migrate tree --schema "$MS" --db "$DB" --dry-run
expect_status 0
nothing_here "a dry run"
no_ledger "a dry run"
# a failed connection
if [ "$WSM_BACKEND" = sqlite ]; then
	wsm migrate tree --schema "$MS" --db "sqlite:$WSM_WORK/no/such/dir/x.db"
else
	wsm migrate tree --schema "$MS" --db "postgresql://127.0.0.1:1/nowhere?connect_timeout=5"
fi
expect_status 3
nothing_here "a failed connection"
# a run killed before its first commit leaves PATH.wsmigrate-new-PID: the
# next run removes it (its process is gone)
if [ "$WSM_BACKEND" = sqlite ]; then
	: > "$WSM_WORK/k.db.wsmigrate-new-999999"; : > "$WSM_WORK/k.db.wsmigrate-new-999999-journal"
	kill -0 999999 2>/dev/null && skip "SKIP: pid 999999 is alive"
	wsm migrate tree --schema "$MS" --db "sqlite:$WSM_WORK/k.db" -q
	expect_status 0
	ls "$WSM_WORK" | grep -q 'wsmigrate-new' && fail "a dead run's new database was left"
	rm -rf "$WSM_WORK/k.db" "$WSM_WORK/k.db.backups"
fi
# an in-memory database cannot keep a ledger: refused
wsm migrate tree --schema "$MS" --db "sqlite::memory:"
expect_status 2
expect_err "hint: give a database file"
nothing_here "sqlite::memory:"

# the backups travel with the database, paths in the summary are absolute
mkdir keep
cd keep
if [ "$WSM_BACKEND" = sqlite ]; then
	wsm migrate ../tree --schema "$MS" --db "sqlite:../ws.db"
	expect_status 0
	ls "$WSM_WORK"/ws.db.backups/*.tar.zst >/dev/null 2>&1 || fail "no archive beside the database"
	expect_out "committed to sqlite:$WSM_WORK/ws.db"
	expect_out "backup: $WSM_WORK/ws.db.backups/"
	# from elsewhere, the next run finds the same folder
	cd "$WSM_WORK/tree/agent_workspaces"
	printf '{"agent_id": "Agent-1", "status": "busy"}\n' > Agent-1/status.json
	wsm migrate .. --schema "$MS" --db "sqlite:$WSM_WORK/ws.db" --format json
	expect_status 0
	expect_eq "$(ls "$WSM_WORK"/ws.db.backups/*.tar.zst | wc -l)" 2 archives_beside
	expect_eq "$(ls -A | tr '\n' ' ')" "Agent-1 Agent-2 agents.json " "nothing scattered in the tree"
	rm -rf "$WSM_WORK/ws.db" "$WSM_WORK/ws.db.backups"
else
	wsm migrate ../tree --schema "$MS" --db "$DB" --format json
	expect_status 0
	a=$(jget .archive.path)
	case "$a" in /*) ;; *) fail "archive path not absolute: $a" ;; esac
	# the folder is recorded in the ledger: a run from elsewhere uses it
	cd "$WSM_WORK/tree/agent_workspaces"
	printf '{"agent_id": "Agent-1", "status": "busy"}\n' > Agent-1/status.json
	wsm migrate .. --schema "$MS" --db "$DB" --format json
	expect_status 0
	expect_eq "$(dirname "$(jget .archive.path)")" "$(dirname "$a")" same_backup_folder
	expect_eq "$(ls -A | tr '\n' ' ')" "Agent-1 Agent-2 agents.json " "nothing scattered in the tree"
	q "drop schema public cascade; create schema public" >/dev/null 2>&1
fi
cd "$WSM_WORK"
rm -rf keep

# run from inside the tree: its database and backups are never imported
cd tree
n0=$(find . -iname '*.json' ! -path './ignored/*' | wc -l)   # ignored/ is not seen
if [ "$WSM_BACKEND" = sqlite ]; then here="sqlite:inside.db"; else here=$DB; fi
wsm migrate . --schema "$MS" --db "$here" --format json
expect_status 0
expect_eq "$(jget .files_seen)" "$n0" first_seen
wsm migrate . --schema "$MS" --db "$here" --format json
expect_status 0
expect_eq "$(jget .files_seen)" "$n0" "files seen with the backups inside the tree"
expect_eq "$(jget .imported)" 0 "imported on the second run"
# an archive folder of this database moved by --backup-dir is still never read
wsm migrate . --schema "$MS" --db "$here" --backup-dir other-backups --format json
expect_status 0
wsm migrate . --schema "$MS" --db "$here" --format json
expect_status 0
expect_eq "$(jget .files_seen)" "$n0" "files seen with two backup folders in the tree"
# WSMIGRATE_BACKUP_DIR chooses the folder
printf '{"agent_id": "Agent-1", "status": "idle"}\n' > agent_workspaces/Agent-1/status.json
WSMIGRATE_BACKUP_DIR="$WSM_WORK/envbk" wsm migrate . --schema "$MS" --db "$here" -q
expect_status 0
ls "$WSM_WORK"/envbk/*.tar.zst >/dev/null 2>&1 || fail "WSMIGRATE_BACKUP_DIR not used"
exit 0
