#!/usr/bin/env bash
# The conformance test: builds the compose-go oracle (once; `go build` is
# skipped while the binary is newer than its sources) and compares
# `stackgate plan` with it on every fixture project:
#   tests/data/compose/*/ and tests/data/conformance/*/
# A fixture directory is compared as Docker Compose would find it (project
# discovery in the directory, override file included), once without and once
# with `--profile '*'`. A file `conformance.cases` in the directory replaces
# these defaults: one case a line, `[VAR=value...] [compare.sh arguments]`,
# or `default` for no arguments ('#' comments). A directory without a compose file nor cases is skipped.
#
#   run_conformance.sh STACKGATE_BINARY ORACLE_BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stackgate=${1:?stackgate binary}
outdir=${2:?oracle build dir}
mkdir -p "$outdir"
oracle="$outdir/oracle"

find_go() {
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do
    [ -x "$g" ] && { echo "$g"; return; }
  done
  return 1
}

if ! go=$(find_go); then
  echo "go not found: installing golang-go" >&2
  if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
  $sudo apt-get install -y golang-go >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y golang-go >&2; }
  go=$(find_go) || { echo "FAIL: cannot install go" >&2; exit 1; }
fi
# An older distribution go fetches the toolchain go.mod asks for.
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
export GOFLAGS=${GOFLAGS:--mod=mod}

stale=0
[ -x "$oracle" ] || stale=1
for f in "$here/oracle/main.go" "$here/oracle/go.mod" "$here/oracle/go.sum"; do
  [ "$f" -nt "$oracle" ] && stale=1
done
if [ $stale = 1 ]; then
  echo "building the oracle with $go" >&2
  (cd "$here/oracle" && "$go" build -o "$oracle.tmp" .) || { echo "FAIL: go build of the oracle" >&2; exit 1; }
  mv "$oracle.tmp" "$oracle"
fi

# Hermetic: no Compose variables from the caller's environment.
for v in $(env | sed -n 's/^\(COMPOSE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

export STACKGATE="$stackgate" ORACLE="$oracle"
pass=0 fail=0 cases=0
for dir in "$root"/tests/data/compose/*/ "$root"/tests/data/conformance/*/; do
  [ -d "$dir" ] || continue
  lines=()
  if [ -f "$dir/conformance.cases" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%%#*}
      [ -n "${line// /}" ] || continue
      [ "$(echo $line)" = default ] && line=""
      lines+=("$line")
    done <"$dir/conformance.cases"
  else
    found=0
    for f in compose.yaml compose.yml docker-compose.yml docker-compose.yaml; do
      [ -f "$dir/$f" ] && found=1
    done
    [ $found = 1 ] || continue
    lines=("" "--profile *")
  fi
  for line in "${lines[@]}"; do
    cases=$((cases + 1))
    read -r -a words <<<"$line"
    envs=() args=()
    for w in ${words[@]+"${words[@]}"}; do
      if [ ${#args[@]} = 0 ] && [[ "$w" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then envs+=("$w"); else args+=("$w"); fi
    done
    if (cd "$dir" && env ${envs[@]+"${envs[@]}"} "$here/compare.sh" ${args[@]+"${args[@]}"}); then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "  in $dir: ${line:-(default)}"
    fi
  done
done
echo "conformance: $pass of $cases cases match Docker Compose (compose-go)"
[ $cases -gt 0 ] || { echo "FAIL: no fixtures found"; exit 1; }
[ $fail = 0 ]
