#!/usr/bin/env bash
# End-to-end scenarios on a real Docker engine (called by `./run test`).
#
#   tests/e2e/run.sh                 every scenario
#   E2E_ONLY="smoke proxy-502" tests/e2e/run.sh
#   E2E_COMPOSE=v1 tests/e2e/run.sh  under Compose v1 (default: v2, built once
#                                    from its Go module when missing)
#   E2E_V1_SCENARIOS="..."           run again under v1 afterwards (default:
#                                    examples highlight healthcheck; "" for none)
#
# Installs docker.io, docker-compose and debootstrap when missing, starts dockerd
# when no engine answers (or prints `E2E SKIPPED: <reason>` and exits 0 when it
# cannot), builds the images (cached: unchanged images are reused), then runs
# each scenario: tests/e2e/<name>/test.sh prints exactly one
#   E2E PASS <name>      or      E2E FAIL <name>: <reason>
# and the script exits non-zero when any failed. Logs: $BUILD_DIR/e2e/.
set -uo pipefail
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
export E2E_DIR REPO_ROOT
# shellcheck source=lib/common.sh
source "$E2E_DIR/lib/common.sh"
export E2E_LOGS E2E_CACHE

ALL_SCENARIOS=(examples highlight healthcheck smoke proxy-502 swarm docker-state vendor-images mariadb-rabbitmq
               sqlite-lock unix-socket-502 tls-expiry mqtt-503 deb-install action)
# Scenarios that use only the host build ($BUILD_DIR), not the stackgate image.
HOST_BUILD_SCENARIOS=" docker-state deb-install "
read -r -a SCENARIOS <<<"${E2E_ONLY:-${ALL_SCENARIOS[*]}}"
# Per-scenario wall-clock bound (seconds).
declare -A LIMIT=([examples]=180 [highlight]=600 [healthcheck]=420 [smoke]=420 [proxy-502]=300 [swarm]=420
                  [docker-state]=300 [vendor-images]=600 [mariadb-rabbitmq]=300
                  [sqlite-lock]=300 [unix-socket-502]=240 [tls-expiry]=240 [mqtt-503]=300 [deb-install]=900 [action]=300)

t_start=$SECONDS
E2E_SKIP_REASON=""
if ! e2e_install_tools || ! e2e_engine_up; then
  echo "E2E SKIPPED: ${E2E_SKIP_REASON:-no docker engine}"
  echo "######## E2E SKIPPED: the Docker end-to-end scenarios did not run ########" >&2
  exit 0
fi
mkdir -p "$E2E_LOGS"
if [ "${E2E_COMPOSE:-auto}" != v1 ]; then
  if e2e_install_compose_v2; then E2E_COMPOSE=v2; else E2E_COMPOSE=v1; fi
fi
export E2E_COMPOSE
e2e_select_compose
e2e_log "engine $(docker version -f '{{.Server.Version}}' 2>/dev/null), compose: ${COMPOSE[*]} $("${COMPOSE[@]}" version --short 2>/dev/null)"

fail_all() {
  local s
  for s in "${SCENARIOS[@]}"; do e2e_fail "$s" "$1"; done
  exit 1
}

e2e_base_image || fail_all "could not build the debootstrap base image (see $E2E_CACHE/debootstrap.log)"
build_server_images || fail_all "could not build the server images (see $E2E_LOGS/build-*.log)"
STACKGATE_BUILD_ERROR=""
need_image=0
for s in "${SCENARIOS[@]}"; do [[ $HOST_BUILD_SCENARIOS == *" $s "* ]] || need_image=1; done
if [ "$need_image" = 0 ]; then
  e2e_log "only host-build scenarios selected: the stackgate image is not built"
elif ! build_stackgate_image; then
  STACKGATE_BUILD_ERROR="the stackgate image did not build from docker/Dockerfile (see $E2E_LOGS/build-${STACKGATE_IMAGE//\//_}.log)"
fi
export STACKGATE_IMAGE
e2e_log "images ready after $((SECONDS - t_start)) s"

