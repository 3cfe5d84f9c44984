#!/usr/bin/env bash
# Scenario "vendor-images": zero-config inference on images stackgate has
# never seen by name (a renamed Postgres, a renamed ZooKeeper exposing its
# quorum ports, a locally built ClickHouse) plus a migrate job, gated twice:
# without the Docker socket (jobs are left to Compose) and with it (the gate
# waits for the job's exit code). Asserted from container timestamps and the
# servers' own logs, and from `plan` in the stackgate image.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=vendor-images
P=${PROJECT:-sge2e-vendor}
F=$SCENARIO_DIR/compose.yaml
D=$SCENARIO_DIR/compose.docker.yaml
export COMPOSE_PROJECT_NAME=$P
down() { DC_TIMEOUT=180 bounded 180 "${COMPOSE[@]}" -p "$P" -f "$F" -f "$D" down -v --remove-orphans -t 5 >/dev/null 2>&1; dc_down "$P" "$F"; }
trap down EXIT
down

# The servers under names that say nothing.
docker tag stackgate-e2e/library/postgres acme/pg-custom:e2e || { e2e_fail $name "cannot tag the postgres image"; exit 1; }
docker tag stackgate-e2e/library/zookeeper acme/coordination:e2e || { e2e_fail $name "cannot tag the zookeeper image"; exit 1; }

# plan, as users run it: the typed probes and where each value came from.
out=$(bounded 60 docker run --rm -v "$SCENARIO_DIR:/stack:ro" -w /stack "$STACKGATE_IMAGE" -f /stack/compose.yaml \
  -p "$P" --docker never plan 2>&1) || { echo "$out"; e2e_fail $name "plan failed"; exit 1; }
echo "$out" | sed 's/^/    /'
expect() {
  local rx
  for rx in "$@"; do
    grep -qE -- "$rx" <<<"$out" || { e2e_fail $name "plan lacks /$rx/"; exit 1; }
  done
}
expect 'postgres://shop:\*\*\*@db:5432/orders' 'family: postgres: DATABASE_URL of service backend names it' \
  'zk://zk:2181' 'family: zookeeper: ZOO_MY_ID in environment' \
  'clickhouse://default@ch:8123/default' 'FROM stackgate-e2e/clickhouse/clickhouse-server in \./clickhouse/Dockerfile:3' \
  'a job: "backend" waits for it with service_completed_successfully' 'runs stackgate itself'
if grep -qE 'tcp://zk:(2888|3888)|shop-pw-4417' <<<"$out"; then
  e2e_fail $name "plan probes a quorum port or prints the password"; exit 1
fi

# One gated run; $1 names it, the rest are compose -f arguments.
gated_run() {
  local what=$1; shift
  local t0 up_rc gate backend migrate gate_rc
  t0=$(date +%s.%N)
  e2e_log "$what: compose up"
  bounded 420 "${COMPOSE[@]}" -p "$P" "$@" up -d --build
  up_rc=$?
  e2e_log "$what: compose up exited $up_rc after $(fcalc "$(date +%s.%N) - $t0") s"
  gate=$(cid "$P" gate) backend=$(cid "$P" backend) migrate=$(cid "$P" migrate)
  echo "---- $what: gate output"; [ -n "$gate" ] && docker logs "$gate" 2>&1 | tail -40 | sed 's/^/    /'
  if [ "$up_rc" != 0 ] || [ -z "$backend" ]; then
    dump_logs $(docker ps -aq --filter "label=com.docker.compose.project=$P")
    RUN_ERR="$what: compose up failed (exit $up_rc); gate exit code $(docker inspect -f '{{.State.ExitCode}}' "$gate" 2>/dev/null)"
    return 1
  fi
  gate_rc=$(docker inspect -f '{{.State.ExitCode}}' "$gate")
  [ "$gate_rc" = 0 ] || { RUN_ERR="$what: gate exited $gate_rc"; return 1; }
  wait_until 30 "backend checked its upstreams" sh -c "docker logs '$backend' 2>&1 | grep -qE 'all upstreams answered|FATAL'"
  if grep -q FATAL <<<"$(docker logs "$backend" 2>&1)"; then
    dump_logs "$backend"
    RUN_ERR="$what: backend crashed: $(docker logs "$backend" 2>&1 | grep FATAL | head -1 | cut -c1-300)"
    return 1
  fi
  # The gate released after each server was really ready (its own log).
  local gate_end s c ts
  gate_end=$(finished_at "$gate")
  declare -A evidence=([db]='database system is ready to accept connections' [zk]='binding to port|PrepRequestProcessor .* started'
                      [ch]='Ready for connections')
  for s in db zk ch; do
    c=$(cid "$P" "$s")
    ts=$(log_ts "$c" "${evidence[$s]}") || { dump_logs "$c"; RUN_ERR="$what: no readiness evidence in the $s log"; return 1; }
    fge "$gate_end" "$ts" || { RUN_ERR="$what: the gate released $(fcalc "$ts - $gate_end") s before $s was ready"; return 1; }
    echo "$what: $s ready $(fcalc "$gate_end - $ts") s before the gate released"
  done
  [ "$(docker inspect -f '{{.State.ExitCode}}' "$migrate")" = 0 ] || { RUN_ERR="$what: migrate failed"; return 1; }
  fge "$(started_at "$backend")" "$(finished_at "$migrate")" || { RUN_ERR="$what: backend started before migrate finished"; return 1; }
  GATE_LOG=$(docker logs "$gate" 2>&1)
  GATE_END=$gate_end MIGRATE_END=$(finished_at "$migrate")
}

RUN_ERR=""
gated_run "without the Docker socket" -f "$F" || { e2e_fail $name "$RUN_ERR"; exit 1; }
if grep -q 'docker://' <<<"$GATE_LOG"; then e2e_fail $name "the gate used docker:// without the socket"; exit 1; fi
down

gated_run "with the Docker socket" -f "$F" -f "$D" || { e2e_fail $name "$RUN_ERR"; exit 1; }
grep -q 'docker://migrate' <<<"$GATE_LOG" || { e2e_fail $name "with the socket the gate did not check migrate's exit code"; exit 1; }
fge "$GATE_END" "$MIGRATE_END" || { e2e_fail $name "with the socket the gate released before migrate exited"; exit 1; }
echo "with the socket: the gate released $(fcalc "$GATE_END - $MIGRATE_END") s after migrate exited 0"
e2e_pass $name
