#!/usr/bin/env bash
# A PostgreSQL server for the storage tests (tests/api/test_storage.py).
#
# Installs Debian's postgresql package when no server is installed, starts a cluster of
# the project's own (data in $ZERO_BACKLOG_PG_DIR, default /var/tmp/zero-backlog-pg,
# listening on 127.0.0.1:$ZERO_BACKLOG_PG_PORT, default 54329; the Debian cluster on 5432
# is left alone), and makes the user zb (password zb, may create databases) and the
# database zb_test. Prints the URL for ZERO_BACKLOG_TEST_POSTGRES_URL on stdout; everything
# else goes to stderr. Idempotent: when the server is up already it only checks and prints.
#
#   export ZERO_BACKLOG_TEST_POSTGRES_URL=$(bash .ci/postgres.sh)
#
# The cluster is for tests only: fsync is off. Stop it with
#   runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D /var/tmp/zero-backlog-pg/data stop
set -euo pipefail

port=${ZERO_BACKLOG_PG_PORT:-54329}
base=${ZERO_BACKLOG_PG_DIR:-/var/tmp/zero-backlog-pg}
data=$base/data

say() { echo "postgres.sh: $*" >&2; }

server_bin() {  # the newest installed server's bin directory, or nothing (a client-only
    # install has /usr/lib/postgresql/N/bin too, with psql but no initdb)
    { find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null || true; } \
        | sort -V | tail -n 1 | xargs -r dirname
}

as_owner() {  # the server refuses to run as root: as root, run its tools as 'postgres'
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_server() {
    bash "$(dirname "$0")/apt-install.sh" postgresql
}

init_cluster() {
    local version=$1
    if [ -f "$data/PG_VERSION" ] && [ "$(cat "$data/PG_VERSION")" != "$version" ]; then
        say "cluster in $data is of PostgreSQL $(cat "$data/PG_VERSION"), not $version: new cluster"
        rm -rf "$data"
    fi
    mkdir -p "$base"
    chmod 700 "$base"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$base"
    [ -f "$data/PG_VERSION" ] && return
    say "new cluster in $data"
    as_owner "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$base/initdb.log" 2>&1 \
        || { cat "$base/initdb.log" >&2; exit 1; }
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF
# zero-backlog test cluster (.ci/postgres.sh): throwaway data, so no durability
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$base'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
}

start_cluster() {
    if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        say "server already running ($data, port $port)"
        return
    fi
    say "starting the server on 127.0.0.1:$port"
    as_owner "$bin/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 start >/dev/null \
        || { tail -n 20 "$base/server.log" >&2; exit 1; }
}

make_user_and_database() {
    local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$base" -p "$port" -U postgres -d postgres)
    as_owner "${psql[@]}" >&2 <<'EOF'
SELECT 'CREATE ROLE zb LOGIN CREATEDB PASSWORD ''zb'''
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'zb') \gexec
SELECT 'CREATE DATABASE zb_test OWNER zb'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'zb_test') \gexec
EOF
}

bin=$(server_bin)
if [ -z "$bin" ]; then
    install_server
    bin=$(server_bin)
fi
[ -n "$bin" ] || { say "no server under /usr/lib/postgresql after the install"; exit 1; }
version=$(basename "$(dirname "$bin")")  # /usr/lib/postgresql/15/bin: 15
init_cluster "$version"
start_cluster
make_user_and_database
say "PostgreSQL $version ready"
echo "postgresql+psycopg://zb:zb@127.0.0.1:$port/zb_test"
