. "$WSM_ROOT/tests/cli/lib.sh"
# Two trees in one database are two sources (issue 15): the second tree's
# run sees none of the first tree's files as deleted, a path and a key may
# appear in both without colliding, --prune and rollback stay inside their
# source, and runs/backups/rollback take --source.
MS="$WSM_ROOT/fixtures/mini-schema"
tree mini A
tree mini B
A="$WSM_WORK/A"
B="$WSM_WORK/B"

wsm migrate A --schema "$MS" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .source)" "$A" default_source_is_the_tree
wsm migrate B --schema "$MS" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .source)" "$B" source_b
expect_eq "$(jget .deleted)" 0 no_false_deletions
expect_eq "$(jget .imported)" 6 b_imported
# same relative paths, same declared keys: one row per source
expect_eq "$(q "select count(*) from agent_status")" 4 key_per_source
expect_eq "$(q "select count(*) from agent_status where agent_id = 'Agent-1'")" 2 same_key_twice
expect_eq "$(q "select count(*) from messages where _source = '$A'")" 2 a_messages
expect_eq "$(q "select count(*) from messages where _source = '$B'")" 2 b_messages
expect_eq "$(q "select count(*) from wsm_sources")" 12 sources_rows

# a re-run of A: every file unchanged, nothing deleted (the fast path per source)
wsm migrate A --schema "$MS" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .unchanged)" 6 a_unchanged
expect_eq "$(jget .deleted)" 0 a_nothing_deleted

# prune in B leaves A's row of the same path alone
rm B/agent_workspaces/Agent-1/outbox/reply.json
wsm migrate B --schema "$MS" --db "$DB" --prune --format json
expect_status 0
expect_eq "$(jget .deleted)" 1 b_deleted
expect_eq "$(jget '.deleted_files[0].path')" agent_workspaces/Agent-1/outbox/reply.json b_deleted_path
expect_eq "$(q "select count(*) from messages where _source = '$A'")" 2 a_kept_by_prune
expect_eq "$(q "select count(*) from messages where _source = '$B'")" 1 b_pruned
B_PRUNE=$(jget .run_id)

# A changes a file after B's prune: A's chain is A1, A2(no-op), A3
printf '{"agent_id": "Agent-1", "status": "paused"}\n' > A/agent_workspaces/Agent-1/status.json
wsm migrate A --schema "$MS" --db "$DB" --format json
expect_status 0
expect_eq "$(jget .imported)" 1 a_changed
A3=$(jget .run_id)
expect_eq "$(q "select status from agent_status where _source = '$A' and agent_id = 'Agent-1'")" paused a_busy
expect_eq "$(q "select status from agent_status where _source = '$B' and agent_id = 'Agent-1'")" busy b_untouched

# runs shows the source; --source filters
wsm runs --db "$DB" --format json
expect_status 0
expect_eq "$(jq -r '[.runs[] | select(.source == "'"$B"'")] | length' out.txt)" 2 runs_of_b
wsm runs --db "$DB" --source "$A"
expect_status 0
expect_eq "$(grep -c committed out.txt)" 3 runs_text_source_filter
expect_out "$A"
expect_no_out "$B_PRUNE"
wsm backups list --db "$DB" --source "$B" --format json
expect_status 0
expect_eq "$(jq -r '.backups | length' out.txt)" 2 backups_of_b

# export: a database of several sources, exported whole, gives each source
# a sub-folder named after it (percent-encoded); --source NAME writes that
# source's tree directly under DIR
enc() {
	printf '%s' "$1" | od -An -tx1 -v | tr -s ' \n' '\n\n' | grep . | {
		i=0
		while read -r h; do
			i=$((i + 1))
			case $h in
			3[0-9]|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a]|5f|2d) printf "\\$(printf '%03o' "0x$h")" ;;
			2e) if [ $i -gt 1 ]; then printf .; else printf %%2E; fi ;;
			*) printf '%%%s' "$(echo "$h" | tr a-f A-F)" ;;
			esac
		done
	}
}
wsm export --db "$DB" --to exp-all --format json
expect_status 0
[ ! -e exp-all/agent_workspaces ] || fail "several sources were mixed in one tree"
for s in "$A" "$B"; do
	d="exp-all/$(enc "$s")"
	[ -d "$d" ] || fail "no sub-folder $d for source $s"
	cmp "$d/agent_workspaces/Agent-1/status.json" "$s/agent_workspaces/Agent-1/status.json" ||
		fail "export of $s in $d differs from its file"
