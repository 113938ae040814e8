. "$WSM_ROOT/tests/cli/lib.sh"
# issue 12, defect 4: entries whose path is too long for the walk are
# reported with their reason, never dropped in silence.  A tree of
# 200-byte folder names, 24 deep (4,800 bytes), with a JSON file at each
# level: every level the walk can name is imported, and the rest is
# reported (invalid, with the reason), so the run does not look complete.
mkdir tree
d=$(printf '%200s' '' | tr ' ' d)
( cd tree || exit 1
  i=0
  while [ $i -lt 24 ]; do
	echo "{\"level\": $i}" > "f$i.json" || exit 1
	mkdir "$d" && cd -P "$d" || exit 1
	i=$((i + 1))
  done ) || skip "this file system cannot hold a path of 4,800 bytes"
wsm migrate tree --db "$DB" --schema "$SCHEMA" --backup-dir backups --on-invalid skip --format json
expect_status 1
imported=$(jget .imported)
invalid=$(jget .invalid)
[ "$imported" -ge 15 ] || fail "imported only $imported levels"
[ "$invalid" -ge 1 ] || fail "nothing reported about the deeper levels"
expect_eq "$(jget .files_seen)" "$((imported + invalid + $(jget .skipped)))" files_seen
# every level is accounted for: imported ones by name, the rest under a
# reported folder or file
jq -r '.invalid_files[].reason' out.txt | grep -q "longer than\|too long" ||
	{ jq .invalid_files out.txt; fail "no reason names the path length"; }
expect_eq "$(q "select count(*) from wsm_files where outcome = 'invalid'")" "$invalid" ledger_invalid

# issue 12, defect 5: file names are bytes.  Names that are not UTF-8 (and
# one holding a character of the private range PostgreSQL text uses to
# carry such bytes) are stored, found again, pruned and restored exactly,
# on both backends.  (The same database: the first run prunes the deep tree.)
rm -rf tree
I=tree/docs
mkdir -p "$I"
n1=$(printf 'caf\351.json')
n2=$(printf '\377\376.json')
n3=$(printf '\357\236\240priv.json')
for n in "$n1" "$n2" "$n3" plain.json; do printf '{"from":"x"}' > "$I/$n"; done
wsm migrate tree --schema "$SCHEMA" --db "$DB" --backup-dir backups --prune --format json
expect_status 0
expect_eq "$(jget .imported)" 4 imported_all
wsm migrate tree --schema "$SCHEMA" --db "$DB" --backup-dir backups --format json
expect_status 0
expect_eq "$(jget .imported)" 0 second_run_imports_nothing
expect_eq "$(jget .unchanged)" 4 second_run_unchanged
expect_eq "$(jget .deleted)" 0 second_run_deletes_nothing
wsm backups verify --db "$DB"
expect_status 0
rm "$I/$n2"
wsm migrate tree --schema "$SCHEMA" --db "$DB" --backup-dir backups --prune --format json
expect_status 0
expect_eq "$(jget .deleted)" 1 pruned_one
expect_eq "$(q "select count(*) from wsm_sources")" 3 sources_left
printf '{"from":"y"}' > "$I/$n1"
wsm migrate tree --schema "$SCHEMA" --db "$DB" --backup-dir backups --remove-originals -q
expect_status 0
[ -e "$I/$n1" ] && fail "--remove-originals kept $n1"
wsm rollback --db "$DB" -q
expect_status 0
[ -f "$I/$n1" ] || fail "not restored under its exact name: $n1"
[ -f "$I/$n3" ] || fail "not restored under its exact name: $n3"
expect_eq "$(cat "$I/$n1")" '{"from":"y"}' restored_content
