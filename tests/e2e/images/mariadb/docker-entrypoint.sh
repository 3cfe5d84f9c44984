#!/bin/bash
# A miniature of docker-library/mariadb's docker-entrypoint.sh: the temporary
# server of the init phase has no TCP listener (--skip-networking), so only a
# probe that connects over TCP and logs in can tell it from the real server.
set -euo pipefail
: "${MARIADB_USER:=}" "${MARIADB_PASSWORD:=}" "${MARIADB_DATABASE:=}" "${E2E_INIT_DELAY:=0}" "${E2E_START_DELAY:=0}"
DATADIR=/var/lib/mysql SOCKET=/run/mysqld/mysqld.sock
# As in the official image, `command: ["--max-connections=50"]` means server options.
case "${1:-}" in -*) set -- mariadbd "$@" ;; esac
log() { echo "$(date -u +%FT%T.%3NZ) entrypoint: $*"; }
[ "$E2E_START_DELAY" != 0 ] && { log "start delay ${E2E_START_DELAY}s"; sleep "$E2E_START_DELAY"; }
# SQL string literal ('' doubles a quote; backslashes escaped).
sql_str() { local v=${1//\\/\\\\}; printf "'%s'" "${v//\'/\'\'}"; }
sql_id() { printf '`%s`' "${1//\`/\`\`}"; }

if [ "${1:-}" = mariadbd ] && [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "${MARIADB_ROOT_PASSWORD:-}" ]; then
    echo "error: database is uninitialized and MARIADB_ROOT_PASSWORD is not set" >&2
    exit 1
  fi
  log "initializing $DATADIR"
  mariadb-install-db --datadir="$DATADIR" --skip-test-db --auth-root-authentication-method=normal \
    --rpm >/dev/null
  log "temporary server (--skip-networking: unix socket only)"
  mariadbd --skip-networking --socket="$SOCKET" --datadir="$DATADIR" &
  pid=$!
  for i in $(seq 1 60); do
    mariadb --protocol=socket --socket="$SOCKET" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "error: the temporary server died" >&2; exit 1; }
    [ "$i" = 60 ] && { echo "error: the temporary server did not answer within 60 s" >&2; exit 1; }
    sleep 1
  done
  {
    # mariadb-install-db's password-less root accounts go, as in the official image.
    echo "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1', 'root'@$(sql_str "$HOSTNAME");"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_str "$MARIADB_ROOT_PASSWORD");"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_str "$MARIADB_ROOT_PASSWORD");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    [ -n "$MARIADB_DATABASE" ] && echo "CREATE DATABASE IF NOT EXISTS $(sql_id "$MARIADB_DATABASE");"
    if [ -n "$MARIADB_USER" ] && [ -n "$MARIADB_PASSWORD" ]; then
      echo "CREATE USER $(sql_str "$MARIADB_USER")@'%' IDENTIFIED BY $(sql_str "$MARIADB_PASSWORD");"
      [ -n "$MARIADB_DATABASE" ] && echo "GRANT ALL ON $(sql_id "$MARIADB_DATABASE").* TO $(sql_str "$MARIADB_USER")@'%';"
    fi
    true
  } | mariadb --protocol=socket --socket="$SOCKET" -uroot
  if [ "$E2E_INIT_DELAY" != 0 ]; then log "init scripts take ${E2E_INIT_DELAY}s"; sleep "$E2E_INIT_DELAY"; fi
  MYSQL_PWD=$MARIADB_ROOT_PASSWORD mariadb-admin --protocol=socket --socket="$SOCKET" -uroot shutdown
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$i" = 60 ] && { echo "error: the temporary server did not stop within 60 s" >&2; exit 1; }
    sleep 1
  done
  wait "$pid" || true
  log "MariaDB init process done. Ready for start up."
fi
if [ "${1:-}" = mariadbd ]; then
  shift
  log "starting the real server"
  exec mariadbd --bind-address=0.0.0.0 --port=3306 --socket="$SOCKET" --datadir="$DATADIR" "$@"
fi
exec "$@"
