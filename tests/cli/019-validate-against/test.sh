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

# unparseable files in JSON output: each error is its own file's, whole,
# even after a file with a longer message (the message was formatted after
# its length was taken, so it showed the previous file's text)
printf '{"id": 1,,}' > comma.json
printf '[1' > short.json
wsm validate --against s.json --format json comma.json short.json
expect_status 1
expect_eq "$(jget '.files | length')" 2 "files in the JSON report"
jget '.files[0].errors[0].error' | grep -q '^comma.json:' || fail "first error is not comma.json's: $(jget '.files[0].errors[0].error')"
jget '.files[1].errors[0].error' | grep -q '^short.json:' || fail "second error is not short.json's: $(jget '.files[1].errors[0].error')"
jget '.files[1].errors[0].error' | grep -q 'end' || fail "second error is cut: $(jget '.files[1].errors[0].error')"
expect_eq "$(jget '.files[1].error_count')" 1 "error_count of an unparseable file"

# standard input as a FILE (-), named "(standard input)", read once only
# (wsm reads a redirect, not a pipe: a pipe would run it in a subshell)
wsm validate --against s.json good.json - < good.json
expect_status 0
expect_out '^(standard input): valid$'
wsm validate --against s.json --format json good.json - < bad.json
expect_status 1
expect_eq "$(jget '.files[1].path') $(jget '.files[1].valid') $(jget '.files[1].error_count')" \
	"(standard input) false 2" stdin_json
wsm validate --against s.json - < short.json
expect_status 1
expect_out '^(standard input):1:'
wsm validate --against s.json - - < good.json
expect_status 2
expect_err "read only once"
