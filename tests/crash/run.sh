#!/bin/sh
# run.sh - kill -9 harness: wsmigrate killed at random points of a first
# import, an incremental run, a rollback and a migrate --watch, on SQLite
# and PostgreSQL, and every state it leaves checked.  See tests/crash/README.md.
#
#   tests/crash/run.sh [--bin ./wsmigrate] [--kills N] [--backends sqlite,postgres]
#                      [--files N] [--seed S] [--keep]
#
#   --kills N     kills per backend (default 40), spread over the phases
#   --backends    default sqlite,postgres (PostgreSQL: a throwaway server
#                 from tests/pg.sh, always stopped)
#   --files N     size of the generated tree (default 300 data files, plus
#                 a genlayout "mixed" subtree of odd names)
#   --seed S      seed of the tree and of the kill times (default 1)
#   --keep        keep the work folder (/tmp/wsm-crash.*)
#
# Phases, in turn (each from a state S0 prepared once per backend):
#   a   first import: `migrate TREE` into an empty database
#   b   incremental run: `migrate TREE --prune` after ~10% of the files were
#       modified, added and deleted
#   c1  `rollback` of a first import made with --remove-originals
#   c2  `rollback` of an incremental --prune --remove-originals run
#   d   `migrate TREE --watch --prune` while a writer changes the tree
#       (files modified by write-then-rename, files deleted), killed
#       anywhere in its cycles; the tables must equal a clean run over the
#       tree the ledger's last committed run saw, and the next plain
#       migrate a clean run over the final tree
# For each phase a clean reference run of the step (and of the step run
# again) gives the expected states and the run's duration; each kill comes
# after a delay drawn from [0, duration] with extra mass near the end.
# After each kill:
#   1. database integrity (SQLite PRAGMA integrity_check; PostgreSQL: the
#      server answers, the killed session is gone, amcheck on every index
#      when available);
#   2. every table (data, history, ledger) equals the state before the
#      killed run or the state after the reference run, never a mix (a
#      deterministic dump: ordered rows, run ids as ranks, times and
#      archive names as present/absent);
#   3. the next run (the same step again) ends as the matching clean
#      reference run: same exit status, counts and tables;
#   4. after it no orphan remains in the backup folder (only archives the
#      ledger knows, no *.partial, no *.uncommitted), and
#      `backups verify --db` passes;
#   5. migrate never touched the tree; after a killed rollback, the second
#      rollback leaves the tree byte-identical to the tree before the
#      --remove-originals run (sha256, mode and mtime of every file, no
#      extra file).
# Prints a summary per backend and phase; exit 1 when any check failed.
set -u

BIN=./wsmigrate
KILLS=40
BACKENDS=sqlite,postgres
FILES=300
SEED=1
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) BIN=$2; shift 2 ;;
	--kills) KILLS=$2; shift 2 ;;
	--backends) BACKENDS=$2; shift 2 ;;
	--files) FILES=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) echo "crash: unknown option $1" >&2; exit 2 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
[ -x "$BIN" ] || { echo "crash: '$BIN' is not built (make all)" >&2; exit 2; }
SCHEMA="$ROOT/schema"
export NO_COLOR=1 PGTZ=UTC TZ=UTC

echo "== crash harness: kill -9 during migrate, incremental runs, rollback and --watch ($KILLS kills per backend: $BACKENDS)"
for tool in sqlite3 jq sha256sum cc; do
	command -v $tool >/dev/null 2>&1 || { echo "crash: '$tool' is missing (make deps)" >&2; exit 2; }
done

