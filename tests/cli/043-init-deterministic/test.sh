# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
. "$WSM_ROOT/tests/cli/lib_inittree.sh"
# the same tree gives the same bytes (twice, and from another place);
# the files are readable (2-space indentation, no tabs, a final newline)
# and self-consistent (every schema named exists and accepts its files)
make_tree tree 1
wsm init tree -o d1
expect_status 0
wsm init tree -o d2
expect_status 0
diff -r d1 d2 > diff.txt || { cat diff.txt; fail "two runs differ"; }
cp -a tree elsewhere-tree
touch elsewhere-tree/crew/alice/profile.json
wsm init elsewhere-tree -o d3
expect_status 0
diff -r d1 d3 > diff.txt || { cat diff.txt; fail "a copy of the tree gives other bytes"; }
grep -l "$(printf '\t')" d1/*.json && fail "tab in output"
grep -n ' $' d1/*.json && fail "trailing blanks in output"
for f in d1/*.json; do
	jq empty "$f" || fail "$f is not JSON"
	[ "$(tail -c 1 "$f" | xxd -p)" = 0a ] || fail "$f has no final newline"
done
grep -q '^  "rules": \[$' d1/migration.json || fail "manifest not indented by 2"
for s in $(jq -r '.rules[] | select(.schema) | .schema' d1/migration.json); do
	[ -f "d1/$s" ] || fail "schema $s missing"
done
[ "$(ls d1 | wc -l)" -eq $(($(jq '[.rules[] | select(.schema)] | length' d1/migration.json) + 1)) ] ||
	fail "extra files in the output"
# the jobs schema accepts every clean job and refuses the broken one
wsm validate --against d1/jobs.schema.json $(ls tree/crew/*/jobs/*.json | grep -v JOB-1999)
expect_status 0
wsm validate tree --schema d1 --format json
expect_status 1
expect_eq "$(jget .invalid)" 1 validate_invalid
