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
