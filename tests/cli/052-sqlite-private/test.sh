. "$WSM_ROOT/tests/cli/lib.sh"
# sqlite-only
# issue 12, defect 11: a SQLite database wsmigrate creates is private
# (0600), like the archives that hold the same documents, whatever the
# umask; an existing database keeps the mode its owner gave it.
tree mini
MS="--schema $WSM_ROOT/fixtures/mini-schema"
umask 022
wsm migrate tree $MS --db "$DB" --backup-dir backups -q
expect_status 0
expect_eq "$(stat -c %a test.db)" 600 new_database_mode
expect_eq "$(q "select count(*) from wsm_runs")" 1 runs
# the archives: 0600 files in a 0700 folder (unchanged)
expect_eq "$(stat -c %a backups)" 700 backup_dir_mode
for f in backups/*.tar.zst; do expect_eq "$(stat -c %a "$f")" 600 archive_mode; done
# no journal left with another mode
ls test.db-* 2>/dev/null && fail "a journal was left behind"

# a database of the user's, 0640, stays 0640
sqlite3 other.db "create table keep(a)"
chmod 640 other.db
wsm migrate tree $MS --db "sqlite:$WSM_WORK/other.db" --backup-dir backups -q
expect_status 0
expect_eq "$(stat -c %a other.db)" 640 existing_database_mode

# a plain path ending in .db, created through a runs command too
wsm runs --db "$WSM_WORK/third.db"
[ -e third.db ] && expect_eq "$(stat -c %a third.db)" 600 created_by_runs
exit 0
