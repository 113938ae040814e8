. "$WSM_ROOT/tests/cli/lib.sh"
# export gives back every imported file byte-identical, with its mode and
# mtime, on both backends and (PostgreSQL) after promote; 23-digit
# integers, emoji, \u escapes, CRLF, odd spacing and key order included
mkdir -p tree/data/deep/er tree/msgs
printf '{"z": 12345678901234567890123, "a": 1, "m": 1e2, "big": 1e400}\n' > tree/data/big.json
printf '%s\360\237\232\200%s' '{"text": "caf\u00e9 \ud83d\ude00 ' '", "esc": "\"\\\/\b\f\n\r\t"}' > tree/data/deep/er/uni.json
printf '{\r\n  "b": 2,\r\n  "a": [1,\r\n 2]\r\n}\r\n' > tree/msgs/crlf.json
printf '  {  "k" :\t[ 1 ,2 ] , "k2":{ } , "b": 1, "a": 2 }  \n\n' > tree/msgs/space.json
printf '[3, 2, 1, {"y": null, "x": true}]' > tree/msgs/array.json
printf '"just a string"' > tree/msgs/scalar.json
chmod 600 tree/msgs/crlf.json
touch -d '2021-02-03 04:05:06.123456789' tree/data/big.json
# sha256, mode and mtime (ns) of every file of a folder, by path
fingerprint() { (cd "$1" && find . -type f | LC_ALL=C sort | while read -r f; do
	printf '%s %s %s\n' "$f" "$(sha256sum < "$f" | cut -c1-64)" "$(stat -c '%a %.9Y' "$f")"; done); }

check_roundtrip() {   # check_roundtrip DBURL OUTDIR
	wsm export --db "$1" --to "$2"
	expect_status 0
	expect_out "6 files"
	expect_out "6 exact"
	fingerprint tree > want.txt
	fingerprint "$2" > got.txt
	diff want.txt got.txt || fail "export of $1 differs from the tree"
}

wsm migrate tree --db "$DB" --schema "$SCHEMA" -q
expect_status 0
expect_eq "$(q "select count(*) from wsm_files where outcome = 'imported'")" 6 imported
check_roundtrip "$DB" out1

# a non-empty target is refused without --force, and nothing is written
wsm export --db "$DB" --to out1
expect_status 2
expect_err "not empty"
# --force writes again (same result); --format json counts the same
wsm export --db "$DB" --to out1 --force --format json
expect_status 0
expect_eq "$(jget .files)" 6 json_files
expect_eq "$(jget .exact)" 6 json_exact
expect_eq "$(jget '.changed_files | length')" 0 json_changed

# --table / --rule select; an unknown one is a usage error
wsm export --db "$DB" --to out2 --rule documents
expect_status 0
wsm export --db "$DB" --to out3 --table nosuch
expect_status 2

if [ "$WSM_BACKEND" = postgres ]; then
	# after promote: SQLite -> PostgreSQL keeps the bytes too
	wsm migrate tree --db "sqlite:$WSM_WORK/src.db" --schema "$SCHEMA" -q --backup-dir bk2
	expect_status 0
	DB2=$(echo "$DB" | sed "s|/\([^/?]*\)\(?.*\)\{0,1\}$|/\1_p\2|")
	psql -q -X -d "$WSM_TEST_PG_URL" -c "CREATE DATABASE \"${DBNAME}_p\"" >/dev/null || fail "createdb"
	on_exit 'psql -q -X -d "$WSM_TEST_PG_URL" -c "DROP DATABASE IF EXISTS \"${DBNAME}_p\" WITH (FORCE)" >/dev/null 2>&1'
	wsm promote --from "sqlite:$WSM_WORK/src.db" --to "$DB2"
	expect_status 0
	check_roundtrip "$DB2" out4
	# jsonb alone would not have done it: its text differs from the file
	[ "$(psql -X -A -t -d "$DB2" -c "select _doc::text from documents where _path = 'msgs/crlf.json'")" != "$(cat tree/msgs/crlf.json)" ] ||
		fail "jsonb kept the bytes? the test proves nothing"
fi
