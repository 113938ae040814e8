. "$WSM_ROOT/tests/cli/lib.sh"
. "$WSM_ROOT/tests/cli/lib_inittree.sh"
# the output folder: ./schema by default (so init then migrate needs no
# flags), a non-empty folder refused without --force, a folder inside the
# tree never read back as data; usage errors
make_tree tree 1
rm tree/crew/bob/jobs/JOB-1999.json
wsm init tree
expect_status 0
[ -f schema/migration.json ] || fail "no ./schema/migration.json"
expect_out "wrote schema/migration.json"
wsm migrate tree --db "$DB" --format json
expect_status 0
expect_eq "$(jget .imported)" "$CLEAN" imported_with_default_schema
sum1=$(cat schema/*.json | cksum)
# a second init into the same folder is refused, and writes nothing
wsm init tree
expect_status 2
expect_err "not empty"
expect_err "--force"
expect_eq "$(cat schema/*.json | cksum)" "$sum1" untouched
echo '{"keep": true}' > schema/mine.json
wsm init tree --force
expect_status 0
expect_eq "$(cat schema/mine.json)" '{"keep": true}' other_files_kept
rm schema/mine.json
expect_eq "$(cat schema/*.json | cksum)" "$sum1" force_same_bytes
# an output folder inside the tree is not walked
wsm init tree -o tree/inferred --format json
expect_status 0
expect_eq "$(jget .files)" "$CLEAN" out_dir_inside
wsm init tree -o tree/inferred --force --format json
expect_status 0
expect_eq "$(jget .files)" "$CLEAN" out_dir_inside_again
# usage errors
echo x > afile
wsm init tree -o afile
expect_status 2
expect_err "not a folder"
wsm init
expect_status 2
expect_err "missing TREE"
wsm init tree --format xml
expect_status 2
wsm init no-such-tree -o elsewhere
[ "$ST" -ne 0 ] || fail "a missing tree succeeded"
[ -e elsewhere ] && fail "a failed init created its folder"
wsm init --help
expect_status 0
expect_out "usage: wsmigrate init TREE"
wsm --help
expect_out "init"
