. "$WSM_ROOT/tests/cli/lib.sh"
# issue 12, defect 10: one policy for symbolic links in the tree.  A link
# is never followed and never imported, archived, removed or restored: it
# stays a link.  Every link to a folder (whatever its name) and every link
# named *.json is listed as skipped, saying where it leads; any other link
# is a non-JSON file, counted among the ignored.
tree mini
MS="--schema $WSM_ROOT/fixtures/mini-schema"
A=tree/agent_workspaces
mkdir -p outside/dir
echo '{"agent_id":"X","status":"idle"}' > outside/dir/status.json
echo '{}' > outside/file.json
ln -s Agent-1/status.json "$A/link.json"          # a file of the tree
ln -s Agent-2 "$A/dirlink"                        # a folder of the tree
ln -s "$WSM_WORK/outside/dir" "$A/outdir"         # a folder outside, no .json
ln -s "$WSM_WORK/outside/file.json" "$A/out.json" # a file outside
ln -s nowhere.json "$A/dangling.json"             # nothing
ln -s Agent-1/status.json "$A/notes.txt"          # not a JSON name: ignored
wsm migrate tree $MS --db "$DB" --backup-dir backups --remove-originals --format json
expect_status 0
expect_eq "$(jget .imported)" 6 imported_only_the_real_files
expect_eq "$(jget '.skipped_files | length')" 6 skipped   # agents.json + 5 links
reason() { jq -r --arg p "agent_workspaces/$1" '.skipped_files[] | select(.path == $p) | .reason' out.txt; }
case "$(reason link.json)" in *"symbolic link to 'agent_workspaces/Agent-1/status.json' (not followed"*) ;; *) fail "link.json: $(reason link.json)" ;; esac
case "$(reason dirlink)" in *"symbolic link to the folder 'agent_workspaces/Agent-2'"*) ;; *) fail "dirlink: $(reason dirlink)" ;; esac
case "$(reason outdir)" in *"folder outside the tree"*) ;; *) fail "outdir: $(reason outdir)" ;; esac
case "$(reason out.json)" in *"outside the tree"*) ;; *) fail "out.json: $(reason out.json)" ;; esac
case "$(reason dangling.json)" in *"dangling"*) ;; *) fail "dangling.json: $(reason dangling.json)" ;; esac
expect_eq "$(reason notes.txt)" "" notes_not_listed
expect_eq "$(q "select count(*) from wsm_files where outcome = 'skipped' and path like '%link%'")" 2 ledger_links
# no link in the archive; every link still there, still a link
grep -q 'link' backups/*.manifest.json && fail "a link went into the archive"
for l in link.json dirlink outdir out.json dangling.json notes.txt; do
	[ -L "$A/$l" ] || fail "$l is no longer a link"
done
[ -e "$A/Agent-1/status.json" ] && fail "--remove-originals kept an imported file"
expect_eq "$(cat outside/file.json)" "{}" outside_untouched
# rollback restores the files; the links are still links to the same place
wsm rollback --db "$DB" -q
expect_status 0
[ -f "$A/Agent-1/status.json" ] || fail "status.json not restored"
expect_eq "$(readlink "$A/link.json")" Agent-1/status.json link_kept
[ -L "$A/link.json" ] || fail "link.json restored as a regular file"
expect_eq "$(find tree -type f | wc -l)" "$(find "$WSM_ROOT/fixtures/mini" -type f | wc -l)" regular_files_after_rollback
