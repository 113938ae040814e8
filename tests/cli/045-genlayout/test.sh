# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
# genlayout (tests/tools/genlayout/) keeps the promises of tests/tools/README.md:
# same arguments give the same tree; the list names every file exactly once
# with the right kind (wsmigrate's strict reader is the judge of broken/clean);
# ignored and other files are where the list says; shape files really differ
# from their group; --collide pairs share the id; --broken alters only the
# files it lists; --mutate keeps the shape and changes the content.
GEN=$(dirname "$WSM_BIN")/tools/genlayout
[ -x "$GEN" ] || GEN="$WSM_ROOT/build/tools/genlayout"
[ -x "$GEN" ] || fail "genlayout is not built (make unit-build)"
echo true > true.json

LAYOUTS=$("$GEN" --layouts | cut -d' ' -f1)
[ "$(echo $LAYOUTS)" = "swarm crew flat nested mixed" ] || fail "layouts: $LAYOUTS"

# the default ignore list of issue 10, as an extended regex on the relative path
IGN='(^|/)(\.git|node_modules|__pycache__|\.venv|venv|\.cache)/|(^|/)(package\.json|package-lock\.json|npm-shrinkwrap\.json)$|\.lock\.json$|[Cc][Oo][Oo][Kk][Ii][Ee][^/]*\.json$'

BOM=$(printf '\357\273\277')

# paths of LIST whose kind matches the regex $2, NUL-separated
paths0() { awk -F'\t' -v k="$2" '$2 ~ k { print $1 }' "$1" | tr '\n' '\0'; }

# wsmigrate's strict reader on the files of LIST of kind $2, run in TREE $3:
# prints "N_VALID N_TOTAL" (one output line per file)
verdicts() {
	paths0 "$1" "$2" | (cd "$3" && xargs -0 -r "$WSM_BIN" validate --against "$WSM_WORK/true.json") > v.out 2>&1
	echo "$(grep -c ': valid$' v.out) $(wc -l < v.out)"
}

