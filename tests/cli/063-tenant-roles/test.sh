. "$WSM_ROOT/tests/cli/lib.sh"
# postgres-only
# Tenants (issue 15): row-level security FORCEd and bound to roles through
# wsm_tenant_roles.  A non-owner role bound to one tenant sees and changes
# only that tenant's rows and runs (direct SQL), cannot run an import for
# another tenant, and rollback keeps to a tenant's own chain.
MS="$WSM_ROOT/fixtures/mini-schema"
tree mini
wsm migrate tree --schema "$MS" --db "$DB" --tenant acme --format json
expect_status 0
RUN_ACME=$(jget .run_id)
wsm migrate tree --schema "$MS" --db "$DB" --tenant globex --format json
expect_status 0
expect_eq "$(q "select count(*) from agent_status")" 4 two_tenants_two_rows
for t in agent_status messages wsm_runs wsm_files wsm_sources wsm_hist_wsm_sources wsm_tables; do
	expect_eq "$(q "select relrowsecurity and relforcerowsecurity from pg_class where relname = '$t'")" t "forced_$t"
done

# a login role for globex, with every table privilege: RLS alone keeps it out
R=wsm_glob_$(basename "$WSM_WORK" | tr -c 'a-zA-Z0-9\n' '_' | tr 'A-Z' 'a-z')
q "DROP ROLE IF EXISTS $R" >/dev/null 2>&1
q "CREATE ROLE $R LOGIN; GRANT USAGE ON SCHEMA public TO $R;
   GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $R;
   GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO $R;
   INSERT INTO wsm_tenant_roles VALUES ('$R', 'globex')" >/dev/null || fail "cannot create the role"
on_exit 'q "DROP OWNED BY $R; DROP ROLE IF EXISTS $R" >/dev/null 2>&1'
RDB=$(echo "$DB" | sed "s|://[^@/]*@|://$R@|")
rq() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$RDB" -c "$1"; }
expect_eq "$(rq "select count(*) from agent_status")" 2 sees_own_rows
expect_eq "$(rq "set app.tenant_id = 'acme'; select count(*) from agent_status where tenant_id = 'acme'")" 0 setting_does_not_help
expect_eq "$(rq "select count(*) from wsm_runs")" 1 sees_own_run
expect_eq "$(rq "select count(*) from wsm_sources where tenant_id = 'acme'")" 0 no_acme_sources
expect_eq "$(rq "with x as (delete from wsm_sources where tenant_id = 'acme' returning 1) select count(*) from x")" 0 cannot_delete_acme
expect_eq "$(rq "with x as (update wsm_runs set tree_root = '/evil' where id = '$RUN_ACME' returning 1) select count(*) from x")" 0 cannot_move_acme
rq "insert into wsm_tenant_roles values ('$R', 'acme')" >/dev/null 2>&1 && fail "a tenant bound itself to another tenant"
expect_eq "$(q "select tree_root from wsm_runs where id = '$RUN_ACME'")" "$WSM_WORK/tree" acme_run_intact

# the role imports for its tenant, and not for another
wsm migrate tree --schema "$MS" --db "$RDB" --tenant acme
expect_status 2
expect_err "is not bound to tenant 'acme'"
printf '{"agent_id": "Agent-1", "status": "paused"}\n' > tree/agent_workspaces/Agent-1/status.json
wsm migrate tree --schema "$MS" --db "$RDB" --tenant globex --format json
expect_status 0
expect_eq "$(jget .imported)" 1 globex_changed
expect_eq "$(q "select status from agent_status where tenant_id = 'acme' and agent_id = 'Agent-1'")" busy acme_untouched

# rollback: acme's run goes although globex ran since (another tenant)
wsm rollback --db "$DB" --run "$RUN_ACME" --force
expect_status 0
expect_eq "$(q "select count(*) from agent_status where tenant_id = 'acme'")" 0 acme_rolled_back
expect_eq "$(q "select count(*) from agent_status where tenant_id = 'globex'")" 2 globex_kept
# the role's plain rollback undoes its own tenant's latest run
wsm rollback --db "$RDB" --force
expect_status 0
expect_eq "$(q "select status from agent_status where tenant_id = 'globex' and agent_id = 'Agent-1'")" busy globex_latest_undone