# scenarios of known defects not fixed yet: listed, not run
for p in tests/crash/pending/*.sh; do
	[ -f "$p" ] || continue
	echo "PENDING $p: $(sed -n 's/^# [^ ]* - //p' "$p" | head -n 1) (not run)"
done

WORK=$(mktemp -d /tmp/wsm-crash.XXXXXX)
chmod 755 "$WORK"
PGDIR=
failures=0
cleanup() {
	[ -n "$PGDIR" ] && tests/pg.sh stop "$PGDIR" >/dev/null 2>&1
	if [ $KEEP = 1 ] || [ $failures -gt 0 ]; then
		echo "crash: work folder kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "crash: $*"; }
fail() {
	failures=$((failures + 1))
	echo "FAIL [$backend $phase #$iter, delay ${delay:-?}s]: $*"
	fails_of_phase=$((fails_of_phase + 1))
}

# ------------------------------------------------------------- the tree
# tests/bench/gen.c (the sample's shapes; every file fits the default
# manifest) plus a genlayout "mixed" subtree (spaces, non-ASCII names, BOMs,
# files no rule matches).  One JSON file in 30 is held out of T0; phase b
# adds it back.
cc -O2 -o "$WORK/gen" tests/bench/gen.c || exit 2
"$WORK/gen" "$WORK/T0" --files "$FILES" --seed "$SEED" 2>/dev/null || { echo "crash: gen failed" >&2; exit 2; }
GENLAYOUT=$(dirname "$BIN")/tools/genlayout
[ -x "$GENLAYOUT" ] || GENLAYOUT="$ROOT/build/tools/genlayout"
[ -x "$GENLAYOUT" ] || GENLAYOUT="$ROOT/build-test/tools/genlayout"
if [ -x "$GENLAYOUT" ]; then
	"$GENLAYOUT" -q --layout mixed --files 40 --seed "$SEED" --out "$WORK/mixed" &&
		cp -a "$WORK/mixed" "$WORK/T0/extra" && rm -rf "$WORK/mixed"
else
	say "genlayout not built (make build/tools/genlayout): the tree has no odd names"
fi
(cd "$WORK/T0" && find . -type f -name '*.json' | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/json.list"
awk -v s="$SEED" '(NR + s) % 30 == 0' "$WORK/json.list" >"$WORK/held.list"
while IFS= read -r f; do
	mkdir -p "$WORK/held/$(dirname "$f")"
	mv "$WORK/T0/$f" "$WORK/held/$f"
done <"$WORK/held.list"
(cd "$WORK/T0" && find . -type f -name '*.json' | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/json.list"
say "tree: $(find "$WORK/T0" -type f | wc -l) files ($(wc -l <"$WORK/json.list") JSON), $(wc -l <"$WORK/held.list") held out for phase b"

# phase b's change of the tree: one file in 30 modified (bytes appended),
# one in 30 deleted, the held-out files added
mutate_tree() {
	awk -v s="$SEED" '(NR + s) % 30 == 10' "$WORK/json.list" | while IFS= read -r f; do
		printf ' \n' >>"$W/tree/$f"
	done
	awk -v s="$SEED" '(NR + s) % 30 == 20' "$WORK/json.list" | while IFS= read -r f; do
		rm -f "$W/tree/$f"
	done
	cp -a "$WORK/held/." "$W/tree/"
}

# ------------------------------------------------------------ databases
W="$WORK/w"          # the working state: $W/tree, $W/backups, the database
SNAP="$WORK/snap"
mkdir -p "$SNAP"

db_url() {
	case $backend in
	sqlite) echo "sqlite:$W/db.sqlite" ;;
	postgres) echo "$PG_BASE/crash_w" ;;
	esac
}
psql_admin() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$PG_BASE/postgres" -c "$1"; }
psql_w() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$PG_BASE/crash_w" "$@"; }

# The killed client's server session must be gone before the next step
# (it holds the run's advisory lock until the server notices).
pg_wait_idle() {
	i=0
	while [ $i -lt 100 ]; do
		n=$(psql_admin "SELECT count(*) FROM pg_stat_activity WHERE datname = 'crash_w'") || return 1
		[ "$n" = 0 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# snap_save NAME / snap_load NAME: the whole working state
snap_save() {
	rm -rf "${SNAP:?}/$1"
	mkdir -p "$SNAP/$1"
	cp -a "$W/tree" "$W/backups" "$SNAP/$1/"
	case $backend in
	sqlite) for f in "$W"/db.sqlite*; do [ -e "$f" ] && cp -a "$f" "$SNAP/$1/"; done ;;
	postgres)
		psql_admin "DROP DATABASE IF EXISTS \"crash_s_$1\"" &&
			psql_admin "CREATE DATABASE \"crash_s_$1\" TEMPLATE crash_w" ;;
	esac
}
snap_load() {
	rm -rf "$W"
	mkdir -p "$W"
	cp -a "$SNAP/$1/tree" "$SNAP/$1/backups" "$W/"
	case $backend in
	sqlite) for f in "$SNAP/$1"/db.sqlite*; do [ -e "$f" ] && cp -a "$f" "$W/"; done ;;
	postgres)
		psql_admin "DROP DATABASE IF EXISTS crash_w WITH (FORCE)" &&
			psql_admin "CREATE DATABASE crash_w TEMPLATE \"crash_s_$1\"" ;;
	esac
}

# Volatile columns are dumped as "present or absent": times, archive names
# and sha256s (the archive holds its creation time), sequence numbers.
# Run ids become the run's rank in wsm_runs.
VOLATILE="started_at finished_at rolled_back_at archive_path archive_sha256 seq _hist_seq"
RUNIDS="_run_id _superseded_by run_id"

# dump_db OUT: every table, deterministic, to OUT
dump_db() {
	out=$1
	case $backend in
	sqlite)
		if [ ! -f "$W/db.sqlite" ]; then
			: >"$out"
			return 0
		fi
		sqlite3 -batch "$W/db.sqlite" "SELECT m.name, p.name FROM sqlite_master m,
			pragma_table_info(m.name) p WHERE m.type = 'table'
			AND m.name NOT LIKE 'sqlite%' ORDER BY m.name, p.cid" >"$out.cols" || return 1 ;;
	postgres)
		psql_w -F '|' -c "SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = 'public' ORDER BY table_name, ordinal_position" >"$out.cols" ||
			return 1 ;;
	esac
	awk -F'|' -v be="$backend" -v vol="$VOLATILE" -v rid="$RUNIDS" -v loose="${LOOSE:-0}" '
	BEGIN { nv = split(vol, v, " "); for (i = 1; i <= nv; i++) isvol[v[i]] = 1
		nr = split(rid, r, " "); for (i = 1; i <= nr; i++) isrid[r[i]] = 1 }
	function q(s) { return "\"" s "\"" }
	function flush() {
		if (t == "") return
		printf "SELECT %s;\n", "'\''== " t "'\''"
		printf "WITH runmap AS (SELECT id, row_number() OVER (ORDER BY seq) AS n FROM wsm_runs) "
		printf "SELECT %s FROM %s ORDER BY ", exprs, q(t)
		for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? ", " : ""), i
		printf ";\n"
	}
	loose && ($1 == "wsm_runs" || $1 == "wsm_files" || $1 == "wsm_warnings") { next }
	{
		if ($1 != t) { flush(); t = $1; exprs = ""; n = 0 }
		c = $2
		if ((c in isvol) || (loose && (c in isrid))) e = "(" q(c) " IS NULL)"
		else if ((c in isrid) || (t == "wsm_runs" && c == "id"))
			e = "(SELECT n FROM runmap WHERE runmap.id = " q(t) "." q(c) ")"
		else if (be == "sqlite") e = "quote(" q(c) ")"
		else e = "quote_nullable(" q(c) "::text)"
		exprs = exprs (n ? ", " : "") e
		n++
	}
	END { flush() }' "$out.cols" >"$out.sql"
	case $backend in
	sqlite) sqlite3 -batch "$W/db.sqlite" <"$out.sql" >"$out" ;;
	postgres) psql_w -F '|' -f "$out.sql" >"$out" ;;
	esac
}

# integrity: 0 when the database is sound
db_integrity() {
	case $backend in
	sqlite)
		[ -f "$W/db.sqlite" ] || return 0
		r=$(sqlite3 -batch "$W/db.sqlite" "PRAGMA integrity_check" 2>&1)
		[ "$r" = ok ] || { echo "integrity_check: $r"; return 1; } ;;
	postgres)
		pg_wait_idle || { echo "the killed client's session is still open after 10 s"; return 1; }
		psql_w -c "SELECT 1" >/dev/null || return 1
		n=$(psql_w -c "SELECT count(*) FROM pg_prepared_xacts") || return 1
		[ "$n" = 0 ] || { echo "$n prepared transactions left"; return 1; }
		if [ "$AMCHECK" = 1 ]; then
			psql_w -c "SELECT bt_index_check(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
				JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace s ON s.oid = c.relnamespace
				WHERE a.amname = 'btree' AND s.nspname = 'public'" >/dev/null ||
				{ echo "amcheck bt_index_check failed"; return 1; }
		fi ;;
	esac
	return 0
}

# tree_list DIR OUT: every file with sha256, mode and mtime; links and
# other non-files listed too
tree_list() {
	(cd "$1" && find . ! -type d -printf '%P %y %m %T@\n' | LC_ALL=C sort >"$2.meta" &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum >"$2.sha")
	cat "$2.meta" "$2.sha" >"$2"
	rm -f "$2.meta" "$2.sha"
}

# backups_clean: only archives (and their manifests) the ledger knows
backups_clean() {
	case $backend in
	sqlite) sqlite3 -batch "$W/db.sqlite" "SELECT archive_path FROM wsm_runs WHERE archive_path <> ''" ;;
	postgres) psql_w -c "SELECT archive_path FROM wsm_runs WHERE archive_path <> ''" ;;
	esac >"$WORK/known" 2>/dev/null || : >"$WORK/known"
	bad=
	for f in "$W"/backups/* "$W"/backups/.[!.]*; do
		[ -e "$f" ] || continue
		b=${f##*/}
		case $b in
		*.tar.zst) grep -qxF "$W/backups/$b" "$WORK/known" || bad="$bad $b" ;;
		*.manifest.json) grep -qxF "$W/backups/${b%.manifest.json}.tar.zst" "$WORK/known" || bad="$bad $b" ;;
		*) bad="$bad $b" ;;
		esac
	done
	[ -z "$bad" ] || { echo "left in the backup folder:$bad"; return 1; }
	return 0
}

