#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and prints the `export` line for its connection string.
# Usage: eval "$(bash tools/start-test-postgres.sh)"      Stop: pg_ctl -D "$CHONGQINGVET_PG_DIR" stop
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL server binaries not found: install them (Debian: apt-get install postgresql)" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/chongqingvet-pg.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)))

run() {
  if [ "$(id -u)" = "0" ]; then
    chown -R postgres:postgres "$dir"
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

run "'$bindir/initdb' -D '$dir/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
run "'$bindir/pg_ctl' -D '$dir/data' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on\" -l '$dir/server.log' -w start" >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

echo "export CHONGQINGVET_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres'"
echo "export CHONGQINGVET_PG_DIR='$dir/data'"
echo "export CHONGQINGVET_PG_BIN='$bindir'"
