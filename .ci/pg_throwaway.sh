#!/bin/bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for tests and CI; leaves nothing behind.
#   eval "$(.ci/pg_throwaway.sh start)"  -> exports PGHOST PGPORT PGUSER PGDATA_DIR PGSOCKET_DIR
#   .ci/pg_throwaway.sh stop "$PGDATA_DIR"
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -n "$PGBIN" ] || { echo "no PostgreSQL binaries under /usr/lib/postgresql" >&2; exit 1; }
RUN=""; [ "$(id -u)" = 0 ] && RUN="runuser -u postgres --"
case "${1:-}" in
start)
  DIR=$(mktemp -d -t pgtmp.XXXXXX)
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  [ -n "$RUN" ] && chown postgres:postgres "$DIR"
  $RUN "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1
  $RUN "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  echo "export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATA_DIR=$DIR PGSOCKET_DIR=$DIR" ;;
stop)
  DIR=${2:?usage: pg_throwaway.sh stop DIR}
  $RUN "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
  rm -rf "$DIR" ;;
*) echo "usage: pg_throwaway.sh start | stop DIR" >&2; exit 2 ;;
esac