# backups_state: counts of what a kill left in the backup folder
# verify_and_tree EXPECTED WHAT: after the next run, `backups verify --db`
# passes and the tree ($W/tree) lists as EXPECTED (a tree_list file), WHAT
# naming it in the failure.
verify_and_tree() {
	"$BIN" backups verify --db "$(db_url)" >"$WORK/v.out" 2>&1 ||
		{ fail "backups verify failed:"; head -n 5 "$WORK/v.out" | sed 's/^/    /'; }
	[ "$backend" = postgres ] && pg_wait_idle
	tree_list "$W/tree" "$WORK/n.tree"
	cmp -s "$WORK/n.tree" "$1" ||
		{ fail "the tree differs from $2:"
		  diff "$1" "$WORK/n.tree" | head -n 10 | sed 's/^/    /'; }
}

backups_state() {
	np=$(find "$W/backups" -name '*.partial' | wc -l)
	nu=$(find "$W/backups" -name '*.uncommitted' | wc -l)
	echo "$np $nu"
}

# the step of each phase, as arguments to wsmigrate
step_args() {
	case $1 in
	a) echo "migrate $W/tree --db $(db_url) --schema $SCHEMA --backup-dir $W/backups --on-invalid skip --format json" ;;
	b) echo "migrate $W/tree --db $(db_url) --schema $SCHEMA --backup-dir $W/backups --on-invalid skip --prune --format json" ;;
	c1|c2) echo "rollback --run $(cat "$SNAP/$1.run") --db $(db_url)" ;;
	d) echo "migrate $W/tree --db $(db_url) --schema $SCHEMA --backup-dir $W/backups --on-invalid skip --prune --format json --watch --settle 150" ;;
	esac
}
# the counts of a migrate's JSON summary (or the rollback's output line)
summary_of() {
	case $phase in
	a|b) jq -c '{committed, files_seen, imported, unchanged, skipped, invalid, deleted, ignored, rows, bytes}' "$1" 2>/dev/null || echo none ;;
	*) # restored + identical files (a killed rollback restored some already), rows
	   sed -n 's/^rolled back run [^:]*: \([0-9]*\) files restored, \([0-9]*\) already identical; \(.*\)$/\1 \2 \3/p' "$1" |
		awk '{ n = $1 + $2; $1 = ""; $2 = ""; print n " files" $0 }' ;;
	esac
}

