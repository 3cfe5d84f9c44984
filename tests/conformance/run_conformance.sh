#!/usr/bin/env bash
# The conformance test: builds the compose-go oracle (once per version of its
# sources, cached outside the build tree) and compares
# `stackgate plan` with it on every fixture project:
#   tests/data/compose/*/ and tests/data/conformance/*/
# A fixture directory is compared as Docker Compose would find it (project
# discovery in the directory, override file included), once without and once
# with `--profile '*'`. A file `conformance.cases` in the directory replaces
# these defaults: one case a line, `[VAR=value...] [compare.sh arguments]`,
# or `default` for no arguments ('#' comments). A directory without a compose file nor cases is skipped.
#
#   run_conformance.sh STACKGATE_BINARY ORACLE_BUILD_DIR [K/N]
#   run_conformance.sh STACKGATE_BINARY ORACLE_BUILD_DIR oracle
# K/N runs the cases whose number is K modulo N (shards that ctest runs in
# parallel); `oracle` only builds the oracle (the shards' CTest fixture).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stackgate=${1:?stackgate binary}
outdir=${2:?oracle build dir}
shard=${3:-0/1}
mkdir -p "$outdir"

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

# The oracle binary is cached outside the build tree, keyed by its sources
# and the go version, so a fresh build directory does not rebuild it; Go keeps
# the downloaded modules in its own module cache (`go env GOMODCACHE`), so
# they are fetched once per machine.
cache=${STACKGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stackgate}/conformance-oracle
key=$( (cat "$here/oracle/main.go" "$here/oracle/go.mod" "$here/oracle/go.sum"; "$go" version) | sha256sum | cut -c1-16)
cached="$cache/oracle-$key"
if [ ! -x "$cached" ]; then
  echo "building the oracle with $go (cached as $cached)" >&2
  mkdir -p "$cache"
  (cd "$here/oracle" && "$go" build -o "$cached.tmp.$$" .) || { echo "FAIL: go build of the oracle" >&2; exit 1; }
  mv "$cached.tmp.$$" "$cached"
fi
oracle=$cached
if [ "$shard" = oracle ]; then
  ln -sfn "$cached" "$outdir/oracle"  # for running compare.sh by hand
  echo "oracle: $cached"
  exit 0
fi
shard_k=${shard%/*} shard_n=${shard#*/}

# Hermetic: no Compose variables from the caller's environment.
for v in $(env | sed -n 's/^\(COMPOSE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

# compare.sh runs Python once per case: the interpreter itself, not a
# version manager's python3 shim in front of it (pyenv's costs ~0.2 s of CPU
# per start, longer than the case).
python=$(python3 -c 'import sys; print(sys.executable)') || { echo "FAIL: python3 not found" >&2; exit 1; }
export STACKGATE="$stackgate" ORACLE="$oracle" PYTHON="$python"
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
    number=$((${number:-0} + 1))
    [ $((number % shard_n)) = "$shard_k" ] || continue
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
echo "conformance: $pass of $cases cases match Docker Compose (compose-go) (shard $shard)"
[ "${number:-0}" -gt 0 ] || { echo "FAIL: no fixtures found"; exit 1; }
[ $fail = 0 ]