for L in $LAYOUTS; do
	A=a_$L B=b_$L
	"$GEN" -q --layout "$L" --seed 11 --files 150 --broken 0.25 --collide --out $A --list $A.list > $A.coll ||
		fail "$L: genlayout failed"
	"$GEN" -q --layout "$L" --seed 11 --files 150 --broken 0.25 --collide --out $B --list $B.list > $B.coll ||
		fail "$L: genlayout failed (second run)"

	# determinism: bytes, names, mtimes, modes, list, stdout
	diff -r $A $B > /dev/null || fail "$L: two runs with the same arguments differ"
	cmp -s $A.list $B.list || fail "$L: lists differ between runs"
	cmp -s $A.coll $B.coll || fail "$L: --collide output differs between runs"
	(cd $A && find . -type f -printf '%P %s %T@ %m\n' | LC_ALL=C sort) > sa
	(cd $B && find . -type f -printf '%P %s %T@ %m\n' | LC_ALL=C sort) > sb
	cmp -s sa sb || fail "$L: sizes, mtimes or modes differ between runs"

	# the list: three fields, known kinds, every file exactly once, nothing else
	bad=$(awk -F'\t' 'NF != 3 || $2 !~ /^(clean|broken|shape|ignored|other)$/ || $3 == ""' $A.list | head -n 3)
	[ -z "$bad" ] || fail "$L: malformed list lines: $bad"
	(cd $A && find . -type f -printf '%P\n' | LC_ALL=C sort) > tree.txt
	cut -f1 $A.list | LC_ALL=C sort > list.txt
	[ -z "$(uniq -d list.txt)" ] || fail "$L: paths listed twice: $(uniq -d list.txt | head -n 3)"
	cmp -s tree.txt list.txt || { diff tree.txt list.txt | head; fail "$L: list and tree differ"; }
	for k in clean broken shape ignored other; do
		n=$(awk -F'\t' -v k=$k '$2 == k' $A.list | wc -l)
		[ "$n" -gt 0 ] || fail "$L: no $k file with --broken 0.25"
	done

	# names and places: data files are .json (any case) outside the ignore
	# list; ignored files are inside it; other files are not .json
	bad=$(awk -F'\t' '$2 ~ /^(clean|broken|shape)$/ { print $1 }' $A.list | grep -Ev '\.[jJ][sS][oO][nN]$' | head -n 3)
	[ -z "$bad" ] || fail "$L: data files not named .json: $bad"
	bad=$(awk -F'\t' '$2 ~ /^(clean|broken|shape)$/ { print $1 }' $A.list | grep -E "$IGN" | head -n 3)
	[ -z "$bad" ] || fail "$L: data files under the default ignore list: $bad"
	bad=$(awk -F'\t' '$2 == "ignored" { print $1 }' $A.list | grep -Ev "$IGN" | head -n 3)
	[ -z "$bad" ] || fail "$L: 'ignored' files outside the default ignore list: $bad"
	bad=$(awk -F'\t' '$2 == "other" { print $1 }' $A.list | grep -Ei '\.json$' | head -n 3)
	[ -z "$bad" ] || fail "$L: 'other' files named .json: $bad"

	# the strict reader: clean and shape files parse, every broken file is refused
	set -- $(verdicts $A.list '^(clean|shape)$' $A)
	[ "$1" = "$2" ] || { grep -v ': valid$' v.out | head -n 5; fail "$L: $(($2 - $1)) clean/shape files refused"; }
	[ "$2" -eq "$(awk -F'\t' '$2 ~ /^(clean|shape)$/' $A.list | wc -l)" ] || fail "$L: reader output count"
	set -- $(verdicts $A.list '^broken$' $A)
	[ "$1" = 0 ] || { grep ': valid$' v.out | head -n 5; fail "$L: $1 broken files accepted"; }
	[ "$2" -eq "$(awk -F'\t' '$2 == "broken"' $A.list | wc -l)" ] || fail "$L: reader output count (broken)"

	# jq, as a second opinion, parses every clean file; shape files are off
	# their group: another top-level type than the group's clean files, or an
	# object lacking a member that every clean object of the group has
	# (jq reads many files as one stream, where a UTF-8 BOM is only allowed
	# first: files starting with one are read alone, without it)
	for k in clean shape; do
		JQ='[$f // input_filename, type, (if type == "object" then keys | join(",") else "" end)] | @tsv'
		(cd $A && paths0 ../$A.list "^$k\$" | LC_ALL=C xargs -0 -r grep -L -F -e "$BOM" | tr '\n' '\0' |
			xargs -0 -r jq -r --argjson f null "$JQ") > jq.$k || fail "$L: jq could not read a $k file"
		(cd $A && paths0 ../$A.list "^$k\$" | LC_ALL=C xargs -0 -r grep -l -F -e "$BOM") > bom.txt
		while IFS= read -r p; do
			tail -c +4 "$A/$p" | jq -r --arg f "$p" "$JQ" || fail "$L: jq could not read $p"
		done < bom.txt >> jq.$k
		[ "$(wc -l < jq.$k)" -eq "$(awk -F'\t' -v k=$k '$2 == k' $A.list | wc -l)" ] ||
			fail "$L: jq read $(wc -l < jq.$k) $k files"
	done
	bad=$(awk -F'\t' '
		FILENAME == ARGV[1] { grp[$1] = $3; next }
		FILENAME == ARGV[2] {
			g = grp[$1]; types[g, $2]++
			if ($2 == "object") {
				n = split($3, ks, ",")
				delete seen
				for (i = 1; i <= n; i++) seen[ks[i]] = 1
				if (!(g in init)) { init[g] = 1; for (kk in seen) common[g, kk] = 1 }
				else for (ck in common) { split(ck, p, SUBSEP); if (p[1] == g && !(p[2] in seen)) delete common[ck] }
			}
			next
		}
		{
			g = grp[$1]
			if (!((g, $2) in types)) next
			if ($2 != "object") { print $1 " (" $2 ")"; next }
			n = split($3, ks, ","); delete seen
			for (i = 1; i <= n; i++) seen[ks[i]] = 1
			missing = 0
			for (ck in common) { split(ck, p, SUBSEP); if (p[1] == g && !(p[2] in seen)) missing = 1 }
			if (!missing) print $1 " (object with every common member)"
		}' $A.list jq.clean jq.shape | head -n 3)
	[ -z "$bad" ] || fail "$L: shape files that look like their group: $bad"

	# --collide: both files clean, both hold the value under the id member
	[ -s $A.coll ] || fail "$L: --collide printed no pair"
	while IFS="$(printf '\t')" read -r tag grp key val p1 p2; do
		[ "$tag" = collide ] || fail "$L: bad collide line: $tag"
		for p in "$p1" "$p2"; do
			expect_eq "$(awk -F'\t' -v p="$p" '$1 == p { print $2 "/" $3 }' $A.list)" "clean/$grp" "$L: $p kind/group"
			expect_eq "$(jq -r --arg k "$key" '.[$k]' "$A/$p")" "$val" "$L: $p .$key"
		done
	done < $A.coll

	# --broken alters only the files it lists: a --broken 0 tree of the same
	# seed holds the same paths, every file byte-identical except the altered ones
	Z=z_$L
	"$GEN" -q --layout "$L" --seed 11 --files 150 --out $Z --list $Z.list || fail "$L: genlayout --broken 0"
	expect_eq "$(cut -f1 $Z.list | LC_ALL=C sort | cmp -s - list.txt && echo same)" same "$L: paths with and without --broken"
	[ "$(cut -f2 $Z.list | sort -u)" = "$(printf 'clean\nignored\nother')" ] || fail "$L: --broken 0 made altered files"
	changed=0
	while IFS="$(printf '\t')" read -r p k g; do
		case $k in
		broken|shape) cmp -s "$A/$p" "$Z/$p" && fail "$L: $k file $p is the clean one"; changed=$((changed + 1)) ;;
		*) cmp -s "$A/$p" "$Z/$p" || awk -F'\t' -v p="$p" '$6 == p { f = 1 } END { exit !f }' $A.coll ||
			fail "$L: $p differs with --broken" ;;
		esac
	done < $A.list
	[ "$changed" -gt 0 ] || fail "$L: nothing altered"

	# --mutate: the same groups with the same number of files per kind, other
	# names and other content
	M=m_$L
	"$GEN" -q --mutate --layout "$L" --seed 11 --files 150 --out $M --list $M.list || fail "$L: genlayout --mutate"
	expect_eq "$(cut -f2,3 $M.list | LC_ALL=C sort | uniq -c)" "$(cut -f2,3 $Z.list | LC_ALL=C sort | uniq -c)" \
		"$L: files per kind and group in the twin"
	cut -f1 $M.list | LC_ALL=C sort > mlist.txt
	common=$(awk -F'\t' '$2 == "clean" { print $1 }' $Z.list | LC_ALL=C sort | comm -12 - mlist.txt | wc -l)
	nclean=$(awk -F'\t' '$2 == "clean"' $Z.list | wc -l)
	[ $((common * 2)) -lt "$nclean" ] || fail "$L: twin shares $common of $nclean data paths"
	set -- $(verdicts $M.list '^clean$' $M)
	[ "$1" = "$2" ] || fail "$L: twin has $(($2 - $1)) unreadable clean files"
	diff -r $Z $M > /dev/null && fail "$L: twin identical"
	rm -rf $A $B $Z $M