now_ms() { date +%s%3N; }

# run_ref NAME: run the phase's step cleanly; keep status, output, dump
run_ref() {
	t0=$(now_ms)
	# shellcheck disable=SC2046
	"$BIN" $(step_args "$phase") >"$SNAP/$phase.$1.out" 2>"$SNAP/$phase.$1.err"
	echo $? >"$SNAP/$phase.$1.status"
	echo $(( $(now_ms) - t0 )) >"$SNAP/$phase.$1.ms"
	[ $backend = postgres ] && pg_wait_idle
	dump_db "$SNAP/$phase.$1.dump" || { echo "crash: cannot dump the database" >&2; exit 3; }
	summary_of "$SNAP/$phase.$1.out" >"$SNAP/$phase.$1.sum"
}

# time_step: milliseconds of one clean run of the step from S0
time_step() {
	snap_load "$phase.s0"
	t0=$(now_ms)
	# shellcheck disable=SC2046
	"$BIN" $(step_args "$phase") >/dev/null 2>&1
	echo $(( $(now_ms) - t0 ))
	[ $backend = postgres ] && pg_wait_idle
}

# prepare PHASE: S0 snapshot, expected tree, reference runs
prepare() {
	phase=$1
	note=
	case $phase in
	a)
		rm -rf "$W"; mkdir -p "$W/backups"
		cp -a "$WORK/T0" "$W/tree"
		if [ $backend = postgres ]; then
			psql_admin "DROP DATABASE IF EXISTS crash_w WITH (FORCE)" &&
				psql_admin "CREATE DATABASE crash_w" || exit 3
		fi
		tree_list "$W/tree" "$SNAP/$phase.tree"
		snap_save a.s0 ;;
	b)
		snap_load a.after
		mutate_tree
		tree_list "$W/tree" "$SNAP/$phase.tree"
		snap_save b.s0 ;;
	c1|c2)
		if [ $phase = c1 ]; then snap_load a.s0; else snap_load b.s0; fi
		tree_list "$W/tree" "$SNAP/$phase.tree"
		n0=$(find "$W/tree" -type f | wc -l)
		# shellcheck disable=SC2046
		"$BIN" migrate "$W/tree" --db "$(db_url)" --schema "$SCHEMA" --backup-dir "$W/backups" \
			--on-invalid skip --remove-originals $( [ $phase = c2 ] && echo --prune ) \
			--format json >"$SNAP/$phase.prep.out" 2>"$SNAP/$phase.prep.err"
		jq -r .run_id "$SNAP/$phase.prep.out" >"$SNAP/$phase.run"
		note=", after a --remove-originals run that removed $((n0 - $(find "$W/tree" -type f | wc -l))) files"
		[ $backend = postgres ] && pg_wait_idle
		snap_save "$phase.s0" ;;
	d) prepare_d; return ;;
	esac
	dump_db "$SNAP/$phase.s0.dump" || exit 3
	snap_load "$phase.s0"
	run_ref after
	tree_list "$W/tree" "$WORK/ref.tree"
	if ! cmp -s "$WORK/ref.tree" "$SNAP/$phase.tree"; then
		echo "FAIL [$backend $phase reference]: the clean step did not leave the expected tree"
		diff "$SNAP/$phase.tree" "$WORK/ref.tree" | head -n 10 | sed 's/^/    /'
		failures=$((failures + 1))
	fi
	case $phase in
	c1|c2) [ "$(cat "$SNAP/$phase.after.status")" = 0 ] ||
		{ echo "FAIL [$backend $phase reference]: rollback failed:"; cat "$SNAP/$phase.after.err"; failures=$((failures + 1)); } ;;
	esac
	if cmp -s "$SNAP/$phase.s0.dump" "$SNAP/$phase.after.dump"; then
		echo "FAIL [$backend $phase reference]: the clean step changed no table: the checks would prove nothing"
		failures=$((failures + 1))
	fi
	snap_save "$phase.after"
	run_ref rerun
	# the kill times follow the median of three clean runs of the step
	t1=$(time_step) t2=$(time_step)
	printf '%s\n' "$(cat "$SNAP/$phase.after.ms")" "$t1" "$t2" | sort -n | sed -n 2p >"$SNAP/$phase.ms"
	say "$backend $phase: clean step $(cat "$SNAP/$phase.ms") ms (exit $(cat "$SNAP/$phase.after.status"), $(grep -vc '^== ' "$SNAP/$phase.after.dump") lines of table dump), again $(cat "$SNAP/$phase.rerun.ms") ms (exit $(cat "$SNAP/$phase.rerun.status"))$note"
}

