#!/bin/bash
# Like docker-library/rabbitmq: the default user, password and vhost come from
# the environment (written to rabbitmq.conf, applied when the node first boots).
set -euo pipefail
: "${RABBITMQ_DEFAULT_USER:=guest}" "${RABBITMQ_DEFAULT_PASS:=guest}" "${RABBITMQ_DEFAULT_VHOST:=/}" "${E2E_START_DELAY:=0}"
log() { echo "$(date -u +%FT%T.%3NZ) entrypoint: $*"; }
[ "$E2E_START_DELAY" != 0 ] && { log "start delay ${E2E_START_DELAY}s"; sleep "$E2E_START_DELAY"; }
case "$RABBITMQ_DEFAULT_USER$RABBITMQ_DEFAULT_PASS$RABBITMQ_DEFAULT_VHOST" in
  *$'\n'*) echo "error: RABBITMQ_DEFAULT_* must be single lines" >&2; exit 1 ;;
esac
cat >/etc/rabbitmq/rabbitmq.conf <<CONF
listeners.tcp.default = 5672
loopback_users = none
default_user = $RABBITMQ_DEFAULT_USER
default_pass = $RABBITMQ_DEFAULT_PASS
default_vhost = $RABBITMQ_DEFAULT_VHOST
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
log.console = true
log.console.level = info
log.file = false
CONF
chmod 600 /etc/rabbitmq/rabbitmq.conf
log "starting the broker (vhost $RABBITMQ_DEFAULT_VHOST)"
# Debian's /usr/sbin/rabbitmq-server wrapper sends the log to
# /var/log/rabbitmq/startup_log; the real script keeps it on the console.
[ "${1:-}" = rabbitmq-server ] && { shift; exec /usr/lib/rabbitmq/bin/rabbitmq-server "$@"; }
exec "$@"
