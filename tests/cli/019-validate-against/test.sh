# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
cat > s.json <<'J'
{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
 "properties": {"priority": {"enum": ["LOW", "MEDIUM", "HIGH", "CRITICAL"]}}, "required": ["id"]}
J
echo '{"id": 1, "priority": "LOW"}' > good.json
echo '{"priority": "URGENT"}' > bad.json
wsm validate --against s.json good.json
expect_status 0
wsm validate --against s.json good.json bad.json
expect_status 1
expect_out 'bad.json: /priority: "URGENT" is not one of \["LOW","MEDIUM","HIGH","CRITICAL"\]'
expect_out 'missing required property'
wsm validate --against s.json --format json bad.json
expect_status 1
expect_eq "$(jget '.files[0].error_count')" 2 errors
echo '{"type": 12}' > broken.json
wsm validate --against broken.json good.json
expect_status 2
expect_err "broken.json"
expect_err "/type"
