. "$WSM_ROOT/tests/cli/lib.sh"
# postgres-only
# (issue 13) a password never shows, whatever form libpq is given it in:
# URI userinfo, ?password=, keywords quoted or not, spaces or tabs around
# "=", PGPASSWORD, ~/.pgpass, a service file; nor in libpq's own parse
# errors, which echo the connection string.  Every output, every ledger
# table and every archive index is searched.  Also: the connection says
# application_name=wsmigrate, and a missing password says how to give one.
[ -n "${WSM_TEST_PG_PW_URL:-}" ] || skip "SKIP: no password role in the test server"
PW=$(echo "$WSM_TEST_PG_PW_URL" | sed -n 's|^[a-z]*://[^:]*:\([^@]*\)@.*|\1|p')
[ -n "$PW" ] || skip "SKIP: cannot read the password from the URL"
command -v pg_dump >/dev/null || skip "SKIP: pg_dump not installed"
psql -q -X -d "$WSM_TEST_PG_URL" -c "ALTER DATABASE \"$DBNAME\" OWNER TO wsm_pw" >/dev/null || fail "cannot hand the database to wsm_pw"
psql -q -X -d "$DB" -c "ALTER SCHEMA public OWNER TO wsm_pw" >/dev/null || fail "cannot hand the schema to wsm_pw"
HP=$(echo "$WSM_TEST_PG_PW_URL" | sed -n 's|^[a-z]*://[^@]*@\([^/]*\)/.*|\1|p')
H=${HP%:*}; P=${HP#*:}
# what the server sees as the client's name: an event trigger notes it
psql -q -X -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL' || fail "cannot set up the event trigger"
CREATE TABLE app_seen(name text);
GRANT INSERT ON app_seen TO PUBLIC;
CREATE FUNCTION note_app() RETURNS event_trigger LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO app_seen VALUES (current_setting('application_name')); END$$;
CREATE EVENT TRIGGER note_app ON ddl_command_end EXECUTE FUNCTION note_app();
SQL

export HOME="$WSM_WORK/home"
mkdir -p "$HOME"
export PGPASSFILE="$WSM_WORK/no-pgpass"    # none, unless a case sets it
TAB=$(printf '\t')
tree mini
n=0
check_outputs() {
	if grep -q -a -F -- "$PW" out.txt err.txt; then
		cat out.txt err.txt; fail "password in the output of $1"
	fi
}
# run CASE-NAME URL: every command that takes --db, outputs searched
run_all() {
	name=$1 url=$2
	n=$((n + 1))
	printf '{"agent_id": "A%s", "status": "idle"}\n' "$n" > tree/agent_workspaces/Agent-1/status.json
	wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$url" --backup-dir "$WSM_WORK/bk" --format json
	[ "$ST" -eq 0 ] || { cat out.txt err.txt; fail "$name: migrate failed ($ST)"; }
	check_outputs "$name: migrate --format json"
	case "$url" in
	*"$PW"*) jget .db | grep -q -F '***' || fail "$name: db not shown masked: $(jget .db)"
		jget .db | grep -q -F "$H" || fail "$name: db lost its host: $(jget .db)" ;;
	esac
	wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "$url" --backup-dir "$WSM_WORK/bk" -v
	[ "$ST" -eq 0 ] || { cat out.txt err.txt; fail "$name: second migrate failed ($ST)"; }
	check_outputs "$name: migrate"
	for c in "runs" "runs --format json" "backups list" "backups list --format json" "backups verify" "rollback --dry-run"; do
		wsm $c --db "$url"
		check_outputs "$name: $c"
	done
}

