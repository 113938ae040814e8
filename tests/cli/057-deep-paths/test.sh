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
