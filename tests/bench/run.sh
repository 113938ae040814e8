#!/usr/bin/env bash
# run.sh - the benchmarks of issue 6 (`make bench`).  See tests/bench/README.md.
#
#   tests/bench/run.sh [--sizes S,M,L] [--seed N] [--corrupt RATE] [--keep]
#
# For each size: generate (or reuse) a deterministic tree, warm the page
# cache, then time wsmigrate (validate, migrate into SQLite, no-op re-run,
# rollback, migrate into PostgreSQL, promote) side by side with the
# references (floor.c, jq|sqlite-utils, ajv, psql \copy, pgloader,
# tar|zstd -3).  Writes tests/bench/results.md and two SVG plots.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sizes=S,M
seed=42
corrupt=0
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--sizes) sizes=$2; shift 2 ;;
	--sizes=*) sizes=${1#*=}; shift ;;
	--seed) seed=$2; shift 2 ;;
	--seed=*) seed=${1#*=}; shift ;;
	--corrupt) corrupt=$2; shift 2 ;;
	--corrupt=*) corrupt=${1#*=}; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

say() { printf 'bench: %s\n' "$*" >&2; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/wsmigrate-bench
mkdir -p "$cache/bin" "$cache/trees" || exit 3
W=$(mktemp -d /tmp/wsmigrate-bench.XXXXXX) || exit 3
chmod 755 "$W"
pgdir=
skips="$W/skipped.txt"
: >"$skips"
skip() { say "SKIPPED: $*"; echo "$*" >>"$skips"; }

cleanup() {
	if [ -n "$pgdir" ]; then "$root/tests/pg.sh" stop "$pgdir" || true; fi
	if [ "$keep" = 1 ]; then say "kept the work folder $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- install
have() { command -v "$1" >/dev/null 2>&1; }
missing=
for pair in sqlite-utils:sqlite-utils jq:jq pgloader:pgloader zstd:zstd node:nodejs \
	    npm:npm psql:postgresql-client python3:python3 cc:gcc; do
	have "${pair%%:*}" || missing="$missing ${pair#*:}"
done
have initdb || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && have apt-get; then
		say "installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086
		apt-get install -y -qq $missing >&2 ||
			{ apt-get update -qq >&2 && apt-get install -y -qq $missing >&2; } ||
			say "apt-get install failed for some of:$missing"
	else
		say "missing:$missing (not root: run apt-get install -y$missing)"
	fi
fi
have python3 || { echo "bench: python3 is required (timing and report)" >&2; exit 3; }
npmdir="$cache/npm"
if have npm && [ ! -d "$npmdir/node_modules/ajv-formats" ]; then
	mkdir -p "$npmdir"
	(cd "$npmdir" && npm install --silent --no-audit --no-fund ajv ajv-formats >&2) ||
		say "npm install ajv ajv-formats failed"
fi

# ---------------------------------------------------------------- build
wsm="$root/wsmigrate"
if [ ! -x "$wsm" ]; then
	(cd "$root" && make all >&2) || { echo "bench: cannot build wsmigrate (make all)" >&2; exit 3; }
fi
cc -O2 -o "$cache/bin/gen" "$here/gen.c" || exit 3
floor_ok=1
cc -O2 -o "$cache/bin/floor" "$here/floor.c" $(pkg-config --cflags --libs libcjson sqlite3) ||
	{ floor_ok=0; skip "floor: cannot compile floor.c"; }

# ---------------------------------------------------------------- manifest
if [ -n "${WSM_BENCH_SCHEMA:-}" ]; then
	schema=$(cd "$WSM_BENCH_SCHEMA" && pwd) || exit 2; schema_note="$WSM_BENCH_SCHEMA (WSM_BENCH_SCHEMA)"
elif [ -f "$root/schema/migration.json" ]; then
	schema="$root/schema"; schema_note="default manifest schema/migration.json"
else
	schema="$here/schema"
	schema_note="tests/bench/schema (fallback: schema/migration.json is absent)"
	say "schema/migration.json absent: using the fallback manifest tests/bench/schema"
fi
# a manifest with just the messages rule, for wsmigrate vs ajv
msgschema="$W/msgschema"
mkdir -p "$msgschema"
cp "$schema"/*.json "$msgschema/"
python3 - "$schema/migration.json" "$msgschema/migration.json" <<'PY' || exit 3
import json, sys
m = json.load(open(sys.argv[1]))
rules = m["rules"]
pick = [r for r in rules if r.get("name") == "inbox_messages"]
pick += [r for r in rules if r.get("table") == "messages" or "message" in r.get("name", "")]
pick = [r for r in pick if r.get("schema")] or [r for r in rules if r.get("schema")]
m["rules"] = pick[:1]
json.dump(m, open(sys.argv[2], "w"), indent=1)
print(m["rules"][0]["name"], m["rules"][0]["schema"], file=open(sys.argv[2] + ".rule", "w"))
PY
read -r msg_rule msg_schema_file <"$msgschema/migration.json.rule"
rm -f "$msgschema/migration.json.rule"

# ---------------------------------------------------------------- postgres
pg_ok=0
if have psql; then
	pgdir=$(mktemp -d /tmp/wsmigrate-bench-pg.XXXXXX)
	if out=$("$root/tests/pg.sh" start "$pgdir" 2>"$W/pg.log"); then
		eval "$out"
		pg_ok=1
		pgbase=${WSM_TEST_PG_URL%/*}
	else
		cat "$W/pg.log" >&2
		skip "PostgreSQL: cannot start a throwaway server (tests/pg.sh start)"
		rm -rf "$pgdir"; pgdir=
	fi
else
	skip "PostgreSQL: psql not installed"
fi
pgdb() { psql "$WSM_TEST_PG_URL" -X -q -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1 && echo "$pgbase/$1"; }

promote_ok=0
if "$wsm" promote --help 2>/dev/null | grep -q '^usage'; then promote_ok=1; fi

# ---------------------------------------------------------------- run
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
raw="$W/raw.tsv"
printf 'size\ttask\twall_s\trss_kb\trc\tfiles\tbytes\tnote\tcpu_s\n' >"$raw"
# measure SIZE TASK NOTE CMD... : time CMD, stdout to $W/SIZE.TASK.out
measure() {
	local s=$1 t=$2 note=$3; shift 3
	say "$s: $t"
	# write back what the previous step left dirty (databases, archives) so
	# that its writeback is not charged to this step
	sync
	python3 "$here/timeit.py" "$W/$s.$t.time" -- "$@" >"$W/$s.$t.out" 2>"$W/$s.$t.err"
	local wall rss rc cpu
	read -r wall rss rc cpu <"$W/$s.$t.time"
	[ "$rc" = 0 ] || say "$s: $t exited $rc (see $W/$s.$t.err)"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$t" "$wall" "$rss" "$rc" "$nfiles" "$nbytes" "$note" "$cpu" >>"$raw"
}
# note_db_size DB: the size of database DB as the note of the last measure
# (the cost of keeping each document's exact text beside jsonb, README)
note_db_size() {
	local sz
	sz=$(psql "$pgbase/$1" -X -A -t -c "SELECT pg_database_size(current_database())" 2>/dev/null) || return 0
	awk -F'\t' -v OFS='\t' -v n="database $((sz / 1000000)) MB" \
		'NR == lines { $8 = ($8 == "" ? n : $8 "; " n) } { print }' lines="$(wc -l <"$raw")" \
		"$raw" >"$raw.tmp" && mv "$raw.tmp" "$raw"
}
na() { printf '%s\t%s\t\t\t\t\t\t%s\n' "$1" "$2" "$3" >>"$raw"; }

for size in $(echo "$sizes" | tr ',' ' '); do
	lsize=$(echo "$size" | tr 'A-Z' 'a-z')
	case "$size" in
	S) n=1000 ;; M) n=44000 ;; L) n=220000 ;;
	*) echo "bench: unknown size $size (S, M or L)" >&2; exit 2 ;;
	esac
	tree="$cache/trees/$size-seed$seed-c$corrupt"
	stamp="$(sha256sum "$here/gen.c" | cut -c1-16) $n $seed $corrupt"
	if [ "$(cat "$tree.stamp" 2>/dev/null)" != "$stamp" ]; then
		say "$size: generating $n files into $tree"
		rm -rf "$tree" "$tree.stamp"
		"$cache/bin/gen" "$tree" --files "$n" --seed "$seed" --corrupt "$corrupt" -v >"$tree.corrupt" || exit 3
		echo "$stamp" >"$tree.stamp"
		sync
	fi
	# the input every tool gets: the *.json files of the tree
	nfiles=$(find "$tree" -type f -name '*.json' | wc -l)
	nbytes=$(find "$tree" -type f -name '*.json' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
	say "$size: $nfiles JSON files, $((nbytes / 1000000)) MB; warming the cache"
	find "$tree" -type f -print0 | xargs -0 cat >/dev/null
	d="$W/$size"; mkdir -p "$d"

	# floor and jq | sqlite-utils
	if [ "$floor_ok" = 1 ]; then measure "$size" floor "" "$cache/bin/floor" "$tree" "$d/floor.db"
	else na "$size" floor "not compiled"; fi
	if have jq && have sqlite-utils; then
		# jq gives up on the rest of its arguments at the first file that is
		# not JSON: leave out the files gen.c truncated (no tool can import
		# them); the wrong-type ones stay in
		find "$tree" -type f -name '*.json' | sort >"$d/jq.list"
		if grep -q '^truncated' "$tree.corrupt" 2>/dev/null; then
			awk -F'\t' -v root="$tree/" '$1 == "truncated" { print root $2 }' "$tree.corrupt" | sort >"$d/trunc.list"
			comm -23 "$d/jq.list" "$d/trunc.list" >"$d/jq.list2" && mv "$d/jq.list2" "$d/jq.list"
		fi
		tr '\n' '\0' <"$d/jq.list" >"$d/jq.list0"
		measure "$size" jq_sqlite_utils "$(wc -l <"$d/jq.list") files" sh -c 'xargs -0 -a "$3" \
			jq -c --arg root "$1/" "{path: (input_filename | ltrimstr(\$root)), doc: .}" |
			sqlite-utils insert "$2" docs - --nl --batch-size 1000' sh "$tree" "$d/su.db" "$d/jq.list0"
	else na "$size" jq_sqlite_utils "jq or sqlite-utils not installed"; fi

	# validate: whole tree (dry run), then the messages subset vs ajv
	measure "$size" validate "" "$wsm" validate "$tree" --schema "$schema" --format json -q
	measure "$size" validate_msgs "rule $msg_rule" "$wsm" validate "$tree" --schema "$msgschema" \
		--assert-formats --format json -q
	python3 -c '
import json, sys
try: r = json.load(open(sys.argv[1]))
except Exception: r = {"files": []}
for f in r["files"]:
    if f.get("rule") == sys.argv[2]: print(f["path"])' "$W/$size.validate_msgs.out" "$msg_rule" >"$d/msgs.list"
	if have node && [ -d "$npmdir/node_modules/ajv-formats" ]; then
		measure "$size" ajv "$(wc -l <"$d/msgs.list") files" env NODE_PATH="$npmdir/node_modules" \
			node "$here/ajv_validate.js" "$msgschema" "$msg_schema_file" "$tree" "$d/msgs.list"
	else na "$size" ajv "node or ajv not installed"; fi

	# migrate into SQLite, no-op re-run, rollback
	db="$d/ours.db"
	measure "$size" migrate_sqlite "" "$wsm" migrate "$tree" --db "sqlite:$db" --schema "$schema" \
		--backup-dir "$d/backups" --on-invalid skip --format json -q
	measure "$size" noop_rerun "" "$wsm" migrate "$tree" --db "sqlite:$db" --schema "$schema" \
		--backup-dir "$d/backups" --on-invalid skip --format json -q
	cp "$db" "$d/promote.db"
	for x in -wal -shm; do [ -f "$db$x" ] && cp "$db$x" "$d/promote.db$x"; done
	python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.execute("PRAGMA journal_mode=DELETE"); c.close()' "$d/promote.db"
	# the no-op run is the latest: undo it first, then time undoing the real one
	"$wsm" rollback --db "sqlite:$db" --to "$d/restored0" >/dev/null 2>&1
	measure "$size" rollback "restores into a new folder" "$wsm" rollback --db "sqlite:$db" --to "$d/restored"
	if have zstd; then
		measure "$size" tar_zstd "" sh -c 'tar -cf - -C "$1" . | zstd -3 -q -f -o "$2"' sh "$tree" "$d/tree.tar.zst"
	else na "$size" tar_zstd "zstd not installed"; fi

	# PostgreSQL
	if [ "$pg_ok" = 1 ]; then
		measure "$size" migrate_pg "" "$wsm" migrate "$tree" --db "$(pgdb "ours_$lsize")" --schema "$schema" \
			--backup-dir "$d/backups-pg" --on-invalid skip --format json -q
		note_db_size "ours_$lsize"
		python3 - "$tree" "$d/copy.tsv" <<'PY'
import json, os, sys
root, out = sys.argv[1], open(sys.argv[2], "w", encoding="utf-8")
esc = lambda s: s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
for dp, dn, fn in os.walk(root):
    for f in fn:
        if not f.endswith(".json"): continue
        p = os.path.join(dp, f)
        try: doc = json.load(open(p, encoding="utf-8"))
        except Exception: continue
        out.write(esc(os.path.relpath(p, root)) + "\t" + esc(json.dumps(doc, ensure_ascii=False)) + "\n")
PY
		measure "$size" psql_copy "" psql "$(pgdb "copy_$lsize")" -X -q -v ON_ERROR_STOP=1 -1 \
			-c "CREATE TABLE docs (path text PRIMARY KEY, doc jsonb NOT NULL)" \
			-c "\\copy docs FROM '$d/copy.tsv'"
		note_db_size "copy_$lsize"
		if [ "$promote_ok" = 1 ]; then
			measure "$size" promote "" "$wsm" promote --from "sqlite:$d/promote.db" --to "$(pgdb "promote_$lsize")" \
				--format json
		else na "$size" promote "wsmigrate promote not implemented yet"; fi
		if have pgloader; then
			measure "$size" pgloader "" pgloader --quiet "sqlite://$d/promote.db" "$(pgdb "pgl_$lsize")"
			if grep -q 'Heap exhausted' "$W/$size.pgloader.err" 2>/dev/null; then
				# SBCL's default 1 GB heap is too small for big trees: give it 4 GB,
				# keep the failed attempt in raw.tsv for the record
				sed -i "s/^$size\tpgloader\t/$size\tpgloader_default_heap\t/" "$raw"
				measure "$size" pgloader "default 1 GB heap exhausted; re-run with --dynamic-space-size 4096" \
					pgloader --dynamic-space-size 4096 --quiet "sqlite://$d/promote.db" "$(pgdb "pgl_$lsize")"
			fi
		else na "$size" pgloader "pgloader not installed"; fi
	else
		for t in migrate_pg psql_copy promote pgloader; do na "$size" "$t" "no PostgreSQL server"; done
	fi
	rm -rf "$d/restored" "$d/restored0"
	[ "$keep" = 1 ] || rm -rf "$d"
done

cp "$raw" "$cache/last-raw.tsv"
load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
python3 "$here/report.py" --raw "$raw" --work "$W" --out "$here" \
	--schema-note "$schema_note" --msg-rule "$msg_rule" --seed "$seed" --corrupt "$corrupt" \
	--skipped "$skips" --load "${load_start:-?} at start, ${load_end:-?} at the end" || exit 3
say "wrote $here/results.md, $here/stages.svg, $here/throughput.svg"
