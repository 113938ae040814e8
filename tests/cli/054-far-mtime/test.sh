. "$WSM_ROOT/tests/cli/lib.sh"
# issue 12, defect 2: a file dated after 2262 (beyond int64 nanoseconds).
# The archive keeps its time exactly and rollback restores it exactly; the
# ledger's int64 mtime_ns holds it clamped, the run says so, and the file
# is read again (never trusted by size and mtime) on the next run.  No
# undefined behaviour (the ASan/UBSan build runs this too).
tree mini
MS="--schema $WSM_ROOT/fixtures/mini-schema"
F=agent_workspaces/Agent-1/status.json
touch -d "2300-01-01 00:00:00.123456789 UTC" "tree/$F" ||
	skip "this file system cannot hold a file time in 2300"
case "$(TZ=UTC stat -c %y "tree/$F")" in
2300-01-01\ 00:00:00.123456789*) ;;
*) skip "this file system does not keep a file time in 2300 exactly" ;;
esac
wsm migrate tree $MS --db "$DB" --backup-dir backups --remove-originals
expect_status 0
expect_err "mtime: $F: modified 2300-01-01T00:00:00Z, outside the ledger's range"
expect_eq "$(q "select mtime_ns from wsm_files where path = '$F'")" 9223372036854775807 ledger_clamped
grep -q '"mtime_ns":10413792000123456789,' backups/*.manifest.json ||
	fail "the index does not hold the exact time"
[ -e "tree/$F" ] && fail "--remove-originals kept the file"
wsm backups verify --db "$DB"
expect_status 0
wsm rollback --db "$DB" -q
expect_status 0
expect_eq "$(TZ=UTC stat -c %y "tree/$F" | cut -c1-29)" "2300-01-01 00:00:00.123456789" restored_mtime

# the next run reads it again: unchanged by content, not by its clamped mtime
wsm migrate tree $MS --db "$DB" --backup-dir backups --format json
expect_status 0
expect_eq "$(jget .imported)" 6 reimported_after_rollback
# same size, same (clamped) mtime, other content
sed -i 's/"busy"/"idle"/' "tree/$F"
touch -d "2300-01-01 00:00:00.123456789 UTC" "tree/$F"
wsm migrate tree $MS --db "$DB" --backup-dir backups --format json
expect_status 0
expect_eq "$(jget .imported)" 1 changed_file_seen_despite_same_clamped_mtime
