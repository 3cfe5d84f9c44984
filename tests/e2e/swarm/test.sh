#!/usr/bin/env bash
# Scenario "swarm": single-node swarm, `docker stack deploy` with local images;
# the app wrapped in `stackgate exec --for app --` comes up on its first task
# (no failed task, restart count 0) while the ungated copy crashes.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=swarm
S=sge2eswarm
we_joined=0
cleanup() {
  bounded 60 docker stack rm "$S" >/dev/null 2>&1 || true
  # The stack's network goes away asynchronously; bounded wait.
  local i
  for i in $(seq 1 30); do
    [ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$S")" ] &&
      [ -z "$(docker network ls -q --filter "label=com.docker.stack.namespace=$S")" ] && break
    sleep 1
  done
  if [ "$we_joined" = 1 ]; then
    bounded 60 docker swarm leave --force >/dev/null 2>&1 || true
    bounded 30 docker network rm docker_gwbridge >/dev/null 2>&1 || true
    rm -f "${E2E_LOGS:-/tmp}/swarm.joined-by-e2e"
  fi
}
trap cleanup EXIT

state=$(docker info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null)
if [ "$state" != active ]; then
  addr=$(ip -4 -o addr show docker0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
  [ -n "$addr" ] || addr=127.0.0.1
  if ! out=$(bounded 60 docker swarm init --advertise-addr "$addr" 2>&1); then
    e2e_fail $name "docker swarm init failed: $(echo "$out" | tail -1)"; exit 1
  fi
  we_joined=1
  # For run.sh's safety net, should this script be killed before its trap runs.
  touch "${E2E_LOGS:-/tmp}/swarm.joined-by-e2e"
  echo "swarm initialised (advertise $addr)"
else
  echo "this engine is already a swarm node; deploying into it and leaving it as it was"
fi

cd "$SCENARIO_DIR"
t0=$(date +%s.%N)
bounded 120 docker stack deploy --resolve-image never -c stack.yaml "$S" || { e2e_fail $name "docker stack deploy failed"; exit 1; }

tasks() { docker service ps --no-trunc --format '{{.Name}}|{{.CurrentState}}|{{.DesiredState}}|{{.Error}}' "${S}_$1" 2>/dev/null; }
app_running() { grep -q '|Running' <<<"$(tasks app)"; }
app_served() {
  local c; c=$(docker ps -q --filter "label=com.docker.swarm.service.name=${S}_app" | head -1)
  [ -n "$c" ] && grep -q 'all upstreams answered' <<<"$(docker logs "$c" 2>&1)"
}
wait_until 180 "app serving" app_served
served=$?
for s in postgres redis app app-ungated; do echo "---- tasks of $s"; tasks "$s" | sed 's/^/    /'; done
c=$(docker ps -aq --filter "label=com.docker.swarm.service.name=${S}_app" | head -1)
[ -n "$c" ] && { echo "---- app output"; docker logs "$c" 2>&1 | tail -30 | sed 's/^/    /'; }
[ "$served" = 0 ] || { e2e_fail $name "the gated app never served"; exit 1; }

n_tasks=$(tasks app | wc -l)
failed=$(tasks app | grep -cvE '\|Running' || true)
restarts=$(docker inspect -f '{{.RestartCount}}' "$c")
echo "app: $n_tasks task(s), $failed not running, container restart count $restarts, up after $(fcalc "$(date +%s.%N) - $t0") s"
[ "$n_tasks" = 1 ] && [ "$failed" = 0 ] && [ "$restarts" = 0 ] ||
  { e2e_fail $name "the gated app did not come up first time ($n_tasks tasks, $failed failed)"; exit 1; }
if grep -q FATAL <<<"$(docker logs "$c" 2>&1)"; then e2e_fail $name "the gated app logged FATAL"; exit 1; fi

# The control: without the wrapper the same app crashed (it really needs ordering).
wait_until 30 "app-ungated finished" sh -c "docker service ps --format '{{.CurrentState}}' ${S}_app-ungated | grep -qE 'Failed|Complete'"
ungated=$(tasks app-ungated | head -1)
echo "control (no stackgate): $ungated"
case "$ungated" in
  *Failed*) echo "as expected, the ungated app crashed" ;;
  *) echo "note: the ungated app did not crash this time (timing); the gated assertions stand" ;;
esac
e2e_pass $name