# Phase d.  The writer's steps ($WORK/d.steps, "mod PATH" or "del PATH"):
# one JSON file in 30 modified (its new version, with a fixed mtime, is
# copied next to the tree and renamed into place), one in 30 deleted; each
# file changes at most once, so a clean run from S0 over any tree the
# watcher saw gives the same tables as the watcher's runs (run ids aside).
# Bursts: a pause longer than --settle after every third step.
d_steps() {
	[ -f "$WORK/d.steps" ] && return 0
	mkdir -p "$WORK/dpool" "$WORK/dtmp"
	grep -E '^[A-Za-z0-9_./-]+$' "$WORK/json.list" |
		awk -v s="$SEED" '(NR + s) % 30 == 5 { print "mod " $0 } (NR + s) % 30 == 25 { print "del " $0 }' \
		>"$WORK/d.steps"
	i=0
	while read -r op f; do
		i=$((i + 1))
		[ $op = mod ] || continue
		cp -a "$WORK/T0/$f" "$WORK/dpool/$i"
		printf '  \n' >>"$WORK/dpool/$i"
		touch -m -d "@$(( $(stat -c %Y "$WORK/T0/$f") + 7 ))" "$WORK/dpool/$i"
	done <"$WORK/d.steps"
}
# d_apply [PAUSE]: the writer, on $W/tree (with pauses when PAUSE=1)
d_apply() {
	i=0
	while read -r op f; do
		i=$((i + 1))
		case $op in
		mod) cp -a "$WORK/dpool/$i" "$WORK/dtmp/$i" && mv "$WORK/dtmp/$i" "$W/tree/$f" ;;
		del) rm -f "$W/tree/$f" ;;
		esac
		if [ "${1:-0}" = 1 ]; then
			if [ $((i % 3)) = 0 ]; then sleep 0.25; else sleep 0.03; fi
		fi
	done <"$WORK/d.steps"
}
# d_tree_of_ledger: $W/tree made the tree the last committed run saw (every
# run lists each file it saw, unchanged ones too: a changed path's row in
# that run gives its version; no row, deleted)
d_tree_of_ledger() {
	sql="SELECT path, sha256 FROM wsm_files WHERE run_id = (SELECT id FROM wsm_runs
		WHERE status = 'committed' ORDER BY seq DESC LIMIT 1)"
	case $backend in
	sqlite) sqlite3 -batch "$W/db.sqlite" "$sql" ;;
	postgres) psql_w -F '|' -c "$sql" ;;
	esac >"$WORK/d.latest" || return 1
	i=0
	while read -r op f; do
		i=$((i + 1))
		row=$(awk -F'|' -v p="$f" '$1 == p' "$WORK/d.latest")
		case $op in
		mod) [ "$(echo "$row" | cut -d'|' -f2)" = "$(sha256sum <"$WORK/dpool/$i" | cut -c1-64)" ] &&
			cp -a "$WORK/dpool/$i" "$W/tree/$f" ;;
		del) [ -z "$row" ] && rm -f "$W/tree/$f" ;;
		esac
	done <"$WORK/d.steps"
	return 0
}
# (LOOSE=1 dump_db: run ids as present/absent, and the per-run tables
# wsm_runs, wsm_files and wsm_warnings left out)
# d_ref OUT: a clean `migrate --prune` from S0 over the tree now in $W/tree
# (the database only), the loose dump to OUT
d_ref() {
	mv "$W/tree" "$WORK/d.reftree"
	snap_load d.s0
	rm -rf "$W/tree"
	mv "$WORK/d.reftree" "$W/tree"
	"$BIN" migrate "$W/tree" --db "$(db_url)" --schema "$SCHEMA" --backup-dir "$W/backups" \
		--on-invalid skip --prune -q >"$WORK/d.ref.out" 2>&1
	echo $? >"$1.status"
	[ $backend = postgres ] && pg_wait_idle
	LOOSE=1 dump_db "$1"
}
prepare_d() {
	d_steps
	snap_load a.after
	snap_save d.s0
	LOOSE=1 dump_db "$SNAP/d.s0.ldump" || exit 3
	d_apply
	tree_list "$W/tree" "$SNAP/d.tree"
	d_ref "$SNAP/d.final.ldump"
	[ "$(cat "$SNAP/d.final.ldump.status")" = 0 ] ||
		{ echo "FAIL [$backend d reference]: the clean run failed"; failures=$((failures + 1)); }
	cmp -s "$SNAP/d.s0.ldump" "$SNAP/d.final.ldump" &&
		{ echo "FAIL [$backend d reference]: the writer's changes changed no table"; failures=$((failures + 1)); }
	# the kill comes within the first run and the writer's time, and a
	# little beyond (the last runs)
	t0=$(now_ms)
	snap_load d.s0
	d_apply 1
	ms=$(( $(now_ms) - t0 ))
	snap_load d.s0
	t0=$(now_ms)
	"$BIN" migrate "$W/tree" --db "$(db_url)" --schema "$SCHEMA" --backup-dir "$W/backups" \
		--on-invalid skip --prune -q >/dev/null 2>&1
	ms=$(( ms + $(now_ms) - t0 + 600 ))
	[ $backend = postgres ] && pg_wait_idle
	echo $ms >"$SNAP/d.ms"
	say "$backend d: $(wc -l <"$WORK/d.steps") writer steps, kills within $ms ms"
}

