#!/usr/bin/env bash
# Scenario "docker-state": the host-built `stackgate check docker://...`
# against the real engine's socket, for a Compose project brought up here:
#   - before `up`: "no container for service worker in project P yet" (exit 1);
#   - job-ok (exits 0): state=exited0 ready;
#   - job-fail (exits 3): state=exited0 fatal, the reason says "exit code 3";
#   - slow-healthy (healthcheck passes after 10 s): state=healthy says
#     "starting" first, then is ready within a bounded poll;
#   - worker (long-running, 2 replicas): state=running ready; with one replica
#     stopped, not_yet naming it ("exited with code 137 ... (1 of 2 containers ready)").
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=docker-state
P=${PROJECT:-sge2e-dockerstate}
F=$SCENARIO_DIR/compose.yaml
build_dir=${BUILD_DIR:-build}
[[ $build_dir == /* ]] || build_dir=$REPO_ROOT/$build_dir
SG=${STACKGATE:-$build_dir/stackgate}
trap 'dc_down "$P" "$F"' EXIT
dc_down "$P" "$F"

[ -x "$SG" ] || { e2e_fail $name "no host-built stackgate at $SG (run ./run build first)"; exit 1; }

# sg_check URL: one `stackgate check` attempt; sets OUT (stdout+stderr) and RC.
sg_check() {
  OUT=$(bounded 30 "$SG" check "$1" 2>&1)
  RC=$?
  echo "check $1 -> exit $RC: $OUT"
}
url() { echo "docker://$1?project=$P${2:+&$2}"; }
# expect RC REGEX WHAT: the last sg_check exited RC and printed REGEX.
expect() {
  if [ "$RC" != "$1" ] || ! grep -qE -- "$2" <<<"$OUT"; then
    e2e_fail $name "$3: expected exit $1 and /$2/, got exit $RC: $(tr '\n' ' ' <<<"$OUT" | cut -c1-300)"
    exit 1
  fi
}

# Nothing is up yet.
sg_check "$(url worker)"
expect 1 "no container for service worker in project $P yet" "before up"

DC_TIMEOUT=300 dc "$P" "$F" up -d --scale worker=2 || { e2e_fail $name "compose up failed"; exit 1; }
t_up=$SECONDS

# slow-healthy needs 10 s: right after up it is still starting.
sg_check "$(url slow-healthy state=healthy)"
expect 1 "container [^ ]*slow-healthy[^ ]* is starting" "slow-healthy right after up"
# While starting, the reason carries the failing check's output (bounded poll:
# the first check ends about 1 s after start, the file appears after 10 s).
health_reason() {
  local out
  out=$(bounded 30 "$SG" check "$(url slow-healthy state=healthy)")
  grep -q 'is starting (last check exited 1: not ready: /tmp/ready missing)' <<<"$out"
}
wait_until 30 "slow-healthy's reason shows its failing check" health_reason || {
  sg_check "$(url slow-healthy state=healthy)"
  e2e_fail $name "slow-healthy's reason never showed its failing check: $(tr '\n' ' ' <<<"$OUT" | cut -c1-300)"; exit 1; }

# job-ok may still be running for a moment; poll (bounded) until it exited.
if ! wait_until 60 "job-ok exited 0" bounded 30 "$SG" check -q "$(url job-ok state=exited0)"; then
  sg_check "$(url job-ok state=exited0)"
  e2e_fail $name "job-ok never passed state=exited0: $(tr '\n' ' ' <<<"$OUT" | cut -c1-300)"; exit 1
fi
sg_check "$(url job-ok state=exited0)"
expect 0 "state=exited0 ready" "job-ok"

# job-fail: fatal once it exited, with the code in the reason.
wait_until 60 "job-fail exited" sh -c "[ \"\$(docker inspect -f '{{.State.Status}}' $(cid "$P" job-fail))\" = exited ]" ||
  { e2e_fail $name "job-fail never exited"; exit 1; }
sg_check "$(url job-fail state=exited0)"
expect 1 "container [^ ]*job-fail[^ ]* failed with exit code 3" "job-fail"
grep -qi fatal <<<"$OUT" || { e2e_fail $name "job-fail is not reported as fatal: $OUT"; exit 1; }

# worker: both replicas running; then one stopped: not_yet, naming it.
sg_check "$(url worker)"
expect 0 "worker\?project=$P ready" "worker"
w2=$(docker ps -q --filter "label=com.docker.compose.project=$P" --filter "label=com.docker.compose.service=worker" \
  --filter "label=com.docker.compose.container-number=2")
[ -n "$w2" ] || { e2e_fail $name "no second worker replica"; exit 1; }
bounded 60 docker stop "$w2" >/dev/null || { e2e_fail $name "docker stop of worker replica 2 failed"; exit 1; }
sg_check "$(url worker)"
expect 1 "container [^ ]*worker[^ ]*2 exited with code 137; it has no restart policy.*\(1 of 2 containers ready\)" \
  "worker with one replica stopped"

# slow-healthy becomes healthy: bounded poll, one check attempt per second.
if ! wait_until 90 "slow-healthy healthy" bounded 30 "$SG" check -q "$(url slow-healthy state=healthy)"; then
  sg_check "$(url slow-healthy state=healthy)"
  e2e_fail $name "slow-healthy never passed state=healthy: $(tr '\n' ' ' <<<"$OUT" | cut -c1-300)"; exit 1
fi
echo "slow-healthy healthy $((SECONDS - t_up)) s after up"
sg_check "$(url slow-healthy state=healthy)"
expect 0 "state=healthy ready" "slow-healthy"

# The same engine, the same verdict as Docker's own view.
status=$(docker inspect -f '{{.State.Health.Status}}' "$(cid "$P" slow-healthy)")
[ "$status" = healthy ] || { e2e_fail $name "docker inspect says slow-healthy is $status"; exit 1; }

# A service without a healthcheck cannot be waited on as healthy (Compose says the same).
sg_check "$(url worker state=healthy)"
expect 1 "has no healthcheck configured" "worker state=healthy"

e2e_pass $name
