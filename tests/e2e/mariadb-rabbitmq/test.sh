#!/usr/bin/env bash
# Scenario "mariadb-rabbitmq": zero-config mysql:// and amqp:// probes inferred
# from the servers' environment, and a queue (x-stackgate `queues=tasks`) that a
# job creates 5 s after the broker answers. The app exits 1 unless MariaDB's
# database takes its login over TCP and the queue exists on its one try.
# Asserted from container timestamps and the servers' own logs, and from
# `plan` in the stackgate image.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=mariadb-rabbitmq
P=${PROJECT:-sge2e-mr}
F=$SCENARIO_DIR/compose.yaml
export COMPOSE_PROJECT_NAME=$P
CTL_DIR=$(mktemp -d) && chmod 755 "$CTL_DIR"   # the gate reads it as a non-root user
trap 'dc_down "$P" "$F"; [ -f "$CTL_DIR/compose.yaml" ] && dc_down "$P" "$CTL_DIR/compose.yaml"; rm -rf "$CTL_DIR"' EXIT
dc_down "$P" "$F"

# plan, as users run it: the typed probes, redacted.
out=$(bounded 60 docker run --rm -v "$SCENARIO_DIR:/stack:ro" -w /stack "$STACKGATE_IMAGE" -f /stack/compose.yaml \
  -p "$P" --docker never plan 2>&1) || { echo "$out"; e2e_fail $name "plan failed"; exit 1; }
echo "$out" | sed 's/^/    /'
for rx in 'mysql://app:\*\*\*@mariadb:3306/appdb' 'amqp://app:\*\*\*@rabbitmq:5672/jobs([^?]|$)' \
          'amqp://app:\*\*\*@rabbitmq:5672/jobs\?queues=tasks  \[x-stackgate\]' \
          'family: mysql: image stackgate-e2e/library/mariadb' 'family: rabbitmq: image stackgate-e2e/library/rabbitmq'; do
  grep -qE -- "$rx" <<<"$out" || { e2e_fail $name "plan lacks /$rx/"; exit 1; }
done
if grep -qE 'app-pw-3306|app-pw-5672|root-pw-7781' <<<"$out"; then
  e2e_fail $name "plan prints a password"; exit 1
fi

t0=$(date +%s.%N)
e2e_log "compose up"
dc "$P" "$F" up -d
up_rc=$?
e2e_log "compose up exited $up_rc after $(fcalc "$(date +%s.%N) - $t0") s"
gate=$(cid "$P" gate) app=$(cid "$P" app) setup=$(cid "$P" setup)
mariadb=$(cid "$P" mariadb) rabbitmq=$(cid "$P" rabbitmq)
echo "---- gate output"; [ -n "$gate" ] && docker logs "$gate" 2>&1 | tail -40 | sed 's/^/    /'
fail() { dump_logs $(docker ps -aq --filter "label=com.docker.compose.project=$P"); e2e_fail $name "$*"; exit 1; }
[ "$up_rc" = 0 ] && [ -n "$app" ] ||
  fail "compose up failed (exit $up_rc); gate exit code $(docker inspect -f '{{.State.ExitCode}}' "$gate" 2>/dev/null)"
gate_rc=$(docker inspect -f '{{.State.ExitCode}}' "$gate")
[ "$gate_rc" = 0 ] || fail "gate exited $gate_rc"
wait_until 30 "app checked its upstreams" sh -c "docker logs '$app' 2>&1 | grep -qE 'all upstreams answered|FATAL'"
grep -q FATAL <<<"$(docker logs "$app" 2>&1)" &&
  fail "app crashed: $(docker logs "$app" 2>&1 | grep FATAL | head -1 | cut -c1-300)"
grep -q 'all upstreams answered' <<<"$(docker logs "$app" 2>&1)" || fail "app never said its upstreams answered"
grep -qE 'app-pw-3306|app-pw-5672|root-pw-7781' <<<"$(docker logs "$gate" 2>&1)" && fail "the gate printed a password"

gate_end=$(finished_at "$gate") app_start=$(started_at "$app")
echo "gate released at $gate_end, app started $(fcalc "$app_start - $gate_end") s later"

# MariaDB logs `ready for connections.` then `Version: '…' socket: '…' port: N`.
# The temporary server (port 0: --skip-networking) really ran and was ready
# before the real one; the gate released after the REAL server was ready.
tmp_ready=$(log_ts "$mariadb" "Version: .*port: 0( |$)" first) ||
  fail "no temporary (--skip-networking) server in the mariadb log: the trap did not happen"
real_ready=$(log_ts "$mariadb" "Version: .*port: 3306( |$)") ||
  fail "no 'Version: ... port: 3306' (after 'ready for connections') in the mariadb log"
fge "$real_ready" "$tmp_ready" || fail "the real MariaDB server was ready before the temporary one?"
fge "$gate_end" "$real_ready" ||
  fail "the gate released $(fcalc "$real_ready - $gate_end") s before MariaDB's real server was ready"
fge "$app_start" "$real_ready" || fail "the app started before MariaDB's real server was ready"
# The gate's own verdict on mariadb (Docker's timestamp of its line), not only
# its release: rabbitmq keeps the gate waiting far longer.
my_ok=$(log_ts "$gate" "mariadb ready after") || fail "the gate never said mariadb was ready"
fge "$my_ok" "$real_ready" ||
  fail "the gate called mariadb ready $(fcalc "$real_ready - $my_ok") s before its real server was (the --skip-networking trap)"
