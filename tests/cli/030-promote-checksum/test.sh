. "$WSM_ROOT/tests/cli/lib.sh"
# postgres-only
# a row altered between copy and verification is caught by the checksum;
# the promote then fails with exit 1 and leaves the target unchanged
SRC="sqlite:$WSM_WORK/src.db"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$SRC" -q
expect_status 0
WSMIGRATE_FAULT=promote-alter:messages wsm promote --from "$SRC" --to "$DB"
expect_status 1
cat out.txt err.txt
grep -E '^messages .* NO' out.txt >/dev/null || grep -q 'messages' out.txt || fail "the altered table is not reported"
grep -q "verification failed" out.txt err.txt || fail "no verification failure reported"
n=$(q "select count(*) from information_schema.tables where table_name = 'wsm_runs'")
if [ "$n" = 1 ]; then expect_eq "$(q "select count(*) from wsm_runs")" 0 target_unchanged; fi
wsm promote --from "$SRC" --to "$DB"
expect_status 0
