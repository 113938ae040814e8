# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
tree mini
mkdir s
cp "$WSM_ROOT"/fixtures/mini-schema/*.json s/
jq '.rules[1].columns[2].type = "texty"' "$WSM_ROOT/fixtures/mini-schema/migration.json" > s/migration.json
wsm migrate tree --schema s --db "$DB"
expect_status 2
expect_err "migration.json: /rules/1/columns/2/type:"
jq '.rules[0].match = ["a/**b"]' "$WSM_ROOT/fixtures/mini-schema/migration.json" > s/migration.json
wsm migrate tree --schema s --db "$DB"
expect_status 2
expect_err "/rules/0/match/0"
printf '{"version": 1, "rules": [' > s/migration.json
wsm migrate tree --schema s --db "$DB"
expect_status 2
expect_err "migration.json"
jq '.rules[0].schema = "nope.json"' "$WSM_ROOT/fixtures/mini-schema/migration.json" > s/migration.json
wsm migrate tree --schema s --db "$DB"
expect_status 2
expect_err "/rules/0/schema"
