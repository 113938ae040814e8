#!/bin/sh
# pg.sh - a throwaway PostgreSQL server for the tests (no mocks).
#
#   eval "$(tests/pg.sh start DIR)"   initdb a cluster in DIR (created, must
#                                     not hold a cluster yet), start it on a
#                                     free 127.0.0.1 port and a unix socket in
#                                     DIR, create database wsm_test, and print
#                                     shell assignments to eval:
#                                       WSM_TEST_PG_URL     superuser, trust auth
#                                       WSM_TEST_PG_PW_URL  role wsm_pw, password
#                                                           auth (masking tests)
#                                       PGHOST PGPORT PGUSER PGDATABASE
#   tests/pg.sh stop DIR              stop the server and remove DIR
#
# Callers stop it from a trap so it goes away when tests fail:
#   d=$(mktemp -d); trap 'tests/pg.sh stop "$d"' EXIT
#   eval "$(tests/pg.sh start "$d")"
# As root the cluster belongs to the "postgres" user (initdb refuses root);
# DIR is chown'ed to it, so DIR's parents must be searchable by it (mktemp -d
# under /tmp is fine).  Everything but the assignments goes to stderr; the
# server log is DIR/server.log.
set -eu

die() { echo "pg.sh: $*" >&2; exit 1; }

find_bindir() {
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	done
	return 1
}

bindir() {
	if ! b=$(find_bindir); then
		if [ "$(id -u)" = 0 ]; then
			echo "pg.sh: PostgreSQL server not found, installing it" >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 ||
				{ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; } ||
				die "apt-get install -y postgresql failed"
			b=$(find_bindir) || die "PostgreSQL installed but initdb not found"
		else
			die "PostgreSQL server not found; run: sudo apt-get install -y postgresql"
		fi
	fi
	echo "$b"
}

# Run a command as the cluster owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		if command -v runuser >/dev/null 2>&1; then
			runuser -u postgres -- "$@"
		else
			su postgres -s /bin/sh -c '"$0" "$@"' -- "$@"
		fi
	else
		"$@"
	fi
}

port_free() {
	# a connection that succeeds means someone listens there
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 1; fi
	return 0
}

start() {
	dir=$1
	B=$(bindir)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -e "$dir/data/PG_VERSION" ] && die "'$dir' already holds a cluster"
	: >"$dir/.wsm-pg-harness"
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "user 'postgres' missing (install the postgresql package)"
		chown -R postgres "$dir"
	fi
	as_owner "$B/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
		as_owner "$B/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
			--locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	# password auth for wsm_pw (masking tests), trust for everyone else
	as_owner sh -c "cat >'$dir/data/pg_hba.conf'" <<HBA
local all wsm_pw scram-sha-256
host  all wsm_pw 127.0.0.1/32 scram-sha-256
local all all trust
host  all all 127.0.0.1/32 trust
HBA
	# a unix socket path is limited to ~107 bytes: TCP only when DIR is long
	sockdir=$dir
	[ ${#dir} -gt 90 ] && sockdir=
	tries=0
	while :; do
		tries=$((tries + 1))
		[ $tries -gt 20 ] && die "no free port found to start PostgreSQL"
		port=$(( 20000 + ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 ) ))
		port_free "$port" || continue
		if as_owner "$B/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/server.log" \
			-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$sockdir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
			start >&2; then
			break
		fi
		tail -5 "$dir/server.log" >&2 || true
	done
	echo "$port" >"$dir/port"
	psql_=$(dirname "$B")/bin/psql
	[ -x "$psql_" ] || psql_=psql
	as_owner "$psql_" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
		-v ON_ERROR_STOP=1 >&2 <<SQL || die "cannot create the test database"
SET password_encryption = 'scram-sha-256';
CREATE ROLE wsm_pw LOGIN PASSWORD 'wsm-secret-pw';
CREATE DATABASE wsm_test;
GRANT ALL ON DATABASE wsm_test TO wsm_pw;
SQL
	cat <<OUT
WSM_TEST_PG_URL='postgresql://postgres@127.0.0.1:$port/wsm_test'; export WSM_TEST_PG_URL
WSM_TEST_PG_PW_URL='postgresql://wsm_pw:wsm-secret-pw@127.0.0.1:$port/wsm_test'; export WSM_TEST_PG_PW_URL
PGHOST=127.0.0.1; export PGHOST
PGPORT=$port; export PGPORT
PGUSER=postgres; export PGUSER
PGDATABASE=wsm_test; export PGDATABASE
OUT
}

stop() {
	dir=$1
	[ -d "$dir" ] || return 0
	[ -e "$dir/.wsm-pg-harness" ] || die "'$dir' was not made by pg.sh start; not removing it"
	if [ -e "$dir/data/postmaster.pid" ]; then
		B=$(find_bindir) || die "PostgreSQL binaries not found"
		as_owner "$B/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 ||
			echo "pg.sh: pg_ctl stop failed (see $dir/server.log)" >&2
	fi
	rm -rf "$dir"
}

case "${1:-}" in
start) [ $# -eq 2 ] || die "usage: pg.sh start DIR"; start "$2" ;;
stop)  [ $# -eq 2 ] || die "usage: pg.sh stop DIR"; stop "$2" ;;
*)     die "usage: pg.sh start DIR | pg.sh stop DIR" ;;
esac
