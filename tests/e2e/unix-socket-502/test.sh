#!/usr/bin/env bash
# Scenario "unix-socket-502": nginx -> app over a unix socket created with mode
# 0600 by the app's user. nginx answers 502 (its log: "Permission denied");
# `stackgate smoke`, run as nginx's worker uid with the socket's volume, exits 1
# naming the socket, its mode and owner and the probing uid (the unix:// and
# http+unix:// probes are fatal: waiting will not fix a mode). After chgrp
# www-data + chmod 0660 nginx answers 200 and smoke passes.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=unix-socket-502
P=${PROJECT:-sge2e-unixsocket502}
F=$SCENARIO_DIR/compose.yaml
out=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-unix.XXXXXX")
chmod 777 "$out"
trap 'dc_down "$P" "$F"; rm -rf "$out"' EXIT
dc_down "$P" "$F"
check=$E2E_DIR/lib/probe_outcome.py
sock=/run/app/app.sock

DC_TIMEOUT=120 dc "$P" "$F" up -d || { e2e_fail $name "compose up failed"; exit 1; }
app=$(cid "$P" app) ng=$(cid "$P" nginx)
wait_until 60 "the app listening" bash -c "docker logs '$app' 2>&1 | grep -q 'sockapp: listening'" ||
  { dump_logs "$app"; e2e_fail $name "the app did not start"; exit 1; }
docker exec "$app" ls -ln "$sock" | sed 's/^/    /'
app_uid=$(docker exec "$app" id -u) app_gid=$(docker exec "$app" id -g)

# nginx's workers run as www-data: stackgate probes with that uid and gid.
grep_user=$(docker exec "$ng" grep -E '^user ' /etc/nginx/nginx.conf)
nginx_uid=$(docker exec "$ng" id -u www-data) nginx_gid=$(docker exec "$ng" id -g www-data)
echo "nginx: '$grep_user', www-data is $nginx_uid:$nginx_gid"
[ "$grep_user" = "user www-data;" ] && [ -n "$nginx_uid" ] ||
  { e2e_fail $name "nginx's workers do not run as www-data"; exit 1; }

nginx_code() {
  bounded 30 docker run --rm --network "${P}_default" stackgate-e2e/apps \
    curl -s -o /dev/null -w '%{http_code}' http://nginx/api/config
}

# smoke RUN TIMEOUT -> exit code; the report in $out/RUN.json.
smoke() {
  bounded 120 docker run --rm --user "$nginx_uid:$nginx_gid" --network "${P}_default" -v "${P}_sock:/run/app" \
    -v "$SCENARIO_DIR:/stack:ro" -v "$out:/out" -w /stack -e COMPOSE_FILE=/stack/compose.yaml \
    "$STACKGATE_IMAGE" smoke --timeout "$2" --report-json "/out/$1.json" --report-junit "/out/$1.xml"
}

echo "---- socket mode 0600, owned by the app user"
code=$(nginx_code)
echo "nginx answers $code for /api/config"
[ "$code" = 502 ] || { dump_logs "$ng"; e2e_fail $name "could not produce the 502 (nginx said $code)"; exit 1; }
docker logs "$ng" 2>&1 | grep -E 'connect\(\) to unix:.*Permission denied' | tail -1 | sed 's/^/    /'
grep -qE 'connect\(\) to unix:/run/app/app.sock failed \(13: Permission denied\)' <<<"$(docker logs "$ng" 2>&1)" ||
  { dump_logs "$ng"; e2e_fail $name "nginx's log does not show EACCES on the socket"; exit 1; }

t1=$(date +%s.%N)
smoke denied 15s
rc=$?
echo "smoke exited $rc after $(fcalc "$(date +%s.%N) - $t1") s"
[ "$rc" = 1 ] || { e2e_fail $name "smoke with the wrong socket mode exited $rc, expected 1"; exit 1; }
denied="^permission denied connecting to unix socket $sock \\(mode 0600, owner uid $app_uid gid $app_gid; probing as uid $nginx_uid gid $nginx_gid\\)\$"
python3 "$check" "$out/denied.json" app unix --verdict fatal --state failed --reason "$denied" ||
  { e2e_fail $name "unix:// does not name EACCES with the socket's owner and mode (see log)"; exit 1; }
python3 "$check" "$out/denied.json" app http+unix --verdict fatal --reason "$denied" ||
  { e2e_fail $name "http+unix:// does not name EACCES with the socket's owner and mode (see log)"; exit 1; }
python3 "$check" "$out/denied.json" nginx http --verdict not_yet --reason '^HTTP 502 from /api/config$' ||
  { e2e_fail $name "the HTTP probe through nginx does not report the 502 (see log)"; exit 1; }
grep -q "mode 0600, owner uid $app_uid gid $app_gid" "$out/denied.xml" ||
  { e2e_fail $name "the JUnit report does not name the socket's mode"; exit 1; }

echo "---- fixed: group www-data, mode 0660"
docker exec -u 0 "$app" sh -c "chgrp $nginx_gid $sock && chmod 0660 $sock" ||
  { e2e_fail $name "could not fix the socket's permissions"; exit 1; }
docker exec "$app" ls -ln "$sock" | sed 's/^/    /'
code=$(nginx_code)
echo "nginx answers $code for /api/config"
[ "$code" = 200 ] || { dump_logs "$ng"; e2e_fail $name "nginx still answers $code after the fix"; exit 1; }
smoke fixed 30s
rc=$?
[ "$rc" = 0 ] || { e2e_fail $name "smoke after the fix exited $rc, expected 0"; exit 1; }
python3 "$check" "$out/fixed.json" app unix --state ready &&
  python3 "$check" "$out/fixed.json" app http+unix --state ready --reason '^HTTP 200 from /health$' &&
  python3 "$check" "$out/fixed.json" nginx http --state ready --reason '^HTTP 200 from /api/config$' ||
  { e2e_fail $name "report after the fix is wrong (see log)"; exit 1; }
e2e_pass $name
