# sqlite-only
. "$WSM_ROOT/tests/cli/lib.sh"
# the HTML report, loaded in headless Chromium, shows the same counts as JSON
C=$(command -v chromium || command -v chromium-browser || true)
[ -n "$C" ] || skip "SKIP: chromium not installed (apt-get install chromium)"
tree mini
printf '{"status": 42}\n' > tree/agent_workspaces/Agent-2/status.json
printf 'nope' > tree/agent_workspaces/Agent-1/inbox/x.json
"$WSM_BIN" validate tree --schema "$WSM_ROOT/fixtures/mini-schema" --format json > r.json
"$WSM_BIN" validate tree --schema "$WSM_ROOT/fixtures/mini-schema" --format html -o r.html
timeout 60 "$C" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$WSM_WORK/chrome" --dump-dom "file://$WSM_WORK/r.html" > dom.html 2>/dev/null ||
	fail "chromium could not load the report"
num() { sed -n "s/.*<b id=\"$1\">\([0-9]*\)<\/b>.*/\1/p" dom.html; }
expect_eq "$(num n-seen)" "$(jq .files_seen r.json)" seen
expect_eq "$(num n-valid)" "$(jq .valid_files r.json)" valid
expect_eq "$(num n-invalid)" "$(jq .invalid r.json)" invalid
expect_eq "$(num n-skipped)" "$(jq .skipped r.json)" skipped
# the filter script ran: it writes how many rows are shown
grep -q "<span id=\"shown\">$(jq .invalid r.json) shown</span>" dom.html || fail "filter script did not run"
# (issue 10) the new parts, on a tree the default manifest mostly does not
# know: the verdict does not read as success, the catch-all's and the
# ignored files are listed, each rule shows its share
mkdir -p t2/agent_workspaces/Agent-1 t2/odd/a t2/odd/b t2/node_modules/m
printf '{"agent_id": "Agent-1", "status": "busy"}\n' > t2/agent_workspaces/Agent-1/status.json
for i in 1 2 3; do printf '{"n": %s}\n' "$i" > t2/odd/a/x$i.json; printf '[%s]\n' "$i" > t2/odd/b/y$i.json; done
printf '{}\n' > t2/node_modules/m/package.json
printf '{}\n' > t2/node_modules/m/index.json
"$WSM_BIN" validate t2 --schema "$SCHEMA" --format json > r2.json
"$WSM_BIN" validate t2 --schema "$SCHEMA" --format html -o r2.html
timeout 60 "$C" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$WSM_WORK/chrome2" --dump-dom "file://$WSM_WORK/r2.html" > dom2.html 2>/dev/null ||
	fail "chromium could not load the second report"
num2() { sed -n "s/.*<b id=\"$1\">\([0-9]*\)<\/b>.*/\1/p" dom2.html; }
expect_eq "$(jq -r .verdict r2.json)" mostly_untyped json_verdict
grep -q 'id="verdict" data-verdict="mostly_untyped"' dom2.html || fail "html verdict"
grep -o 'id="verdict"[^>]*>[^<]*' dom2.html | grep -q "only 1 of them (14.3%) matched a typed rule" || fail "verdict text"
expect_eq "$(num2 n-catchall)" "$(jq .catch_all.files r2.json)" catch_all_card
expect_eq "$(num2 n-typed)" "$(jq .typed_files r2.json)" typed_card
expect_eq "$(num2 n-ignored)" "$(jq .ignored_json r2.json)" ignored_card
expect_eq "$(num2 n-ignored)" 2 ignored_count
expect_eq "$(grep -o '<ul class="paths" id="catch-all-files">.*</ul>' dom2.html | grep -o '<li>' | wc -l)" \
	"$(jq '.catch_all_files | length' r2.json)" catch_all_list
expect_eq "$(grep -o '<ul class="paths" id="ignored-files">.*</ul>' dom2.html | grep -o '<li>' | wc -l)" 2 ignored_list
grep -q '<li>node_modules/m/package.json</li>' dom2.html || fail "ignored file not listed"
# the catch-all's row shows its share of the tree
grep -o '<tr class="ca" data-rule="documents">.*</tr>' dom2.html | grep -q '<td class="n share">85.7%</td>' ||
	fail "share of the catch-all"
