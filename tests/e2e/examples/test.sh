#!/usr/bin/env bash
# Scenario "examples": every file in examples/ (except demo/) that users copy is
# valid for its consumer and for stackgate: compose files pass
# `docker-compose config -q`, and `stackgate plan` (the image, as users run it)
# reads each one and finds the probes the comments promise. The Kubernetes
# ConfigMap's embedded compose file is extracted and planned too.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=examples
EX=$REPO_ROOT/examples
work=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-examples.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

plan() {  # plan DIR FILE [plan args] -> plan text on stdout, exit code of stackgate
  local dir=$1 file=$2; shift 2
  bounded 60 docker run --rm -v "$dir:/stack:ro" -w /stack "$STACKGATE_IMAGE" -f "/stack/$file" plan "$@"
}
expect() {  # expect WHAT TEXT REGEX...
  local what=$1 text=$2 rx; shift 2
  for rx in "$@"; do
    grep -qE -- "$rx" <<<"$text" || { e2e_fail $name "$what: plan lacks /$rx/"; exit 1; }
  done
}

for f in init-container/compose.yaml healthcheck/compose.yaml serve/compose.yaml serve/sidecar.yaml; do
  out=$(cd "$EX/$(dirname "$f")" && bounded 60 "${COMPOSE[@]}" -f "$(basename "$f")" config -q 2>&1) ||
    { e2e_fail $name "$f: compose config: $(tail -1 <<<"$out")"; exit 1; }
done

out=$(plan "$EX/init-container" compose.yaml --for backend 2>&1) || { echo "$out"; e2e_fail $name "init-container: plan failed"; exit 1; }
echo "$out"
expect init-container "$out" 'postgres://app:\*\*\*@postgres:5432/app' 'redis://:\*\*\*@redis:6379' \
  'kafka://kafka:9092\?groups=collector' 'http://api:8080/healthz' 'gate +\(skipped\)' 'release backend'

out=$(plan "$EX/swarm" stack.yaml --for app 2>&1) || { echo "$out"; e2e_fail $name "swarm: plan failed"; exit 1; }
echo "$out"
expect swarm "$out" 'postgres://app:\*\*\*@postgres:5432/app' 'redis://redis:6379' 'release app'

out=$(plan "$EX/healthcheck" compose.yaml 2>&1) || { echo "$out"; e2e_fail $name "healthcheck: plan failed"; exit 1; }
expect healthcheck "$out" 'after postgres \(service_healthy\)' 'after api \(service_healthy\)'

python3 - "$EX/kubernetes/deployment.yaml" "$work" <<'PY' || { e2e_fail $name "kubernetes: manifest does not parse"; exit 1; }
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
cm = next(d for d in docs if d["kind"] == "ConfigMap")
dep = next(d for d in docs if d["kind"] == "Deployment")
init = dep["spec"]["template"]["spec"]["initContainers"][0]
assert init["args"][:2] == ["-f", "/etc/stackgate/compose.yaml"], init["args"]
open(sys.argv[2] + "/compose.yaml", "w").write(cm["data"]["compose.yaml"])
PY
out=$(plan "$work" compose.yaml --for backend 2>&1) || { echo "$out"; e2e_fail $name "kubernetes: plan of the ConfigMap's compose file failed"; exit 1; }
echo "$out"
expect kubernetes "$out" 'postgres://app@postgres.default.svc:5432/app' 'redis://redis.default.svc:6379' \
  'kafka://kafka.default.svc:9092' 'release backend'

# serve as a service: its probes are the stack's, itself and Prometheus
# skipped; the healthcheck asks /readyz and the restart setup is there; the
# scrape config is valid for Prometheus.
out=$(plan "$EX/serve" compose.yaml 2>&1) || { echo "$out"; e2e_fail $name "serve: plan failed"; exit 1; }
echo "$out"
expect serve "$out" 'postgres://app:\*\*\*@postgres:5432/app' 'redis://redis:6379' 'health +\(skipped\)' 'prometheus +\(skipped\)'
python3 -c 'import sys,yaml
svc=yaml.safe_load(open(sys.argv[1]))["services"]["health"]
assert svc["healthcheck"]["test"][-1].endswith("/readyz"), svc["healthcheck"]
assert "--restart-unhealthy" in svc["command"] and "/var/run/docker.sock:/var/run/docker.sock" in svc["volumes"]
' "$EX/serve/compose.yaml" || { e2e_fail $name "serve: the health service lacks the /readyz healthcheck or the restart setup"; exit 1; }
# The sidecar: serve's own URL target, in the backend's network namespace.
python3 -c 'import sys,yaml
svc=yaml.safe_load(open(sys.argv[1]))["services"]["backend-health"]
assert svc["network_mode"] == "service:backend", svc
assert svc["command"][0] == "serve" and svc["command"][-1].startswith("http://127.0.0.1:8080/"), svc["command"]
assert svc["healthcheck"]["test"][-1].endswith("/readyz"), svc["healthcheck"]
' "$EX/serve/sidecar.yaml" || { e2e_fail $name "serve: sidecar.yaml lacks the shared namespace, the URL or the /readyz healthcheck"; exit 1; }
if command -v promtool >/dev/null 2>&1; then
  out=$(promtool check config "$EX/serve/prometheus.yml" 2>&1) || { echo "$out"; e2e_fail $name "serve: promtool rejects prometheus.yml"; exit 1; }
fi

python3 -c 'import sys,yaml; yaml.safe_load(open(sys.argv[1]))' "$EX/ci-smoke/github-actions.yml" ||
  { e2e_fail $name "ci-smoke: workflow is not valid YAML"; exit 1; }
e2e_pass $name
