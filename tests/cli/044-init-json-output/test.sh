# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
. "$WSM_ROOT/tests/cli/lib_inittree.sh"
# what init says: the JSON document (groups, why, children, the files in no
# group, the broken ones) and the same in text, -v with the reasons
make_tree tree 1
wsm init tree -o j --format json
expect_status 0
for k in tree output files ignored parseable broken typed typed_percent rules ungrouped broken_files duration_s; do
	jq -e "has(\"$k\")" out.txt >/dev/null || fail "missing key $k"
done
# seconds, as every other command says it
jq -e '.duration_s | type == "number" and . >= 0 and . < 600' out.txt >/dev/null || fail "duration_s: $(jget .duration_s)"
expect_eq "$(jget .typed_percent)" 98.1 typed_percent
expect_eq "$(jget '.rules | length')" 7 rules
expect_eq "$(jget '.rules[] | select(.name == "queue") | .match')" mailbox/queue.json queue_match
expect_eq "$(jget '.rules[] | select(.name == "queue") | .children[0].table')" queue_items queue_child
expect_eq "$(jget '.rules[] | select(.name == "queue") | .children[0].rows')" 25 queue_child_rows
expect_eq "$(jget '.rules[] | select(.name == "queue") | .key')" null queue_no_key
expect_eq "$(jget '.rules[] | select(.name == "jobs") | .files')" 15 jobs_files
expect_eq "$(jget '.rules[] | select(.name == "jobs") | .parseable')" 14 jobs_parseable
expect_eq "$(jget '.rules[] | select(.name == "results") | .match')" 'reports/*_RESULTS.json' results_match
case "$(jget '.rules[] | select(.name == "jobs") | .why')" in
	*"folder names vary in segment 2 (4 folders"*) ;; *) fail "jobs why: $(jget '.rules[] | select(.name == "jobs") | .why')" ;; esac
case "$(jget '.rules[] | select(.name == "summary") | .why')" in
	*"segment 2 (5 folders, e.g. 2025-03-01, 2025-03-02)"*) ;; *) fail "summary why" ;; esac
expect_eq "$(jget '.ungrouped.count')" 1 ungrouped_count
expect_eq "$(jget '.ungrouped.files[0]')" settings.json ungrouped_file
expect_eq "$(jget '.broken_files.count')" 1 broken_count
expect_eq "$(jget '.broken_files.files[0].path')" crew/bob/jobs/JOB-1999.json broken_path
case "$(jget '.broken_files.files[0].reason')" in *unterminated*) ;; *) fail "broken reason" ;; esac
# the rule's description in the manifest says the same
case "$(jq -r '.rules[] | select(.name == "jobs") | .description' j/migration.json)" in
	"15 files (1 not parseable); folder names vary in segment 2"*) ;; *) fail "jobs description" ;; esac
# text, with -v
wsm init tree -o t -v
expect_status 0
expect_out "7 groups take 51 of the 52 parseable files (98.1%)"
expect_out "jobs .* job_id .* jobs_history .* crew/\*/jobs/\*.json"
expect_out "why: folder names vary in segment 2"
expect_out 'catch-all "documents": 1 file fell into no group'
expect_out "^  settings.json"
expect_out "crew/bob/jobs/JOB-1999.json: .*unterminated"