# one kill of phase d: a watcher and a writer, the kill anywhere
kill_once_d() {
	fails_of_phase=0
	snap_load d.s0
	ms=$(cat "$SNAP/d.ms")
	delay=$(awk -v ms="$ms" -v seed=$((SEED * 100003 + iter)) 'BEGIN { srand(seed); printf "%.3f", rand() * ms / 1000 }')
	# shellcheck disable=SC2046
	"$BIN" $(step_args d) >"$WORK/k.out" 2>"$WORK/k.err" &
	pid=$!
	d_apply 1 &
	wpid=$!
	sleep "$delay"
	if kill -9 $pid 2>/dev/null; then killed=1; else killed=0; fi
	wait $pid 2>/dev/null
	kst=$?
	[ $killed = 1 ] && [ $kst -ne 137 ] && killed=0
	wait $wpid
	if ! msg=$(db_integrity); then
		fail "database integrity after the kill: $msg"
	fi
	# the tables equal a clean run over the tree of the last committed run
	LOOSE=1 dump_db "$WORK/k.dump" || fail "cannot read the database after the kill"
	nruns=$(case $backend in
		sqlite) sqlite3 -batch "$W/db.sqlite" "SELECT count(*) FROM wsm_runs WHERE status = 'committed'" ;;
		postgres) psql_w -c "SELECT count(*) FROM wsm_runs WHERE status = 'committed'" ;;
		esac)
	# shellcheck disable=SC2046
	set -- $(backups_state)
	left_partial=$1 left_marker=$2
	snap_save d.killed
	rm -rf "$W/tree"
	cp -a "$WORK/T0" "$W/tree"
	d_tree_of_ledger || fail "cannot read the ledger after the kill"
	d_ref "$WORK/k.ref"
	state=before
	[ "$nruns" -gt 1 ] && state=after
	cmp -s "$WORK/k.dump" "$WORK/k.ref" ||
		{ state=mixed
		  fail "tables after the kill differ from a clean run over the tree the last committed run saw:"
		  diff "$WORK/k.ref" "$WORK/k.dump" | head -n 10 | sed 's/^/    /'; }
	snap_load d.killed
	# the next plain run equals the clean run over the final tree
	"$BIN" migrate "$W/tree" --db "$(db_url)" --schema "$SCHEMA" --backup-dir "$W/backups" \
		--on-invalid skip --prune --format json >"$WORK/n.out" 2>"$WORK/n.err"
	nst=$?
	[ $backend = postgres ] && pg_wait_idle
	[ $nst = 0 ] || { fail "the next run exited $nst"; sed 's/^/    /' "$WORK/n.err" | head -n 5; }
	LOOSE=1 dump_db "$WORK/n.dump"
	cmp -s "$WORK/n.dump" "$SNAP/d.final.ldump" ||
		{ fail "tables after the next run differ from a clean run over the final tree:"
		  diff "$SNAP/d.final.ldump" "$WORK/n.dump" | head -n 10 | sed 's/^/    /'; }
	msg=$(backups_clean) || fail "after the next run: $msg"
	grep -qE 'never committed|interrupted run' "$WORK/n.err" && cleaned=1 || cleaned=0
	verify_and_tree "$SNAP/d.tree" "the writer's final tree"
	echo "$backend $phase $killed $state $left_partial $left_marker $cleaned $fails_of_phase" >>"$WORK/tally"
	[ "${VERBOSE:-0}" = 1 ] && echo "   $backend d #$iter delay ${delay}s of ${ms}ms: killed=$killed committed runs=$nruns state=$state partial=$left_partial marker=$left_marker cleaned=$cleaned"
	[ $fails_of_phase -eq 0 ] || cp -a "$W" "$WORK/failed-$backend-$phase-$iter" 2>/dev/null
	return 0
}

