. "$WSM_ROOT/tests/cli/lib.sh"
# postgres-only
# promote of a database whose file names are not UTF-8 (issue 12, defect
# 5): the names reach PostgreSQL as pg_path.c's text, as a migrate into
# PostgreSQL writes them, and come back exactly from export and rollback.
SRC="sqlite:$WSM_WORK/src.db"
name=$(printf 'caf\377 \303\251.json')
mkdir -p tree/d
printf '{"v": 1}\n' > "tree/d/$name"
printf '{"v": 2}\n' > tree/ok.json
cp -a tree orig
wsm migrate tree --db "$SRC" --schema "$SCHEMA" --remove-originals -q
expect_eq "$ST" 0 migrate_exit
[ ! -e "tree/d/$name" ] || fail "the original was not removed"
PG=$DB
wsm promote --from "$SRC" --to "$PG"
expect_eq "$ST" 0 promote_exit
grep -q 'committed' "$WSM_WORK/out.txt" || { cat "$WSM_WORK/out.txt" "$WSM_WORK/err.txt"; fail "promote did not commit"; }
# export from PostgreSQL: the exact name, the exact bytes
wsm export --db "$PG" --to back
expect_eq "$ST" 0 export_exit
cmp "back/d/$name" "orig/d/$name" || { cat "$WSM_WORK/err.txt"; ls back/d | od -c | head -n 3; fail "export lost the name"; }
# rollback on PostgreSQL puts the file back under its own name
wsm rollback --db "$PG"
expect_eq "$ST" 0 rollback_exit
cmp "tree/d/$name" "orig/d/$name" || { cat "$WSM_WORK/err.txt"; fail "rollback lost the name"; }
exit 0
