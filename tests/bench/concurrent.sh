#!/usr/bin/env bash
# concurrent.sh - the load test of issue 15 (part of `make bench`): N
# importers (N = 1, 2, 4, 8) of N different trees into one PostgreSQL server
# at once.  For each N it reports the total throughput against one importer,
# whether the runs overlapped in time, and whether every source's row counts
# equal those of the same tree imported alone.  Writes
# tests/bench/concurrent.md.
#
#   tests/bench/concurrent.sh [--files N] [--max N] [--keep]
#
# --files: files per tree (default 2000); --max: the largest N (default 8).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
files=2000
max=8
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--files) files=$2; shift 2 ;;
	--max) max=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "concurrent.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
say() { printf 'bench-concurrent: %s\n' "$*" >&2; }
wsm="$root/wsmigrate"
[ -x "$wsm" ] || (cd "$root" && make all >&2) || exit 3
schema="$root/schema"
W=$(mktemp -d /tmp/wsmigrate-conc.XXXXXX) || exit 3
chmod 755 "$W"
pgdir=
cleanup() {
	[ -n "$pgdir" ] && "$root/tests/pg.sh" stop "$pgdir" >/dev/null 2>&1
	if [ "$keep" = 1 ]; then say "kept $W"; else rm -rf "$W" "$pgdir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$W/gen" "$here/gen.c" || exit 3
pgdir=$(mktemp -d /tmp/wsmigrate-conc-pg.XXXXXX)
chmod 755 "$pgdir"
out=$("$root/tests/pg.sh" start "$pgdir" 2>"$W/pg.log") || { cat "$W/pg.log" >&2; exit 3; }
eval "$out"
pgbase=${WSM_TEST_PG_URL%/*}
newdb() { PGOPTIONS="-c client_min_messages=warning" psql "$WSM_TEST_PG_URL" -X -q -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null && echo "$pgbase/$1"; }
now() { date +%s.%N; }

say "generating $max trees of $files files"
for i in $(seq 1 "$max"); do
	"$W/gen" "$W/tree$i" --files "$files" --seed "$i" --big 0 >/dev/null 2>&1 ||
		"$W/gen" "$W/tree$i" --files "$files" --seed "$i" >/dev/null 2>&1 || exit 3
done
"$W/gen" "$W/warm" --files 20 --seed 99 --big 0 >/dev/null 2>&1 || "$W/gen" "$W/warm" --files 20 --seed 99 >/dev/null 2>&1
find "$W" -type f -name '*.json' -print0 | xargs -0 cat >/dev/null

# per-source counts: table -> rows of the source, one line per table
counts() { # URL SOURCE
	for t in $(psql "$1" -X -A -t -c "SELECT name FROM wsm_tables ORDER BY name"); do
		printf '%s %s\n' "$t" "$(psql "$1" -X -A -t -c "SELECT count(*) FROM \"$t\" WHERE _source = '$2'")"
	done
	printf 'wsm_sources %s\n' "$(psql "$1" -X -A -t -c "SELECT count(*) FROM wsm_sources WHERE _source = '$2'")"
}
# a database with the tables made (a first run holds its DDL lock until it
# commits, so a fleet starts after one first run)
warmdb() {
	local url; url=$(newdb "$1") || return 1
	"$wsm" migrate "$W/warm" --schema "$schema" --db "$url" --no-backup -q --on-invalid skip \
		--source warm-up >/dev/null 2>&1
	echo "$url"
}

say "single runs: each tree alone"
for i in $(seq 1 "$max"); do
	url=$(warmdb "single$i") || exit 3
	t0=$(now)
	"$wsm" migrate "$W/tree$i" --schema "$schema" --db "$url" --no-backup -q --on-invalid skip \
		--source "tree$i" >"$W/single$i.out" 2>&1
	t1=$(now)
	echo "$t0 $t1" >"$W/single$i.time"
	counts "$url" "tree$i" >"$W/single$i.counts"
done

report="$here/concurrent.md"
{
	echo "# Load test: N importers into one PostgreSQL"
	echo
	echo "\`tests/bench/concurrent.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)):"
	echo "N trees of $files generated files each (tests/bench/gen.c, seeds 1..N), each"
	echo "its own source, imported at once by N \`wsmigrate migrate\` processes into one"
	echo "PostgreSQL 15 server on the same machine (the server is part of the load)."
	echo
	echo "| N | files | wall s | files/s | vs one importer | runs overlap | per-source counts = single runs |"
	echo "|---|---|---|---|---|---|---|"
} >"$report"
base=
for n in 1 2 4 8; do
	[ "$n" -le "$max" ] || break
	url=$(warmdb "conc$n") || exit 3
	say "N=$n"
	t0=$(now)
	pids=
	for i in $(seq 1 "$n"); do
		( s=$(now); "$wsm" migrate "$W/tree$i" --schema "$schema" --db "$url" --no-backup -q \
			--on-invalid skip --source "tree$i" >"$W/c$n.$i.out" 2>&1; rc=$?
		  echo "$s $(now) $rc" >"$W/c$n.$i.time" ) &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	t1=$(now)
	ok=yes; same=yes; nf=0
	latest_start=0; first_end=
	for i in $(seq 1 "$n"); do
		read -r s e rc <"$W/c$n.$i.time"
		[ "$rc" = 0 ] || [ "$rc" = 1 ] || ok="no (run $i exited $rc)"
		latest_start=$(python3 -c "print(max($latest_start, $s))")
		first_end=$(python3 -c "print(min(${first_end:-$e}, $e))")
		counts "$url" "tree$i" >"$W/c$n.$i.counts"
		cmp -s "$W/c$n.$i.counts" "$W/single$i.counts" || same="no (tree$i differs)"
		nf=$((nf + $(find "$W/tree$i" -type f -name '*.json' | wc -l)))
	done
	overlap=$(python3 -c "print('yes' if $n == 1 or $latest_start < $first_end else 'no')")
	[ "$n" = 1 ] && overlap="-"
	wall=$(python3 -c "print('%.2f' % ($t1 - $t0))")
	rate=$(python3 -c "print('%.0f' % ($nf / ($t1 - $t0)))")
	[ -n "$base" ] || base=$rate
	ratio=$(python3 -c "print('%.2f' % ($rate / $base))")
	[ "$ok" = yes ] || same="$ok"
	echo "| $n | $nf | $wall | $rate | ${ratio}x | $overlap | $same |" >>"$report"
	say "N=$n: $nf files in ${wall}s, $rate files/s (${ratio}x), overlap $overlap, counts $same"
done
{
	echo
	echo "\"Runs overlap\": the last run started before the first one finished, so"
	echo "no run waited for another. Per-source counts: the rows of every data table"
	echo "and of wsm_sources, per source, compared with the same tree imported alone"
	echo "into a database of its own."
} >>"$report"
cat "$report"
