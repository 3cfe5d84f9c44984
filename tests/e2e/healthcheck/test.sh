#!/usr/bin/env bash
# Scenario "healthcheck": `stackgate check` as healthcheck.test; the
# service_healthy chain comes up in order; broken credentials stay unhealthy
# with a readable reason in .State.Health.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=healthcheck
P=${PROJECT:-sge2e-healthcheck}
F=$SCENARIO_DIR/compose.yaml
trap 'dc_down "$P" "$F"' EXIT
dc_down "$P" "$F"

# The binary really runs inside a Debian-based image (glibc, no extra packages).
if ! out=$(docker run --rm --entrypoint stackgate stackgate-e2e/library/postgres:with-stackgate --version 2>&1); then
  e2e_fail $name "stackgate does not run inside the postgres image: $out"; exit 1
fi
echo "stackgate in the postgres image: $out"

t0=$(date +%s.%N)
DC_TIMEOUT=300 dc "$P" "$F" up -d postgres redis api web postgres-badcred redis-badcred
up_rc=$?
e2e_log "compose up exited $up_rc after $(fcalc "$(date +%s.%N) - $t0") s"
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null; }
for s in postgres redis api web postgres-badcred redis-badcred; do
  c=$(cid "$P" "$s"); echo "$s: $(health "$c")"
done
if [ "$up_rc" != 0 ]; then
  dump_logs $(docker ps -aq --filter "label=com.docker.compose.project=$P")
  for s in postgres redis api web; do
    c=$(cid "$P" "$s"); [ -n "$c" ] && echo "$s health: $(docker inspect -f '{{json .State.Health}}' "$c" | cut -c1-600)"
  done
  e2e_fail $name "compose up of the healthy chain failed (exit $up_rc)"; exit 1
fi

# The chain: web healthy means api was healthy, which needed postgres and redis.
web=$(cid "$P" web) api=$(cid "$P" api) pg=$(cid "$P" postgres) rd=$(cid "$P" redis)
wait_until 60 "web healthy" sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $web)\" = healthy ]" || {
  echo "web health: $(docker inspect -f '{{json .State.Health}}' "$web" | cut -c1-800)"
  e2e_fail $name "web never became healthy"; exit 1; }
if grep -q FATAL <<<"$(docker logs "$api" 2>&1)"; then
  e2e_fail $name "api crashed: $(docker logs "$api" 2>&1 | grep FATAL | head -1 | cut -c1-200)"; exit 1
fi
# api started only after postgres finished its init restart.
pg_real=$(log_ts "$pg" 'database system is ready to accept connections')
api_start=$(started_at "$api")
fge "$api_start" "$pg_real" || { e2e_fail $name "api started before postgres was really up"; exit 1; }
echo "api started $(fcalc "$api_start - $pg_real") s after postgres's real server was ready"

# The broken credentials: unhealthy, with a reason a human can read.
check_broken() {
  local s=$1 pattern=$2 c status out
  c=$(cid "$P" "$s")
  wait_until 60 "$s unhealthy" sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $c)\" = unhealthy ]" || {
    echo "$s health: $(docker inspect -f '{{json .State.Health}}' "$c" | cut -c1-800)"
    BROKEN_ERR="$s is $(health "$c"), expected unhealthy"; return 1; }
  out=$(docker inspect -f '{{json .State.Health}}' "$c" | python3 -c 'import json,sys; h=json.load(sys.stdin); l=h["Log"][-1]; print(l["ExitCode"], l["Output"].strip())')
  echo "$s: unhealthy; last check: $out"
  if ! grep -qiE -- "$pattern" <<<"$out"; then BROKEN_ERR="$s's health output does not say why ($out)"; return 1; fi
  case "$out" in 1\ *) ;; *) BROKEN_ERR="$s's check exit code is not 1 ($out)"; return 1 ;; esac
  if grep -q wrong-pw-7731 <<<"$out"; then BROKEN_ERR="$s's health output leaks the password ($out)"; return 1; fi
}
BROKEN_ERR=""
check_broken postgres-badcred 'password|authentication|auth' || { e2e_fail $name "$BROKEN_ERR"; exit 1; }
check_broken redis-badcred 'WRONGPASS|password|auth' || { e2e_fail $name "$BROKEN_ERR"; exit 1; }

# A healthy check costs little: time one in the postgres container.
t1=$(date +%s.%N)
docker exec "$pg" stackgate check postgres://app:app-pw@127.0.0.1:5432/app >/dev/null 2>&1 || true
echo "one 'stackgate check postgres://...' via docker exec: $(fcalc "$(date +%s.%N) - $t1") s"
e2e_pass $name
