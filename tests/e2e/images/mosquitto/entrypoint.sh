#!/bin/bash
set -eu
[ "${E2E_START_DELAY:-0}" != 0 ] && sleep "$E2E_START_DELAY"
conf=/tmp/mosquitto.conf
{ echo "listener 1883"; echo "persistence false"; echo "log_dest stdout"; } >$conf
if [ -n "${MQTT_USER:-}" ]; then
  : >/tmp/passwd
  mosquitto_passwd -b /tmp/passwd "$MQTT_USER" "${MQTT_PASSWORD:-}"
  { echo "allow_anonymous false"; echo "password_file /tmp/passwd"; } >>$conf
else
  echo "allow_anonymous true" >>$conf
fi
chown mosquitto /tmp/passwd 2>/dev/null || true
exec mosquitto -c $conf