run_all "URI userinfo" "postgresql://wsm_pw:$PW@$H:$P/$DBNAME"
run_all "?password=" "postgresql://wsm_pw@$H:$P/$DBNAME?password=$PW&connect_timeout=10"
run_all "keywords" "host=$H port=$P dbname=$DBNAME user=wsm_pw password=$PW"
run_all "quoted keyword" "host=$H port=$P dbname=$DBNAME user=wsm_pw password='$PW'"
run_all "spaces around =" "host=$H port=$P dbname=$DBNAME user=wsm_pw password = '$PW'"
run_all "space after =" "host=$H port=$P dbname=$DBNAME user=wsm_pw password= '$PW'"
run_all "tab before password" "host=$H port=$P dbname=$DBNAME user=wsm_pw${TAB}password=$PW"
run_all "tabs around =" "host=$H${TAB}port=$P dbname=$DBNAME user=wsm_pw password${TAB}=${TAB}$PW"
PGPASSWORD=$PW run_all "PGPASSWORD" "postgresql://wsm_pw@$H:$P/$DBNAME"
echo "$H:$P:*:wsm_pw:$PW" > "$WSM_WORK/pgpass"; chmod 600 "$WSM_WORK/pgpass"
PGPASSFILE="$WSM_WORK/pgpass" run_all "pgpass" "host=$H port=$P dbname=$DBNAME user=wsm_pw"
printf '[wsmsvc]\nhost=%s\nport=%s\ndbname=%s\nuser=wsm_pw\npassword=%s\n' "$H" "$P" "$DBNAME" "$PW" > "$WSM_WORK/pg_service.conf"
PGSERVICEFILE="$WSM_WORK/pg_service.conf" run_all "service file" "service=wsmsvc"

# libpq's parse errors echo the string: scrubbed
for url in "postgresql://wsm_pw:$PW@[$H:$P/$DBNAME" "postgresql://wsm_pw:${PW}%zz@$H/$DBNAME" \
	"host=$H password='$PW" "host=$H password = $PW bogus=1" \
	"postgresql://wsm_pw@$H:$P/$DBNAME?password=$PW&bogus=1"; do
	for c in "runs" "migrate tree --schema $WSM_ROOT/fixtures/mini-schema"; do
		wsm $c --db "$url"
		expect_status 3
		check_outputs "a broken connection string ($c)"
		[ -s err.txt ] || fail "no error for a broken connection string"
	done
done
wsm runs --db "postgresql://wsm_pw:$PW@[$H:$P/$DBNAME"
expect_err 'wsm_pw:\*\*\*@\['       # the rest of the echo stays readable
# a wrong password, and promote's errors, scrubbed as well
wsm runs --db "postgresql://wsm_pw:wrong$PW@$H:$P/$DBNAME"
expect_status 3
check_outputs "a refused password"
expect_err "password authentication failed"
expect_err "hint: check the password"
wsm migrate tree --schema "$WSM_ROOT/fixtures/mini-schema" --db "sqlite:$WSM_WORK/src.db" --backup-dir "$WSM_WORK/bk2" -q
expect_status 0
for url in "host=$H port=$P dbname=$DBNAME user=wsm_pw password = '$PW'" \
	"postgresql://wsm_pw:wrong$PW@$H:$P/$DBNAME" "postgresql://wsm_pw:${PW}%zz@$H/$DBNAME"; do
	for f in text json; do
		wsm promote --from "sqlite:$WSM_WORK/src.db" --to "$url" --format $f
		check_outputs "promote --format $f"
	done
done
# a missing password says how to give one
wsm runs --db "postgresql://wsm_pw@$H:$P/$DBNAME"
expect_status 3
expect_err "hint: .*PGPASSWORD.*pgpass"
# the ledger and every archive index
pg_dump --data-only -d "$DB" > dump.sql || fail "pg_dump failed"
grep -q wsm_runs dump.sql || fail "the dump has no ledger"
grep -q -a -F -- "$PW" dump.sql && fail "password in the ledger"
ls "$WSM_WORK"/bk/*.tar.zst >/dev/null 2>&1 || fail "no archives"
for a in "$WSM_WORK"/bk/*.tar.zst; do
	zstd -dc "$a" | grep -q -a -F -- "$PW" && fail "password in archive $a"
done
cat "$WSM_WORK"/bk/*.manifest.json | grep -q -F -- "$PW" && fail "password in an archive index"
# every connection said who it was
expect_eq "$(q "select count(*) from app_seen where name <> 'wsmigrate'")" 0 "other application names"
[ "$(q "select count(*) from app_seen")" -gt 0 ] || fail "the event trigger saw nothing"
exit 0
