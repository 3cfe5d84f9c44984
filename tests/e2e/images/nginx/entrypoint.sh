#!/bin/bash
set -eu
[ "${E2E_START_DELAY:-0}" != 0 ] && sleep "$E2E_START_DELAY"
up=${UPSTREAM:-app:8080}
cat >/etc/nginx/conf.d/e2e.conf <<CONF
server {
  listen 80 default_server;
  access_log /dev/stdout;
  resolver 127.0.0.11 valid=1s ipv6=off;
  resolver_timeout 1s;
  set \$up http://$up;
  location = / { return 200 "frontend ok\n"; }
  location /api/ { proxy_pass \$up; proxy_connect_timeout 2s; proxy_read_timeout 5s; }
  location = /health { proxy_pass \$up; proxy_connect_timeout 2s; proxy_read_timeout 5s; }
}
CONF
exec nginx -g 'daemon off; error_log /dev/stderr warn;'
