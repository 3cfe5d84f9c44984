#!/usr/bin/env bash
# Scenario "proxy-502": smoke through the proxy waits out the 502 phase and
# passes once /api/config answers 200; asserted from nginx's access log.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=proxy-502
P=${PROJECT:-sge2e-proxy502}
F=$SCENARIO_DIR/compose.yaml
out=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-proxy.XXXXXX")
chmod 777 "$out"
trap 'dc_down "$P" "$F"; rm -rf "$out"' EXIT
dc_down "$P" "$F"

DC_TIMEOUT=120 dc "$P" "$F" up -d || { e2e_fail $name "compose up failed"; exit 1; }
ng=$(cid "$P" nginx) app=$(cid "$P" app)
t0=$(date +%s.%N)
bounded 150 docker run --rm --network "${P}_default" -v "$SCENARIO_DIR:/stack:ro" -v "$out:/out" -w /stack \
  -e COMPOSE_FILE=/stack/compose.yaml "$STACKGATE_IMAGE" smoke --timeout 90s --report-json /out/r.json
rc=$?
t1=$(date +%s.%N)
echo "smoke exited $rc after $(fcalc "$t1 - $t0") s"
echo "---- nginx access log (status codes in order)"
docker logs "$ng" 2>/dev/null | grep -E '"GET /api/config' | awk '{print $9}' | uniq -c | sed 's/^/    /'
[ "$rc" = 0 ] || { dump_logs "$ng" "$app"; e2e_fail $name "smoke through the proxy exited $rc"; exit 1; }

n502=$(docker logs "$ng" 2>/dev/null | grep -cE '"GET /api/config[^"]*" 502 ')
n200=$(docker logs "$ng" 2>/dev/null | grep -cE '"GET /api/config[^"]*" 200 ')
first200=$(log_ts "$ng" '"GET /api/config[^"]*" 200 ' first)
last502=$(log_ts "$ng" '"GET /api/config[^"]*" 502 ')
listening=$(log_ts "$app" 'slowapp: listening')
echo "502 answers: $n502, 200 answers: $n200; app listening at +$(fcalc "$listening - $t0") s, smoke done at +$(fcalc "$t1 - $t0") s"
[ "$n502" -ge 1 ] || { e2e_fail $name "no 502 phase was observed"; exit 1; }
[ "$n200" -ge 1 ] || { e2e_fail $name "smoke passed without a 200 from /api/config"; exit 1; }
fge "$first200" "$last502" || { e2e_fail $name "a 502 came after the first 200"; exit 1; }
fge "$t1" "$listening" || { e2e_fail $name "smoke passed before the app was listening"; exit 1; }
echo "smoke finished $(fcalc "$t1 - $listening") s after the app started listening"
e2e_pass $name
