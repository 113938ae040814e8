. "$WSM_ROOT/tests/cli/lib.sh"
# (issue 13) every list of files in migrate and validate JSON holds
# objects with a `path`, so a name that is not UTF-8 keeps its exact bytes
# in `path_base64` there too: the catch-all and ignored file lists.
LAT=$(printf 'l\351t')                       # Latin-1, not UTF-8
mkdir -p tree/notes tree/app/node_modules/x
printf '{"n": 1}\n' > "tree/notes/$LAT.json"
printf '{"n": 2}\n' > tree/notes/plain.json
printf '{"x": 1}\n' > "tree/app/node_modules/x/$LAT.json"
printf '{"x": 2}\n' > tree/app/node_modules/x/plain.json
bytes() { od -An -c | tr -s ' '; }
check() {   # check LIST DIR: the non-UTF-8 entry of LIST carries DIR/$LAT.json
	jq -e . out.txt >/dev/null || fail "$1: invalid JSON"
	expect_eq "$(jq -r ".$1 | map(.path) | length" out.txt)" 2 "$1 entries"
	expect_eq "$(jq -r ".$1[] | select(.path == \"$2/plain.json\") | has(\"path_base64\")" out.txt)" \
		false "$1: a UTF-8 name has no path_base64"
	b=$(jq -r "[.$1[] | select(.path_base64) | .path_base64][0]" out.txt)
	[ "$b" != null ] || fail "$1: no path_base64"
	expect_eq "$(printf '%s' "$b" | base64 -d | bytes)" "$(printf '%s/%s.json' "$2" "$LAT" | bytes)" \
		"$1: exact bytes"
}
wsm validate tree --schema "$SCHEMA" --format json
expect_status 0
check catch_all_files notes
check ignored_files app/node_modules/x
# migrate: ignored files are never stored, so PostgreSQL (whose text is
# UTF-8 only) need not store the stored file's non-UTF-8 name
rm "tree/notes/$LAT.json"
wsm migrate tree --schema "$SCHEMA" --db "$DB" --format json
expect_status 0
check ignored_files app/node_modules/x
expect_eq "$(q "SELECT count(*) FROM wsm_files")" 1 ledger_files
exit 0