echo "mariadb: temporary server ready $(fcalc "$real_ready - $tmp_ready") s before the real one;" \
  "the real one $(fcalc "$gate_end - $real_ready") s before the gate released"

# RabbitMQ: the broker booted, then the job declared the queue (5 s later: a
# gate without queues=tasks would have released in between); the gate released
# and the app started only after the declaration.
broker_ready=$(log_ts "$rabbitmq" "Server startup complete") || fail "no 'Server startup complete' in the rabbitmq log"
[ "$(docker inspect -f '{{.State.ExitCode}}' "$setup")" = 0 ] || fail "the setup job failed"
declared=$(log_ts "$setup" "queue tasks declared") || fail "the setup job never declared the queue"
fge "$declared" "$(fcalc "$broker_ready + 3")" ||
  fail "the queue was declared only $(fcalc "$declared - $broker_ready") s after the broker was ready: no trap"
fge "$gate_end" "$declared" ||
  fail "the gate released $(fcalc "$declared - $gate_end") s before the queue existed"
# The trap was real: the inferred probe (vhost only) passed before the queue
# existed; only queues=tasks held the gate.
vhost_ok=$(log_ts "$gate" "rabbitmq amqp://[^ ]*/jobs ready") || fail "the gate never said the vhost probe passed"
fge "$declared" "$vhost_ok" ||
  fail "the vhost-only probe passed only after the queue existed: the scenario shows no trap"
fge "$app_start" "$(finished_at "$setup")" || fail "the app started before the setup job finished"
echo "rabbitmq: broker ready, queue declared $(fcalc "$declared - $broker_ready") s later" \
  "($(fcalc "$declared - $vhost_ok") s after the vhost-only probe passed), the gate released $(fcalc "$gate_end - $declared") s after that"
echo "total: compose up to app start $(fcalc "$app_start - $t0") s"

# Control: the app really crashes on what the gate protected it from (a queue
# that does not exist, a database that does not exist), on the same network.
net=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$app" | awk '{print $1}')
control() {
  local what=$1 expect=$2 ctl rc; shift 2
  ctl=$(bounded 60 docker run --rm --network "$net" "$@" stackgate-e2e/apps 2>&1)
  rc=$?
  echo "control ($what): exit $rc: $(grep FATAL <<<"$ctl" | cut -c1-200)"
  [ "$rc" = 1 ] && grep -qE -- "$expect" <<<"$ctl" || fail "control ($what): the app did not crash as expected (exit $rc)"
}
control "queue missing" 'FATAL: upstream amqp not ready: .*NOT_FOUND' \
  -e AMQP_URL=amqp://app:app-pw-5672@rabbitmq:5672/jobs -e AMQP_QUEUE=tasks-not-declared
control "database missing" 'FATAL: upstream mysql not ready: .*(Unknown database|Access denied)' \
  -e MYSQL_URL=mysql://app:app-pw-3306@mariadb:3306/appdb-missing

# Control run: the same stack without rabbitmq's x-stackgate (only the inferred
# vhost probe). The gate releases as soon as the broker is up, before the job
# declared the queue, and the app crashes: the queue option is what protects it.
dc_down "$P" "$F"
python3 - "$F" "$CTL_DIR/compose.yaml" <<'PY' || fail "could not write the control compose file"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
del doc["services"]["rabbitmq"]["x-stackgate"]
yaml.safe_dump(doc, open(sys.argv[2], "w"), sort_keys=False)
PY
e2e_log "control run: compose up without the queue probe"
dc "$P" "$CTL_DIR/compose.yaml" up -d
up_rc=$?
gate=$(cid "$P" gate) app=$(cid "$P" app) setup=$(cid "$P" setup)
[ "$up_rc" = 0 ] && [ -n "$app" ] || fail "control run: compose up failed (exit $up_rc)"
[ "$(docker inspect -f '{{.State.ExitCode}}' "$gate")" = 0 ] || fail "control run: the gate failed"
wait_until 30 "control app checked its upstreams" sh -c "docker logs '$app' 2>&1 | grep -qE 'all upstreams answered|FATAL'"
grep -qE "FATAL: upstream amqp not ready: .*NOT_FOUND - no queue 'tasks'" <<<"$(docker logs "$app" 2>&1)" ||
  fail "control run: without the queue probe the app did not crash on the missing queue"
wait_until 60 "control setup job finished" sh -c "[ \"\$(docker inspect -f '{{.State.Status}}' '$setup')\" = exited ]"
declared=$(log_ts "$setup" "queue tasks declared") || fail "control run: the setup job never declared the queue"
fge "$declared" "$(started_at "$app")" || fail "control run: the app started after the queue existed"
echo "control run: without queues=tasks the gate released $(fcalc "$declared - $(finished_at "$gate")") s before the queue existed; the app crashed"
# The image carries libmariadb's authentication plugins (MySQL 8 logs in with
# caching_sha2_password), next to the mysql module.
img_files=$(c=$(docker create "$STACKGATE_IMAGE") && { docker export "$c" | tar -t; docker rm "$c" >/dev/null; })
grep -q 'usr/local/lib/stackgate/mariadb-plugin/caching_sha2_password.so' <<<"$img_files" ||
  { e2e_fail $name "the stackgate image lacks libmariadb's caching_sha2_password plugin"; exit 1; }
e2e_pass $name
