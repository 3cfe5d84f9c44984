#!/bin/bash
# A faithful miniature of docker-library/postgres's docker-entrypoint.sh.
set -euo pipefail
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}" "${E2E_INIT_DELAY:=0}" "${E2E_START_DELAY:=0}"
log() { echo "$(date -u +%FT%T.%3NZ) entrypoint: $*"; }
[ "$E2E_START_DELAY" != 0 ] && { log "start delay ${E2E_START_DELAY}s"; sleep "$E2E_START_DELAY"; }

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "error: database is uninitialized and POSTGRES_PASSWORD is not set" >&2
    exit 1
  fi
  log "initializing $PGDATA"
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
  printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  # The temporary server: socket only, exactly like the official image.
  log "temporary server (unix socket only)"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  export PGUSER=$POSTGRES_USER PGHOST=/var/run/postgresql
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --dbname postgres -q -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) log "running $f"; . "$f" ;;
      *.sql) log "running $f"; psql -v ON_ERROR_STOP=1 --dbname "$POSTGRES_DB" -q -f "$f" ;;
      *) ;;
    esac
  done
  if [ "$E2E_INIT_DELAY" != 0 ]; then log "init scripts take ${E2E_INIT_DELAY}s"; sleep "$E2E_INIT_DELAY"; fi
  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGHOST PGUSER
  log "PostgreSQL init process complete; ready for start up."
fi
log "starting the real server"
exec "$@"
