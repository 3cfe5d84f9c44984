#!/usr/bin/env bash
# Scenario "mqtt-503": `stackgate serve` as a service of the stack, with the
# Docker socket and --restart-unhealthy. Stopping the broker kills the
# backend's MQTT link: serve marks the backend unhealthy after 3 failures
# (the 503 through nginx), restarts its container through the Engine API, and
# sees it recover once the broker is back. Each step is asserted from
# /status, /readyz and the containers, with bounded polls.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=mqtt-503
P=${PROJECT:-sge2e-mqtt503}
F=$SCENARIO_DIR/compose.yaml
DOCKER_GID=$(stat -c %g /var/run/docker.sock 2>/dev/null || echo 0)
export COMPOSE_PROJECT_NAME=$P STACKGATE_IMAGE DOCKER_GID
trap 'dc_down "$P" "$F"' EXIT
dc_down "$P" "$F"

fail() { dump_logs "$(cid "$P" health)" "$(cid "$P" backend)"; e2e_fail $name "$*"; exit 1; }

DC_TIMEOUT=120 dc "$P" "$F" up -d || fail "compose up failed"
hc=$(cid "$P" health) be=$(cid "$P" backend) mq=$(cid "$P" mosquitto)
addr=$(grep -m1 '^127\.0\.0\.1:' <<<"$(docker port "$hc" 9400/tcp)") || fail "serve's port is not published"
echo "serve at $addr"

code() { curl -s -o /dev/null -w '%{http_code}' -m 2 "http://$addr$1"; }
# backend_field FIELD: the backend target's FIELD in /status ("" when absent)
backend_field() {
  curl -s -m 2 "http://$addr/status" | python3 -c 'import json,sys
doc=json.load(sys.stdin)
t=[t for t in doc["targets"] if t["service"]=="backend"]
print(t[0][sys.argv[1]] if t else "")' "$1" 2>/dev/null
}
is_state() { [ "$(backend_field state)" = "$1" ]; }
serve_log() { docker logs "$hc" 2>&1; }

# 1. Up: every target healthy, and the compose healthcheck (stackgate check /readyz) agrees.
wait_until 90 "/readyz 200" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -m 2 http://$addr/readyz)\" = 200 ]" ||
  fail "/readyz never answered 200 ($(curl -s -m 2 "http://$addr/readyz"))"
wait_until 30 "health container healthy" bash -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $hc)\" = healthy ]" ||
  fail "the compose healthcheck on /readyz never passed"
echo "step 1: ready; /readyz?service=backend $(code '/readyz?service=backend')"
# Targets still starting when serve came up (never healthy yet) were left alone.
grep -q 'restart' <<<"$(serve_log)" && fail "serve restarted something during start-up: $(serve_log | grep -m1 restart)"
before=$(started_at "$be")

# 2. The broker goes away: the backend answers 503 {"mqtt": {"connected": false}}.
t_stop=$(date +%s.%N)
bounded 30 docker stop -t 5 "$mq" >/dev/null || fail "could not stop the broker"
wait_until 30 "backend unhealthy" is_state unhealthy || fail "backend never turned unhealthy ($(backend_field last_reason))"
failures=$(backend_field consecutive_failures)
reason=$(backend_field last_reason)
echo "step 2: backend unhealthy after $(fcalc "$(date +%s.%N) - $t_stop") s, $failures consecutive failures: $reason"
[ "$failures" -ge 3 ] || fail "unhealthy after $failures failures, expected the threshold of 3"
grep -q '503' <<<"$reason" || fail "the reason does not name the 503: $reason"
[ "$(code /readyz)" = 503 ] || fail "/readyz is not 503 while the backend is unhealthy"
[ "$(code '/readyz?service=nginx')" = 503 ] || fail "/readyz?service=nginx (closure: backend) is not 503"
grep -q '^backend http://nginx/api/health' <<<"$(curl -s -m 2 "http://$addr/readyz")" || fail "/readyz's body does not list the backend"
grep -qF 'backend http://nginx/api/health?status=200&timeout=3s: healthy -> unhealthy' <<<"$(serve_log)" ||
  fail "serve did not log the transition"

# 3. The action: serve restarts the backend's container through the Engine API.
wait_until 60 "restart logged" bash -c "docker logs $hc 2>&1 | grep -q 'restart of backend: restarted '" ||
  fail "serve did not restart the backend ($(serve_log | grep -E 'restart' | tail -2 | tr '\n' ' '))"
after=$(started_at "$be")
echo "step 3: $(serve_log | grep -m1 'restart of backend: ')"
fge "$after" "$(fcalc "$before + 0.5")" || fail "the backend container was not restarted (StartedAt $before -> $after)"
[ "$(docker inspect -f '{{.State.Running}}' "$be")" = true ] || fail "the backend is not running after the restart"
is_state unhealthy || fail "backend healthy again while the broker is still down"

# 4. The broker is back: the restarted backend connects and serve sees it recover.
bounded 30 docker start "$mq" >/dev/null || fail "could not start the broker"
t_start=$(date +%s.%N)
wait_until 60 "backend healthy" is_state healthy || fail "backend never recovered ($(backend_field last_reason))"
wait_until 20 "/readyz 200 again" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -m 2 http://$addr/readyz)\" = 200 ]" ||
  fail "/readyz is not 200 after the recovery"
echo "step 4: recovered $(fcalc "$(date +%s.%N) - $t_start") s after the broker was started"
grep -qF 'backend http://nginx/api/health?status=200&timeout=3s: unhealthy -> healthy' <<<"$(serve_log)" ||
  fail "serve did not log the recovery"

# The restart was what helped: the first process lost its link and never
# reconnected; the link came back only in the restarted one.
blog=$(docker logs "$be" 2>&1)
lost=$(grep -n 'link lost' <<<"$blog" | head -1 | cut -d: -f1)
again=$(grep -n 'mqtt: connected' <<<"$blog" | sed -n 2p | cut -d: -f1)
[ -n "$lost" ] && [ -n "$again" ] && [ "$again" -gt "$lost" ] || fail "backend log lacks 'link lost' then a second connect"
restarts=$(serve_log | grep -c 'restart of backend: restarted ')
echo "serve restarted the backend $restarts time(s); serve log:"
serve_log | grep -E 'unhealthy|healthy|restart' | sed 's/^/    /'
[ "$restarts" -le 4 ] || fail "$restarts restarts, more than --max-actions-per-hour 4"
secrets=$(serve_log | grep -ci 'password' || true)
[ "$secrets" = 0 ] || fail "serve's log mentions a password"
e2e_pass $name