# delay_for MS ITER: seconds to wait before the kill: 65% uniform over the
# clean run, 35% in its last quarter and a little beyond (the archive's
# fsync, the commit, the exit)
delay_for() {
	awk -v ms="$1" -v seed="$2" 'BEGIN { srand(seed); r = rand(); u = rand()
		d = (r < 0.65) ? u * ms : ms * (0.75 + 0.3 * u)
		printf "%.3f", d / 1000 }'
}

# one kill of phase $phase, iteration $iter
kill_once() {
	fails_of_phase=0
	snap_load "$phase.s0"
	ms=$(cat "$SNAP/$phase.ms")
	delay=$(delay_for "$ms" $((SEED * 100003 + iter)))
	# shellcheck disable=SC2046
	"$BIN" $(step_args "$phase") >"$WORK/k.out" 2>"$WORK/k.err" &
	pid=$!
	sleep "$delay"
	if kill -9 $pid 2>/dev/null; then killed=1; else killed=0; fi
	wait $pid 2>/dev/null
	kst=$?
	[ $killed = 1 ] && [ $kst -ne 137 ] && killed=0   # it had exited already

	# 1. integrity
	if ! msg=$(db_integrity); then
		fail "database integrity after the kill: $msg"
	fi
	# 2. before or after, never a mix
	dump_db "$WORK/k.dump" || fail "cannot read the database after the kill"
	if cmp -s "$WORK/k.dump" "$SNAP/$phase.s0.dump"; then
		state=before
	elif cmp -s "$WORK/k.dump" "$SNAP/$phase.after.dump"; then
		state=after
	else
		state=mixed
		fail "tables after the kill are neither the state before nor after the run:"
		diff "$SNAP/$phase.s0.dump" "$WORK/k.dump" | head -n 8 | sed 's/^/    before: /'
		diff "$SNAP/$phase.after.dump" "$WORK/k.dump" | head -n 8 | sed 's/^/    after:  /'
	fi
	# shellcheck disable=SC2046
	set -- $(backups_state)
	left_partial=$1 left_marker=$2
	# 3. the next run
	# shellcheck disable=SC2046
	"$BIN" $(step_args "$phase") >"$WORK/n.out" 2>"$WORK/n.err"
	nst=$?
	[ $backend = postgres ] && pg_wait_idle
	ref=after
	[ $state = after ] && ref=rerun
	[ $state = mixed ] || {
		[ "$nst" = "$(cat "$SNAP/$phase.$ref.status")" ] ||
			{ fail "the next run exited $nst, the clean reference $(cat "$SNAP/$phase.$ref.status")"; sed 's/^/    /' "$WORK/n.err" | head -n 5; }
		summary_of "$WORK/n.out" >"$WORK/n.sum"
		cmp -s "$WORK/n.sum" "$SNAP/$phase.$ref.sum" ||
			fail "the next run's counts differ from the reference: $(cat "$WORK/n.sum") vs $(cat "$SNAP/$phase.$ref.sum")"
		dump_db "$WORK/n.dump"
		cmp -s "$WORK/n.dump" "$SNAP/$phase.$ref.dump" ||
			{ fail "tables after the next run differ from the clean reference run:"
			  diff "$SNAP/$phase.$ref.dump" "$WORK/n.dump" | head -n 10 | sed 's/^/    /'; }
	}
	# 4. backups
	msg=$(backups_clean) || fail "after the next run: $msg"
	case $phase in
	a|b) grep -qE 'never committed|interrupted run' "$WORK/n.err" && cleaned=1 || cleaned=0 ;;
	*) cleaned=0 ;;
	esac
	# 5. the tree
	verify_and_tree "$SNAP/$phase.tree" "the expected one after the next run"

	# tallies: backend phase killed state partial marker cleaned failed
	echo "$backend $phase $killed $state $left_partial $left_marker $cleaned $fails_of_phase" >>"$WORK/tally"
	[ "${VERBOSE:-0}" = 1 ] && echo "   $backend $phase #$iter delay ${delay}s of ${ms}ms: killed=$killed state=$state partial=$left_partial marker=$left_marker cleaned=$cleaned"
	[ $fails_of_phase -eq 0 ] || cp -a "$W" "$WORK/failed-$backend-$phase-$iter" 2>/dev/null
	return 0
}

