#!/usr/bin/env bash
# ./run demo: real local servers, a Highlight-shaped compose file, and the gate.
#   1. plan: the levels and the probes stackgate infers from the compose file
#   2. the servers come up one by one (Postgres with its init restart, a slow
#      Kafka, a consumer group that rebalances) while `stackgate wait` shows
#      live progress and releases the backend only when all are ready+stable
#   3. the backend starts; `stackgate wait --for frontend` releases at once
set -euo pipefail
STACKGATE=${1:?usage: demo.sh path/to/stackgate}
here=$(cd "$(dirname "$0")" && pwd)
build=$(dirname "$STACKGATE")
servers="$build/tests/tools/demo_servers"
[ -x "$servers" ] || { echo "demo: $servers not built" >&2; exit 1; }
work=$(mktemp -d /tmp/stackgate-demo-XXXXXX)
env_file="$work/demo.env"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }

bold "1. The plan stackgate reads from examples/demo/compose.yaml (secrets redacted)"
PG_PASSWORD=example REDIS_PASSWORD=example "$STACKGATE" plan -f "$here/compose.yaml" --for backend --published

bold "2. Starting real servers in the background; gating 'backend'"
"$servers" "$env_file" &
pids+=($!)
for _ in $(seq 1 300); do [ -f "$env_file" ] && break; sleep 0.1; done
[ -f "$env_file" ] || { echo "demo: servers did not write $env_file" >&2; exit 1; }
set -a; . "$env_file"; set +a

# The backend itself: an HTTP server that starts only after the gate releases.
start=$(date +%s%N)
"$STACKGATE" wait -f "$here/compose.yaml" --env-file "$env_file" --for backend --published --timeout 180s
released=$(date +%s%N)
printf "\033[1;32mreleased after %d ms: starting backend\033[0m\n" $(( (released - start) / 1000000 ))

mkdir -p "$work/www" && echo ok > "$work/www/health"
python3 -m http.server "$BACKEND_PORT" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
pids+=($!)

bold "3. Gating 'frontend' (its upstream closure includes backend's /health)"
"$STACKGATE" wait -f "$here/compose.yaml" --env-file "$env_file" --for frontend --published --timeout 60s
printf '\033[1;32mfrontend released\033[0m\n'

bold "4. One-shot HEALTHCHECK-style checks (exit 0/1)"
"$STACKGATE" check "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB" "redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT" \
  "zk://127.0.0.1:$ZK_PORT" "kafka://127.0.0.1:$KAFKA_PORT?groups=collector" || true
echo "and a wrong password fails fast (fatal, exit 1):"
"$STACKGATE" check "postgres://$PG_USER:wrong@127.0.0.1:$PG_PORT/$PG_DB" || echo "exit $?"
