#!/usr/bin/env bash
# Compares `stackgate plan` with the compose-go oracle on one project:
#   compare.sh FILE... [--profile P]... [--project-directory DIR]
# Levels and depends_on ({service, condition, required}) must be identical;
# probes are ignored. When both fail to load, the project counts as equal
# (the error texts are printed). Exit 0 = same, 1 = different, 2 = usage.
#
# STACKGATE (default build-conf/stackgate) and ORACLE (default
# build-conf/tests/conformance/oracle) name the two binaries, PYTHON (default
# python3) the interpreter.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
STACKGATE=${STACKGATE:-$root/build-conf/stackgate}
ORACLE=${ORACLE:-$root/build-conf/tests/conformance/oracle}

sg_args=() or_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile|--project-directory)
      [ $# -ge 2 ] || { echo "compare.sh: $1 needs a value" >&2; exit 2; }
      sg_args+=("$1" "$2"); or_args+=("$1" "$2"); shift 2 ;;
    --profile=*|--project-directory=*)
      sg_args+=("${1%%=*}" "${1#*=}"); or_args+=("${1%%=*}" "${1#*=}"); shift ;;
    -f) sg_args+=(-f "$2"); or_args+=(-f "$2"); shift 2 ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) sg_args+=(-f "$1"); or_args+=(-f "$1"); shift ;;
  esac
done
# No FILE: both discover the project in the working directory (compose.yaml,
# docker-compose.yml..., plus the override file).

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 60 "$STACKGATE" plan ${sg_args[@]+"${sg_args[@]}"} --format json >"$tmp/sg.json" 2>"$tmp/sg.err"; sg_rc=$?
timeout 60 "$ORACLE" ${or_args[@]+"${or_args[@]}"} >"$tmp/or.json" 2>"$tmp/or.err"; or_rc=$?

label="$(basename "$PWD"): ${or_args[*]:-(discovered)}"
if [ $sg_rc -ne 0 ] || [ $or_rc -ne 0 ]; then
  if [ $sg_rc -ne 0 ] && [ $or_rc -ne 0 ]; then
    echo "SAME (both fail): $label"
    sed 's/^/  stackgate: /' "$tmp/sg.err" | grep -v warning | head -5
    grep -v 'level=warning' "$tmp/or.err" | sed 's/^/  compose:   /' | head -5
    exit 0
  fi
  echo "DIFF: $label"
  echo "  stackgate exit $sg_rc, compose-go exit $or_rc"
  grep -v 'warning' "$tmp/sg.err" | sed 's/^/  stackgate: /' | head -10
  grep -v 'level=warning' "$tmp/or.err" | sed 's/^/  compose:   /' | head -10
  exit 1
fi

"${PYTHON:-python3}" - "$tmp/sg.json" "$tmp/or.json" "$label" <<'PY'
import json, sys
def norm(path):
    with open(path) as f:
        d = json.load(f)
    levels = [sorted(l) for l in d.get("levels", [])]
    services = {}
    for name, s in d.get("services", {}).items():
        deps = sorted((e["service"], e.get("condition", "service_started"), bool(e.get("required", True)))
                      for e in s.get("depends_on", []) or [])
        services[name] = deps
    return levels, services
sl, ss = norm(sys.argv[1])
ol, os_ = norm(sys.argv[2])
out = []
if sl != ol:
    out.append("  levels differ:")
    for i in range(max(len(sl), len(ol))):
        a = sl[i] if i < len(sl) else None
        b = ol[i] if i < len(ol) else None
        if a != b:
            out.append(f"    level {i}: stackgate {a}\n    level {i}: compose   {b}")
for name in sorted(set(ss) | set(os_)):
    a, b = ss.get(name), os_.get(name)
    if a != b:
        out.append(f"  {name}.depends_on:\n    stackgate {a}\n    compose   {b}")
if out:
    print("DIFF: " + sys.argv[3])
    print("\n".join(out))
    sys.exit(1)
print(f"SAME: {sys.argv[3]} ({sum(len(l) for l in sl)} services, {len(sl)} levels)")
PY
