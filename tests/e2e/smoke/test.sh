#!/usr/bin/env bash
# Scenario "smoke": `stackgate smoke --report-json --report-junit`, run in a
# container on the stack's network, passes on a healthy stack and fails (exit 1)
# on a broken one (stopped redis, wrong postgres password, nginx 502 because its
# upstream is down) with reports that name each service and its reason.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=smoke
P=${PROJECT:-sge2e-smoke}
F=$SCENARIO_DIR/compose.yaml
out=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-smoke.XXXXXX")
chmod 777 "$out"
trap 'dc_down "$P" "$F"; rm -rf "$out"' EXIT
dc_down "$P" "$F"

DC_TIMEOUT=180 dc "$P" "$F" up -d || { e2e_fail $name "compose up failed"; exit 1; }

# smoke RUN_NAME COMPOSE_FILE_LIST TIMEOUT -> exit code; reports in $out/RUN_NAME.*
smoke() {
  local run=$1 files=$2 timeout=$3
  bounded 180 docker run --rm --network "${P}_default" \
    -v "$SCENARIO_DIR:/stack:ro" -v "$out:/out" -w /stack -e COMPOSE_FILE="$files" \
    "$STACKGATE_IMAGE" smoke --timeout "$timeout" \
    --report-json "/out/$run.json" --report-junit "/out/$run.xml"
}

echo "---- smoke on the healthy stack"
smoke healthy /stack/compose.yaml 90s
rc=$?
[ "$rc" = 0 ] || { e2e_fail $name "smoke failed on a healthy stack (exit $rc)"; exit 1; }
python3 "$E2E_DIR/lib/reports.py" "$out/healthy.json" "$out/healthy.xml" --expect-pass postgres redis app nginx ||
  { e2e_fail $name "healthy-stack reports are wrong (see log)"; exit 1; }

echo "---- breaking the stack: stop redis, stop the app behind nginx, drift the postgres password"
bounded 60 docker stop -t 2 "$(cid "$P" redis)" "$(cid "$P" app)" >/dev/null
# nginx now answers 502 for the app's routes.
code=$(bounded 30 docker run --rm --network "${P}_default" stackgate-e2e/apps \
  curl -s -o /dev/null -w '%{http_code}' http://nginx/api/config)
echo "nginx answers $code for /api/config"
[ "$code" = 502 ] || { e2e_fail $name "could not produce the 502 (nginx said $code)"; exit 1; }

t1=$(date +%s.%N)
smoke broken /stack/compose.yaml:/stack/compose.drift.yaml 15s
rc=$?
echo "broken smoke exited $rc after $(fcalc "$(date +%s.%N) - $t1") s"
[ "$rc" = 1 ] || { e2e_fail $name "smoke on a broken stack exited $rc, expected 1"; exit 1; }
python3 "$E2E_DIR/lib/reports.py" "$out/broken.json" "$out/broken.xml" \
  --expect-fail 'redis=refused|resolv|connect|unreachable|not known|timed out|timeout' \
  --expect-fail 'postgres=password|authentication' \
  --expect-fail 'nginx=502|bad gateway' \
  --expect-pass-or-skip app ||
  { e2e_fail $name "broken-stack reports do not name the services and reasons (see log)"; exit 1; }
e2e_pass $name
