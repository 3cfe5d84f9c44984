#!/usr/bin/env bash
# Scenario "action": the `run:` scripts of action.yml's steps, taken from the
# file as GitHub would run them (inputs arrive only as SG_* environment
# variables, so each script is run verbatim), against a real Compose project:
#   1. on a healthy stack (the api listens after 3 s; timeout 60s): exit 0,
#      output exit-code=0, a JUnit report at report-path naming both services
#      as passing, the JSON report beside it, json-report output pointing at it;
#   2. with the cache stopped (timeout 5s): the step fails, exit-code is not 0,
#      the JUnit report has a failure for the cache.
# The image step is run with `image` set (the e2e stackgate image); building
# from the action's checkout is docker/build.sh, tested by every image build.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=action
P=${PROJECT:-sge2e-action}
F=$SCENARIO_DIR/compose.yaml
work=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-action.XXXXXX")
trap 'dc_down "$P" "$F"; rm -rf "$work"' EXIT
dc_down "$P" "$F"

# step_script ID: the run: text of the step with that id.
step_script() {
  python3 - "$REPO_ROOT/action.yml" "$1" <<'PY'
import sys, yaml
steps = yaml.safe_load(open(sys.argv[1]))["runs"]["steps"]
print(next(s["run"] for s in steps if s.get("id") == sys.argv[2]))
PY
}
step_script image >"$work/image.sh" && step_script smoke >"$work/smoke.sh" ||
  { e2e_fail $name "could not read the steps of action.yml"; exit 1; }

# The project directory as a checkout: the compose file, and the workspace root.
mkdir -p "$work/ws/stack" && cp "$F" "$work/ws/stack/compose.yaml"
export GITHUB_ACTION_PATH=$REPO_ROOT
run_step() {  # run_step SCRIPT OUTPUT_FILE: in the workspace, as GitHub runs `shell: bash`
  (cd "$work/ws" && GITHUB_OUTPUT=$2 bounded 240 bash --noprofile --norc -eo pipefail "$1")
}

: >"$work/image.out"
SG_IMAGE=$STACKGATE_IMAGE run_step "$work/image.sh" "$work/image.out" ||
  { e2e_fail $name "the image step failed"; exit 1; }
image=$(sed -n 's/^name=//p' "$work/image.out")
[ "$image" = "$STACKGATE_IMAGE" ] || { e2e_fail $name "the image step output name=$image, not $STACKGATE_IMAGE"; exit 1; }

DC_TIMEOUT=180 dc "$P" "$F" up -d || { e2e_fail $name "compose up failed"; exit 1; }

# smoke RUN TIMEOUT: the smoke step with the action's inputs; RC, OUT_FILE set.
smoke() {
  OUT_FILE=$work/$1.out
  : >"$OUT_FILE"
  SG_IMAGE=$image SG_FILES="compose.yaml" SG_DIR=stack SG_PROJECT=$P SG_NETWORK="" SG_TIMEOUT=$2 \
    SG_REPORT="reports/$1/smoke.xml" SG_ARGS="" run_step "$work/smoke.sh" "$OUT_FILE"
  RC=$?
  echo "smoke step ($1) exited $RC; outputs: $(tr '\n' ' ' <"$OUT_FILE")"
}

echo "---- the action on a healthy stack"
smoke healthy 60s
[ "$RC" = 0 ] || { e2e_fail $name "the smoke step failed on a healthy stack (exit $RC)"; exit 1; }
grep -qx 'exit-code=0' "$work/healthy.out" || { e2e_fail $name "no exit-code=0 output"; exit 1; }
grep -qx 'json-report=reports/healthy/smoke.json' "$work/healthy.out" ||
  { e2e_fail $name "json-report output is not reports/healthy/smoke.json"; exit 1; }
python3 "$E2E_DIR/lib/reports.py" "$work/ws/reports/healthy/smoke.json" "$work/ws/reports/healthy/smoke.xml" \
  --expect-pass cache api || { e2e_fail $name "the healthy reports are wrong (see log)"; exit 1; }

echo "---- the action with the cache stopped"
bounded 60 docker stop -t 2 "$(cid "$P" cache)" >/dev/null
smoke broken 5s
[ "$RC" != 0 ] || { e2e_fail $name "the smoke step passed with the cache stopped"; exit 1; }
grep -qx "exit-code=$RC" "$work/broken.out" || { e2e_fail $name "exit-code output is not $RC"; exit 1; }
python3 "$E2E_DIR/lib/reports.py" "$work/ws/reports/broken/smoke.json" "$work/ws/reports/broken/smoke.xml" \
  --expect-fail 'cache=refused|resolv|connect|unreachable|not known|timed out|timeout' --expect-pass api ||
  { e2e_fail $name "the broken-stack reports do not name the cache (see log)"; exit 1; }
e2e_pass $name
