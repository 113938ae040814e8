# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$DB" --format json
expect_status 0
a=$(jget .archive.path)
[ "$(stat -c %a "$a")" = 600 ] || fail "archive mode $(stat -c %a "$a")"
[ "$(stat -c %a "$(dirname "$a")")" = 700 ] || fail "backup dir mode"
wsm backups list --db "$DB"
expect_status 0
expect_out "present"
wsm backups verify --db "$DB"
expect_status 0
wsm backups verify "$a"
expect_status 0
# a flipped byte in the compressed archive
cp "$a" good.tar.zst
size=$(stat -c %s "$a")
printf '\377' | dd of="$a" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
wsm backups verify --db "$DB"
expect_status 1
# truncated
head -c $((size / 2)) good.tar.zst > "$a"
wsm backups verify "$a"
expect_status 1
expect_out "unreadable"
# an archive whose entry does not match its manifest (rebuilt by hand)
mkdir x && (cd x && zstd -dc ../good.tar.zst | tar -x)
printf 'tampered' >> x/tree/agent_workspaces/Agent-2/status.json
(cd x && tar -c tree MANIFEST.json | zstd -q -o ../tampered.tar.zst)
wsm backups verify tampered.tar.zst
expect_status 1
expect_out "agent_workspaces/Agent-2/status.json"
