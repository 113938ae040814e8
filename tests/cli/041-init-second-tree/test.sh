. "$WSM_ROOT/tests/cli/lib.sh"
. "$WSM_ROOT/tests/cli/lib_inittree.sh"
# the manifest inferred from one tree, on a second tree of the same shape
# (other names, dates, ids and counts): its clean files are accepted, its
# broken ones (truncated, trailing comma, an array, a missing key) flagged
make_tree one 1
wsm init one -o inferred -q
expect_status 0
[ -s out.txt ] && fail "-q printed something"
make_tree two 2
wsm migrate two --schema inferred --db "$DB" --on-invalid skip --format json
expect_status 1
expect_eq "$(jget .imported)" "$CLEAN" imported
expect_eq "$(jget .invalid)" "$BROKEN" invalid
expect_eq "$(jget .skipped)" 0 skipped
r() { jq -r --arg p "$1" '.invalid_files[] | select(.path == $p) | .reason' out.txt; }
case "$(r crew/erin/jobs/JOB-9001.json)" in *unterminated*) ;; *) fail "truncated: $(r crew/erin/jobs/JOB-9001.json)" ;; esac
case "$(r crew/frank/jobs/JOB-9002.json)" in *"expected object, got array"*) ;; *) fail "array: $(r crew/frank/jobs/JOB-9002.json)" ;; esac
case "$(r crew/grace/jobs/JOB-9003.json)" in *job_id*) ;; *) fail "missing key: $(r crew/grace/jobs/JOB-9003.json)" ;; esac
case "$(r crew/zoe/profile.json)" in *"trailing comma"*) ;; *) fail "trailing comma: $(r crew/zoe/profile.json)" ;; esac
expect_eq "$(q "select count(*) from jobs")" 18 jobs
expect_eq "$(q "select count(*) from profile")" 5 profiles
expect_eq "$(q "select count(*) from snapshots")" 15 snapshots
expect_eq "$(q "select count(*) from summary")" 4 summaries
expect_eq "$(q "select count(*) from queue_items")" 25 queue_rows
expect_eq "$(q "select count(*) from documents")" 1 catch_all
expect_eq "$(q "select crew from jobs where job_id = 'J-2051'")" ivan new_member

# genlayout's twins: a manifest inferred on a clean tree accepts every clean
# file of the twin (other names, ids, agents, dates) and flags every broken
# or wrong-shape one
GEN=$(dirname "$WSM_BIN")/tools/genlayout
[ -x "$GEN" ] || GEN="$WSM_ROOT/build/tools/genlayout"
[ -x "$GEN" ] || fail "genlayout is not built (make unit-build)"
n=0
for layout in swarm crew flat nested mixed; do
	n=$((n + 1))
	"$GEN" -q --layout $layout --seed 11 --files 150 --out a-$layout || fail "genlayout $layout"
	"$GEN" -q --layout $layout --seed 11 --files 150 --mutate --broken 0.15 --out b-$layout \
		--list b-$layout.list || fail "genlayout --mutate $layout"
	wsm init a-$layout -o a-$layout-schema -q
	expect_status 0
	if [ "$WSM_BACKEND" = postgres ]; then
		psql -q -X -d "$WSM_TEST_PG_URL" -c "CREATE DATABASE \"${DBNAME}_t$n\"" >/dev/null || fail "createdb"
		gdb=$(echo "$WSM_TEST_PG_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}$|/${DBNAME}_t$n\1|")
	else
		gdb="sqlite:$WSM_WORK/b-$layout.db"
	fi
	wsm migrate b-$layout --schema a-$layout-schema --db "$gdb" --on-invalid skip --format json
	[ "$WSM_BACKEND" = postgres ] &&
		psql -q -X -d "$WSM_TEST_PG_URL" -c "DROP DATABASE \"${DBNAME}_t$n\" WITH (FORCE)" >/dev/null
	[ "$ST" -le 1 ] || { cat err.txt; fail "$layout: migrate exit $ST"; }
	jq -r '.invalid_files[].path' out.txt | sort > invalid.txt
	awk -F'\t' '$2 == "clean" && tolower($1) ~ /\.json$/ {print $1}' b-$layout.list | sort > clean.txt
	awk -F'\t' '($2 == "broken" || $2 == "shape") && tolower($1) ~ /\.json$/ {print $1}' b-$layout.list | sort > bad.txt
	[ -s bad.txt ] || fail "$layout: no broken files made"
	rejected=$(comm -12 invalid.txt clean.txt)
	[ -z "$rejected" ] || fail "$layout: clean files of the twin rejected: $rejected"
	missed=$(comm -23 bad.txt invalid.txt)
	[ -z "$missed" ] || fail "$layout: broken or wrong-shape files accepted: $missed"
	echo "$layout: $(wc -l < clean.txt) clean accepted, $(wc -l < bad.txt) broken or wrong-shape flagged"
done
