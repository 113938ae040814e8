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
