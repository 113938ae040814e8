. "$WSM_ROOT/tests/cli/lib.sh"
# a manifest of the old kind, without a catch-all: unmatched files are still
# read and parsed; broken ones are invalid (never skipped), clean ones are
# skipped and archived; the same in a dry run
tree mini
mkdir -p tree/scratch
printf '{"x": 1}\n' > tree/scratch/clean.json
printf '{"x": 1,}\n' > tree/scratch/broken.json
printf '\377\376{}' > tree/scratch/utf16.json
M="$WSM_ROOT/fixtures/mini-schema"

wsm validate tree --schema "$M" --format json
expect_status 1
expect_eq "$(jq -r '.files[] | select(.path=="scratch/broken.json") | .status + " " + (.rule // "null") + " " + (.line|tostring)' out.txt)" \
	"invalid null 1" dry_broken
expect_eq "$(jq -r '.files[] | select(.path=="scratch/utf16.json") | .status' out.txt)" invalid dry_utf16
expect_eq "$(jq -r '.files[] | select(.path=="scratch/clean.json") | .status' out.txt)" skipped dry_clean
expect_eq "$(jq -r '.catch_all' out.txt)" null no_catch_all

wsm validate tree --schema "$M"
expect_status 1
expect_out "invalid files of rule (none) (2):"
expect_out "(no rule: skipped)  *4 "

wsm migrate tree --schema "$M" --db "$DB"
expect_status 1
expect_out "nothing written"

wsm migrate tree --schema "$M" --db "$DB" --on-invalid skip --format json
expect_status 1
jq -r '.invalid_files[] | select(.path=="scratch/broken.json") | .reason' out.txt | grep -q "^1:9: trailing comma" ||
	fail "broken reason: $(jq -c .invalid_files out.txt)"
expect_eq "$(jq -r '[.skipped_files[].path] | join(" ")' out.txt)" "agent_workspaces/agents.json scratch/clean.json" skipped
expect_eq "$(q "select path || ' ' || outcome || ' ' || coalesce(rule, 'NULL') from wsm_files where path like 'scratch/%' order by path")" \
	"scratch/broken.json invalid NULL
scratch/clean.json skipped NULL
scratch/utf16.json invalid NULL" ledger
# skipped and invalid files are archived, as before; ignored ones are not
tar --zstd -tf "$(jget .archive.path)" | grep -q '^tree/scratch/clean.json$' || fail "skipped file not archived"
tar --zstd -tf "$(jget .archive.path)" | grep -q 'ignored/x.json' && fail "ignored file archived"
true
