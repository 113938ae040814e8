#!/bin/sh
# make-fixture.sh - how legacy.sqlite.sql and legacy.pg.sql were made: a
# database of the layout before sources (commit 7b3fd84, one chain of runs
# per database), holding the state the issue describes: two trees imported
# into one database, each run seeing the other tree's files as deleted.
#
#   tests/cli/061-legacy-upgrade/make-fixture.sh OLD-WSMIGRATE PG-URL
#
# OLD-WSMIGRATE: a binary built from 7b3fd84 (git worktree add /tmp/old
# 7b3fd84 && make -C /tmp/old).  PG-URL: a server where it may create and
# drop the database wsm_legacy.  Tree roots are written as @ROOT@, which
# test.sh replaces with its work folder.
set -eu
old=$1
pg=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
R=/tmp/WSM_LEGACY_ROOT
rm -rf "$R"
mkdir -p "$R"
cp -a "$repo/fixtures/mini" "$R/treeA"
cp -a "$repo/fixtures/mini" "$R/treeB"
mv "$R/treeB/agent_workspaces/Agent-1" "$R/treeB/agent_workspaces/Agent-8"
mv "$R/treeB/agent_workspaces/Agent-2" "$R/treeB/agent_workspaces/Agent-9"
rm "$R/treeB/agent_workspaces/agents.json"
schema="$repo/fixtures/mini-schema"
base=${pg%/*}
psql -X -q -d "$pg" -c "DROP DATABASE IF EXISTS wsm_legacy" -c "CREATE DATABASE wsm_legacy"
for db in "sqlite:$R/legacy.db" "$base/wsm_legacy"; do
	cp -a "$repo/fixtures/mini/agent_workspaces/Agent-1/status.json" "$R/treeA/agent_workspaces/Agent-1/status.json"
	"$old" migrate "$R/treeA" --schema "$schema" --db "$db" --no-backup -q
	"$old" migrate "$R/treeB" --schema "$schema" --db "$db" --no-backup -q
	printf '{"agent_id": "Agent-1", "status": "busy"}\n' > "$R/treeA/agent_workspaces/Agent-1/status.json"
	"$old" migrate "$R/treeA" --schema "$schema" --db "$db" --no-backup -q
done
sqlite3 "$R/legacy.db" .dump | sed "s|$R|@ROOT@|g" > "$here/legacy.sqlite.sql"
pg_dump --no-owner --no-privileges -d "$base/wsm_legacy" | sed "s|$R|@ROOT@|g" > "$here/legacy.pg.sql"
psql -X -q -d "$pg" -c "DROP DATABASE wsm_legacy"
rm -rf "$R"
