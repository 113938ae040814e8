. "$WSM_ROOT/tests/cli/lib.sh"
# (issue 13) reports for people, checked in headless Chromium as 020 does:
# the validate page opens with what a migrate would do, scales each rule's
# bar by its own share, hides rules that matched nothing, lists skipped
# files and groups identical errors; `runs --format html` draws the
# database's history (a bar per run, every run with its archive size).
C=$(command -v chromium || command -v chromium-browser || true)
[ -n "$C" ] || skip "SKIP: chromium not installed (apt-get install chromium)"
MS="$WSM_ROOT/fixtures/mini-schema"
dom() {   # dom FILE.html OUT: the page as Chromium built it
	timeout 60 "$C" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$WSM_WORK/chrome-$2" --dump-dom "file://$WSM_WORK/$1" > "$2" 2>/dev/null ||
		fail "chromium could not load $1"
}
tree mini
# messages matches nothing; both status files share one error
rm -rf tree/agent_workspaces/Agent-1/inbox tree/agent_workspaces/Agent-1/outbox
for a in Agent-1 Agent-2; do printf '{"agent_id": 5}\n' > tree/agent_workspaces/$a/status.json; done
"$WSM_BIN" validate tree --schema "$MS" --format json > v.json
"$WSM_BIN" validate tree --schema "$MS" --format html -o v.html
dom v.html v.dom
grep -o '<p class="headline" id="headline">[^<]*' v.dom | grep -q "a migrate would abort: $(jq .invalid v.json) invalid file" ||
	fail "headline: $(grep -o 'id="headline">[^<]*' v.dom)"
grep -q 'data-rule="messages"' v.dom && fail "a rule that matched nothing is shown"
grep -q 'data-rule="agent_status"' v.dom || fail "agent_status row missing"
# each bar spans the whole cell: a rule with 2 of 2 invalid is not a sliver
grep -q 'class="bar" style="width' v.dom && fail "bars still scaled to the largest rule"
# skipped files listed, identical errors grouped
grep -o '<ul class="paths" id="skipped-files">.*</ul>' v.dom | grep -q '<li>agent_workspaces/agents.json</li>' ||
	fail "skipped files not listed"
grep -q '<table id="error-groups">' v.dom &&
	grep -q '<tr><td class="n">2</td><td>agent_status</td><td><code>/agent_id: expected string' v.dom ||
	fail "identical errors not grouped"

# the history of a database
rm -rf tree; tree mini
wsm migrate tree --schema "$MS" --db "$DB" -q
printf '{"agent_id": "Agent-1", "status": "zzz"}\n' > tree/agent_workspaces/Agent-1/status.json
wsm migrate tree --schema "$MS" --db "$DB" -q
rm tree/agent_workspaces/Agent-2/task_list.json
wsm migrate tree --schema "$MS" --db "$DB" -q --prune
expect_status 0
wsm runs --db "$DB" --format json
cp out.txt runs.json
wsm runs --db "$DB" --format html -o runs.html
expect_status 0
[ -s out.txt ] && fail "runs -o FILE wrote to stdout"
dom runs.html runs.dom
num() { sed -n "s/.*<b id=\"$1\">\([0-9]*\)<\/b>.*/\1/p" runs.dom; }
expect_eq "$(num n-runs)" "$(jq '.runs | length' runs.json)" runs
expect_eq "$(grep -o '<g class="run"' runs.dom | wc -l)" 3 bars
size=0
for a in $(jq -r '.runs[].archive' runs.json); do size=$((size + $(stat -c %s "$a"))); done
expect_eq "$(num archive-bytes)" "$size" archive_bytes
# the deleted file shows in the last run's bar
jq -e '.runs[-1].deleted == 1' runs.json >/dev/null || fail "no deleted file in the last run"
grep -q '<rect class="del"' runs.dom || fail "deleted files not drawn"
expect_eq "$(grep -o '<tr class="committed"><td class="id">[^<]*' runs.dom | wc -l)" 3 table_rows
# -o - is stdout; -o FILE without html is a usage error
wsm runs --db "$DB" --format html -o -
expect_status 0
expect_out '<svg id="chart"'
wsm runs --db "$DB" -o x.txt
expect_status 2
exit 0
