#!/usr/bin/env bash
# ./run demo: real local servers, a Highlight-shaped compose file, and the gate.
#   1. plan: the levels and probes stackgate reads from the compose files, with
#      the same env file (ports, secrets) the run uses
#   2. the servers come up one by one (Postgres with its init restart, a slow
#      Kafka, a consumer group that rebalances) while `stackgate wait` shows
#      the live table and releases the backend only when all are ready+stable
#   3. one-shot HEALTHCHECK-style checks of the running servers
#   4. expected to fail: a wrong password is fatal at once (exit 1), no waiting
#   5. the backend starts; `stackgate wait --for frontend` releases: exit 0
# Without the Kafka broker's jars (fetched once with Maven) it runs without
# compose.kafka.yaml: no ZooKeeper, Kafka or consumer group.
set -euo pipefail
STACKGATE=${1:?usage: demo.sh path/to/stackgate}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
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

files=(-f "$here/compose.yaml")
server_args=()
if bash "$root/tests/servers/kafka/fetch.sh" >/dev/null 2>"$work/fetch.log"; then
  files+=(-f "$here/compose.kafka.yaml")
else
  echo "demo: the Kafka broker's jars could not be fetched (tests/servers/kafka/fetch.sh): running without Kafka"
  server_args+=(--no-kafka)
fi
gate=("$STACKGATE" "${files[@]}" --env-file "$env_file" --published)

# The servers write their ports and secrets to the env file at once and
# start when $env_file.go appears: step 1 plans with the file step 2 waits
# with.
"$servers" "${server_args[@]}" "$env_file" &
pids+=($!)
for _ in $(seq 1 300); do [ -f "$env_file" ] && break; sleep 0.1; done
[ -f "$env_file" ] || { echo "demo: servers did not write $env_file" >&2; exit 1; }
set -a; . "$env_file"; set +a

bold "1. The plan stackgate reads from examples/demo/ (secrets redacted)"
"${gate[@]}" plan --for backend

bold "2. The servers start in the background; gating 'backend'"
touch "$env_file.go"
start=$(date +%s%N)
"${gate[@]}" wait --for backend --timeout 180s
released=$(date +%s%N)
printf "\033[1;32mreleased after %d ms: starting backend\033[0m\n" $(( (released - start) / 1000000 ))

# The backend itself: an HTTP server that starts only after the gate releases.
mkdir -p "$work/www" && echo ok > "$work/www/health"
python3 -m http.server "$BACKEND_PORT" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
pids+=($!)

bold "3. One-shot HEALTHCHECK-style checks (exit 0 healthy, 1 not)"
urls=("postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB" "redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT")
[ -n "${KAFKA_PORT:-}" ] && urls+=("zk://127.0.0.1:$ZK_PORT" "kafka://127.0.0.1:$KAFKA_PORT?groups=collector")
"$STACKGATE" check "${urls[@]}"

bold "4. Expected to fail: a wrong password is fatal at once (exit 1), waiting cannot fix it"
set +e
"$STACKGATE" check "postgres://$PG_USER:wrong@127.0.0.1:$PG_PORT/$PG_DB"
code=$?
set -e
[ "$code" = 1 ] || { echo "demo: expected exit 1 from the wrong password, got $code" >&2; exit 1; }
echo "exit 1, as expected"

bold "5. Gating 'frontend' (its upstreams include backend's /health)"
"${gate[@]}" wait --for frontend --timeout 60s
printf '\033[1;32mfrontend released: the demo ends here (exit 0)\033[0m\n'