done

# a different seed is a different tree; a twin is not the original
"$GEN" -q --layout swarm --seed 12 --files 60 --out s12 --list s12.list || fail "seed 12"
"$GEN" -q --layout swarm --seed 13 --files 60 --out s13 --list s13.list || fail "seed 13"
diff -r s12 s13 > /dev/null && fail "seeds 12 and 13 give the same tree"

# --files scales the tree
for L in $LAYOUTS; do
	"$GEN" -q --layout "$L" --seed 4 --files 1500 --out big_$L --list big_$L.list || fail "$L: --files 1500"
	n=$(awk -F'\t' '$2 ~ /^(clean|broken|shape)$/' big_$L.list | wc -l)
	[ "$n" -ge 1350 ] && [ "$n" -le 1650 ] || fail "$L: --files 1500 gave $n data files"
	rm -rf big_$L
done

# usage errors: non-empty output, list inside the tree, unknown layout, bad rate
"$GEN" -q --layout flat --out s12 --list x.list 2> err.txt; ST=$?
expect_status 2; expect_err "not empty"
"$GEN" -q --layout flat --out fresh --list fresh/x.list 2> err.txt; ST=$?
expect_status 2; expect_err "outside the tree"
"$GEN" -q --layout nope --out fresh2 2> err.txt; ST=$?
expect_status 2; expect_err "unknown layout"
"$GEN" -q --layout flat --broken 2 --out fresh3 2> err.txt; ST=$?
expect_status 2; expect_err "rate"
exit 0