failed=0
# run_scenario NAME [LABEL]: one scenario under the selected compose; LABEL
# (e.g. "compose v1") marks a second run in the result line and log name.
run_scenario() {
  local s=$1 label=${2:-} dir=$E2E_DIR/$1 tag=$1 t0 rc line log
  [ -n "$label" ] && tag="$1 ($label)"
  if [ ! -x "$dir/test.sh" ]; then
    e2e_fail "$tag" "no such scenario ($dir/test.sh)"; failed=$((failed + 1)); return
  fi
  if [ -n "$STACKGATE_BUILD_ERROR" ] && [[ $HOST_BUILD_SCENARIOS != *" $s "* ]]; then
    e2e_fail "$tag" "$STACKGATE_BUILD_ERROR"; failed=$((failed + 1)); return
  fi
  log=$E2E_LOGS/$s${label:+-${label// /-}}.log
  e2e_log "scenario $tag (limit ${LIMIT[$s]:-420} s, log $log)"
  t0=$SECONDS
  PROJECT=sge2e-${s//[^a-z0-9]/}
  PROJECT=$PROJECT SCENARIO=$s SCENARIO_DIR=$dir \
    timeout --kill-after=20 "${LIMIT[$s]:-420}" bash "$dir/test.sh" >"$log" 2>&1
  rc=$?
  # Safety net: whatever the scenario left behind.
  [ -f "$dir/compose.yaml" ] && dc_down "$PROJECT" "$dir/compose.yaml"
  if [ "$s" = swarm ]; then
    bounded 60 docker stack rm sge2eswarm >/dev/null 2>&1 || true
    if [ -f "$E2E_LOGS/swarm.joined-by-e2e" ]; then
      bounded 60 docker swarm leave --force >/dev/null 2>&1 || true
      rm -f "$E2E_LOGS/swarm.joined-by-e2e"
    fi
  fi
  line=$(grep -E "^E2E (PASS|FAIL) $s\b" "$log" | tail -1)
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    line="E2E FAIL $s: timed out after ${LIMIT[$s]:-420} s (last log lines: $(grep -v '^E2E ' "$log" | tail -3 | tr '\n' ' ' | cut -c1-300))"
  elif [ -z "$line" ]; then
    line="E2E FAIL $s: the scenario printed no result (exit $rc; last log lines: $(tail -3 "$log" | tr '\n' ' ' | cut -c1-300))"
  elif [ "$rc" != 0 ] && [[ $line == "E2E PASS"* ]]; then
    line="E2E FAIL $s: the scenario said PASS but exited $rc"
  fi
  [ -n "$label" ] && line=${line/"E2E PASS $s"/"E2E PASS $tag"} && line=${line/"E2E FAIL $s"/"E2E FAIL $tag"}
  echo "$line"
  [[ $line == "E2E PASS"* ]] || { failed=$((failed + 1)); grep -v '^E2E ' "$log" | tail -25 | sed 's/^/    | /' >&2; }
  e2e_log "scenario $tag took $((SECONDS - t0)) s"
}

for s in "${SCENARIOS[@]}"; do run_scenario "$s"; done

# The same scenarios under Compose v1 where it is installed too: users still
# run it, and the gate must not depend on which one starts the stack.
if [ "$E2E_COMPOSE" = v2 ] && command -v docker-compose >/dev/null 2>&1 && [ -z "${E2E_ONLY:-}" ]; then
  read -r -a V1_SCENARIOS <<<"${E2E_V1_SCENARIOS-examples highlight healthcheck}"
  if [ ${#V1_SCENARIOS[@]} -gt 0 ]; then
    E2E_COMPOSE=v1
    export E2E_COMPOSE
    e2e_select_compose
    e2e_log "second run under $("${COMPOSE[@]}" version --short 2>/dev/null | sed 's/^/Compose v/')"
    for s in "${V1_SCENARIOS[@]}"; do run_scenario "$s" "compose v1"; done
  fi
fi
e2e_log "e2e total $((SECONDS - t_start)) s, $failed failed"
[ "$failed" = 0 ]