# ------------------------------------------------------------- the runs
: >"$WORK/tally"
for backend in $(echo "$BACKENDS" | tr ',' ' '); do
	case $backend in
	sqlite) ;;
	postgres)
		PGDIR=$(mktemp -d /tmp/wsm-crash-pg.XXXXXX)
		if ! out=$(tests/pg.sh start "$PGDIR" 2>"$WORK/pg.err"); then
			echo "SKIP: crash harness on PostgreSQL: the server did not start:"
			tail -n 3 "$WORK/pg.err" | sed 's/^/    /'
			continue
		fi
		eval "$out"
		PGOPTIONS="-c client_min_messages=warning"
		export PGOPTIONS
		PG_BASE=$(echo "$WSM_TEST_PG_URL" | sed 's|/[^/]*$||')
		AMCHECK=0
		psql_admin "CREATE EXTENSION IF NOT EXISTS amcheck" >/dev/null 2>&1 &&
			psql -X -q -d "$PG_BASE/template1" -c "CREATE EXTENSION IF NOT EXISTS amcheck" >/dev/null 2>&1 &&
			AMCHECK=1 ;;
	*) echo "crash: unknown backend '$backend'" >&2; exit 2 ;;
	esac
	t_start=$(date +%s)
	for phase in a b c1 c2 d; do
		prepare $phase
	done
	iter=0
	while [ $iter -lt "$KILLS" ]; do
		case $((iter % 5)) in 0) phase=a ;; 1) phase=b ;; 2) phase=c1 ;; 3) phase=c2 ;; 4) phase=d ;; esac
		iter=$((iter + 1))
		if [ $phase = d ]; then kill_once_d; else kill_once; fi
	done
	say "$backend: $KILLS kills in $(( $(date +%s) - t_start )) s"
	if [ $backend = postgres ]; then
		tests/pg.sh stop "$PGDIR" >/dev/null 2>&1
		PGDIR=
	fi
done

echo
printf '%-9s %-6s %6s %7s %7s %6s %9s %8s %9s %7s\n' backend phase kills killed before after \
	orphans markers "cleaned" failed
awk '{ k = $1 " " $2; n[k]++; kd[k] += $3; b[k] += ($4 == "before"); a[k] += ($4 == "after")
       p[k] += $5; m[k] += $6; c[k] += $7; f[k] += ($8 > 0)
       if (!(k in seen)) { seen[k] = 1; order[++no] = k } }
     END { for (i = 1; i <= no; i++) { k = order[i]; split(k, x, " ")
       printf "%-9s %-6s %6d %7d %7d %6d %9d %8d %9d %7d\n", x[1], x[2], n[k], kd[k], b[k], a[k], p[k], m[k], c[k], f[k] } }' \
	"$WORK/tally"
awk '{ n[$1]++; f[$1] += ($8 > 0) } END { for (b in n) printf "%s: %d kills, %d survived, %d failed\n", b, n[b], n[b] - f[b], f[b] }' "$WORK/tally" | sort
echo "(killed: the process was still running when killed; before/after: the state the kill left;"
echo " orphans, markers: *.partial files and .uncommitted markers the kill left; cleaned: next runs that said they removed one)"
# the scenario of a fixed defect, once (issue 12, defect 1)
if sh tests/crash/rollback-lock.sh --bin "$BIN" > "$WORK/rollback-lock.log" 2>&1; then
	echo "PASS tests/crash/rollback-lock.sh: $(head -n 1 "$WORK/rollback-lock.log")"
else
	failures=$((failures + 1))
	echo "FAIL tests/crash/rollback-lock.sh:"
	sed 's/^/    /' "$WORK/rollback-lock.log"
fi
[ $failures -eq 0 ]
