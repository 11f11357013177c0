#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and prints its URL.
#   .ci/postgres.sh start   -> prints postgres://postgres@127.0.0.1:54329/postgres
#   .ci/postgres.sh stop DIR
# It installs nothing: .ci/run installs Debian's postgresql first. The
# cluster lives in a temporary directory, listens on loopback only and
# trusts loopback connections (nothing but the tests can reach it).
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
port="${COPHARVEST_PG_PORT:-54329}"
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
start)
  dir="$(mktemp -d /tmp/copharvest-pg.XXXXXX)"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --locale=C.UTF-8 --encoding=UTF8 >"$dir/initdb.log"
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
  echo "$dir" >"${COPHARVEST_PG_DIRFILE:-/dev/null}"
  echo "postgres://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  dir="$2"
  as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null || true
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