done
expect_eq "$(ls exp-all | wc -l)" 2 one_folder_per_source
expect_eq "$(jget .sources)" 2 json_sources
[ ! -e "exp-all/$(enc "$B")/agent_workspaces/Agent-1/outbox/reply.json" ] || fail "B's pruned file was exported"
wsm export --db "$DB" --to exp-a --source "$A" --format json
expect_status 0
cmp exp-a/agent_workspaces/Agent-1/status.json A/agent_workspaces/Agent-1/status.json ||
	fail "export of source A differs from A's file"
wsm export --db "$DB" --to exp-b --source "$B"
expect_status 0
cmp exp-b/agent_workspaces/Agent-1/status.json B/agent_workspaces/Agent-1/status.json ||
	fail "export of source B differs from B's file"
[ ! -e exp-b/agent_workspaces/Agent-1/outbox/reply.json ] || fail "B's pruned file was exported"
[ -e exp-a/agent_workspaces/Agent-1/outbox/reply.json ] || fail "A lost its reply.json in the export"
wsm export --db "$DB" --to exp-none --source nosuch
expect_status 2

# backups prune works per source: --source touches only that source's archives
wsm backups prune --db "$DB" --source "$B" --keep-last 1 --force --dry-run --format json
expect_status 0
expect_eq "$(jq -r '[.removed[].run_id] | length' out.txt)" \
	"$(( $(q "select count(*) from wsm_runs where source = '$B' and coalesce(archive_path, '') <> ''") - 1 ))" \
	b_prune_all_but_one
for id in $(jq -r '.removed[].run_id' out.txt); do
	expect_eq "$(q "select source from wsm_runs where id = '$id'")" "$B" pruned_run_is_of_b
done
wsm backups prune --db "$DB" --keep-last 1 --force --dry-run --format json
expect_status 0
expect_eq "$(jq -r '.kept' out.txt)" 2 one_kept_per_source

# rollback --source B undoes B's prune although A ran since
wsm rollback --db "$DB" --source "$B"
expect_status 0
expect_out "rolled back run $B_PRUNE"
expect_eq "$(q "select count(*) from messages where _source = '$B'")" 2 b_prune_undone
expect_eq "$(q "select status from agent_status where _source = '$A' and agent_id = 'Agent-1'")" paused a_untouched_by_b_rollback
# the latest run overall is A3: a plain rollback takes it
wsm rollback --db "$DB"
expect_status 0
expect_out "rolled back run $A3"
expect_eq "$(q "select status from agent_status where _source = '$A' and agent_id = 'Agent-1'")" busy a3_undone
# rolling back every run of A leaves B's rows as they are (--force: A's
# status.json is the one A3 read, not the one of A's earlier archives)
wsm rollback --db "$DB" --source "$A" --force
expect_status 0
wsm rollback --db "$DB" --source "$A" --force
expect_status 0
wsm rollback --db "$DB" --source "$A"
expect_status 3
expect_err "no committed run of source"
expect_eq "$(q "select count(*) from agent_status where _source = '$A'")" 0 a_gone
expect_eq "$(q "select count(*) from wsm_sources where _source = '$A'")" 0 a_sources_gone
expect_eq "$(q "select count(*) from agent_status where _source = '$B'")" 2 b_rows_kept
expect_eq "$(q "select count(*) from messages where _source = '$B'")" 2 b_messages_kept

# --source NAME: a tree moved to another folder keeps its identity
wsm migrate B --schema "$MS" --db "$DB" --source team-b --format json
expect_status 0
expect_eq "$(jget .imported)" 5 new_name_new_source
mv B B2
wsm migrate B2 --schema "$MS" --db "$DB" --source team-b --format json
expect_status 0
expect_eq "$(jget .unchanged)" 5 moved_tree_unchanged
expect_eq "$(jget .deleted)" 0 moved_tree_nothing_deleted
expect_eq "$(jget .moved_from)" "$B" moved_from
expect_err "source 'team-b' was last imported from $B"
