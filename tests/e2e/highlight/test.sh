#!/usr/bin/env bash
# Scenario "highlight": the gate releases the backend only after every upstream
# is ready and the collector's group has been Stable for 10 s, despite a slow
# Kafka and the Postgres init restart. Asserted from container timestamps and
# log evidence, not from the gate's own claims.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=highlight
P=${PROJECT:-sge2e-highlight}
F=$SCENARIO_DIR/compose.yaml
STABLE_FOR=10
trap 'dc_down "$P" "$F"' EXIT
dc_down "$P" "$F"

t0=$(date +%s.%N)
e2e_log "compose up (the gate holds backend back; this takes about a minute)"
DC_TIMEOUT=420 dc "$P" "$F" up -d
up_rc=$?
e2e_log "compose up exited $up_rc after $(fcalc "$(date +%s.%N) - $t0") s"

gate=$(cid "$P" gate) backend=$(cid "$P" backend)
echo "---- gate output"; [ -n "$gate" ] && docker logs "$gate" 2>&1 | tail -60 | sed 's/^/    /'
if [ "$up_rc" != 0 ] || [ -z "$backend" ]; then
  dump_logs $(docker ps -aq --filter "label=com.docker.compose.project=$P")
  e2e_fail $name "compose up failed (exit $up_rc); gate exit code $(docker inspect -f '{{.State.ExitCode}}' "$gate" 2>/dev/null)"
  exit 1
fi
gate_rc=$(docker inspect -f '{{.State.ExitCode}}' "$gate")
[ "$gate_rc" = 0 ] || { e2e_fail $name "gate exited $gate_rc"; exit 1; }

# Give the backend a moment to run its one-shot upstream checks.
wait_until 30 "backend serving" sh -c "docker logs '$backend' 2>&1 | grep -qE 'all upstreams answered|FATAL'"
sleep 2
dump_logs "$backend"
if grep -q FATAL <<<"$(docker logs "$backend" 2>&1)" || [ "$(docker inspect -f '{{.State.Running}}' "$backend")" != true ]; then
  e2e_fail $name "backend crashed: $(docker logs "$backend" 2>&1 | grep FATAL | head -1 | cut -c1-300)"
  exit 1
fi

# Evidence of readiness, from each server's own log (Docker timestamps).
declare -A EVIDENCE=(
  [postgres]='database system is ready to accept connections'
  [redis]='Ready to accept connections'
  [zookeeper]='binding to port|PrepRequestProcessor .* started'
  [kafka]='Kafka Server started'
  [clickhouse]='Ready for connections'
  [collector]='collector: assigned'
)
backend_start=$(started_at "$backend")
gate_end=$(finished_at "$gate")
last_ready=0 last_name=""
for s in postgres redis zookeeper kafka clickhouse collector; do
  c=$(cid "$P" "$s")
  ts=$(log_ts "$c" "${EVIDENCE[$s]}") || { dump_logs "$c"; e2e_fail $name "no readiness evidence in the $s log"; exit 1; }
  echo "evidence: $s ready at $ts ($(fcalc "$ts - $backend_start") s relative to backend start)"
  if ! fge "$backend_start" "$ts"; then
    e2e_fail $name "backend started $(fcalc "$ts - $backend_start") s BEFORE $s was ready"
    exit 1
  fi
  if fge "$ts" "$last_ready"; then last_ready=$ts last_name=$s; fi
done
# Postgres really did its init restart (two "ready" lines, one before the init
# completed) and the gate was running during it.
pg=$(cid "$P" postgres)
pg_first=$(log_ts "$pg" 'database system is ready to accept connections' first)
pg_init_done=$(log_ts "$pg" 'PostgreSQL init process complete')
gate_start=$(started_at "$gate")
fge "$pg_init_done" "$pg_first" || { e2e_fail $name "postgres did not do its init restart"; exit 1; }
fge "$pg_init_done" "$gate_start" || echo "note: the gate started after the postgres init restart"
# Kafka was really slow, and the gate was waiting for it.
kafka_ready=$(log_ts "$(cid "$P" kafka)" 'Kafka Server started')
fge "$(fcalc "$kafka_ready - $gate_start")" 20 || { e2e_fail $name "kafka was not slow ($(fcalc "$kafka_ready - $gate_start") s after the gate started)"; exit 1; }
# The collector group was held Stable for the window before the release.
assigned=$(log_ts "$(cid "$P" collector)" 'collector: assigned')
held=$(fcalc "$gate_end - $assigned")
fge "$held" "$STABLE_FOR - 1" || { e2e_fail $name "gate released ${held}s after the collector's assignment (window ${STABLE_FOR}s)"; exit 1; }
fge "$backend_start" "$gate_end" || { e2e_fail $name "backend started before the gate finished"; exit 1; }

# The whole chain answers through the frontend.
net=${P}_default
if ! bounded 60 docker run --rm --network "$net" stackgate-e2e/apps \
    sh -c 'for i in $(seq 1 20); do curl -sf http://frontend/api/config && exit 0; sleep 1; done; exit 1'; then
  e2e_fail $name "frontend -> backend chain does not answer /api/config"; exit 1
fi
echo
echo "release: last upstream ($last_name) ready at +$(fcalc "$last_ready - $t0") s; gate exited at +$(fcalc "$gate_end - $t0") s; backend started at +$(fcalc "$backend_start - $t0") s"
echo "release latency after the last readiness evidence: $(fcalc "$backend_start - $last_ready") s (collector window ${STABLE_FOR}s held: ${held}s)"
e2e_pass $name
