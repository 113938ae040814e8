#!/bin/sh
# rollback-lock.sh - issue 12, defect 1: rollback held no run lock while it
# restored files.  Fixed: run by tests/crash/run.sh once per invocation
# (SQLite), and tests/cli/050-rollback-lock checks the same on both
# backends with a slowed restore.
#
#   tests/crash/pending/rollback-lock.sh [--bin ./wsmigrate] [--files 2000]
#
# A first import with --remove-originals; then `rollback` in the background
# and, as soon as it has put back its first files, `migrate --no-wait` on
# the same tree and database.  With the lock held for the whole rollback,
# the migrate is refused at once (the database is busy) or runs after the
# rollback; either way the rollback ends with exit 0 and the tree whole.
# Exit 0 when that holds, 1 when the defect shows (the migrate committed a
# run from a half-restored tree, and the rollback failed), 2 when the
# scenario could not be set up.
set -u
BIN=./wsmigrate
FILES=2000
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) BIN=$2; shift 2 ;;
	--files) FILES=$2; shift 2 ;;
	*) echo "rollback-lock: unknown option $1" >&2; exit 2 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
W=$(mktemp -d /tmp/wsm-rollback-lock.XXXXXX)
trap 'rm -rf "$W"' EXIT
cc -O2 -o "$W/gen" "$ROOT/tests/bench/gen.c" || exit 2
"$W/gen" "$W/tree" --files "$FILES" --seed 5 2>/dev/null || exit 2
DB="sqlite:$W/db.sqlite"
M="migrate $W/tree --db $DB --schema $ROOT/schema --backup-dir $W/backups -q"
total=$(find "$W/tree" -type f | wc -l)
# shellcheck disable=SC2086
"$BIN" $M --remove-originals >/dev/null 2>&1 || { echo "rollback-lock: first import failed"; exit 2; }
left=$(find "$W/tree" -type f | wc -l)

"$BIN" rollback --db "$DB" >"$W/rb.out" 2>"$W/rb.err" &
rb=$!
# wait for the restore to begin: the tree grows
i=0
while [ "$(find "$W/tree" -type f | wc -l)" -le "$left" ] && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
# shellcheck disable=SC2086
"$BIN" $M --no-wait --format json >"$W/m.out" 2>"$W/m.err"
mst=$?
wait $rb
rst=$?
now=$(find "$W/tree" -type f | wc -l)
echo "rollback-lock: tree $total files, $left after --remove-originals;" \
	"migrate during the rollback: exit $mst, committed $(jq -r .committed "$W/m.out" 2>/dev/null)," \
	"deleted $(jq -r .deleted "$W/m.out" 2>/dev/null); rollback: exit $rst; tree now $now files"
sed 's/^/  rollback: /' "$W/rb.err" | head -n 3
if [ $rst -eq 0 ] && [ "$now" -eq "$total" ] && [ "$(jq -r .committed "$W/m.out" 2>/dev/null)" != true ]; then
	echo "PASS: the rollback held the lock"
	exit 0
fi
echo "FAIL: the migrate ran inside the rollback (issue 12, defect 1)"
exit 1
