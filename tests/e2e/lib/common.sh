# shellcheck shell=bash
# Shared helpers for the Docker end-to-end scenarios: engine bootstrap, the
# debootstrap base image, content-hashed image builds, compose wrappers and the
# one-line PASS/FAIL contract. Sourced by tests/e2e/run.sh and the scenarios.

E2E_DIR=${E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
REPO_ROOT=${REPO_ROOT:-$(cd "$E2E_DIR/../.." && pwd)}
E2E_CACHE=${E2E_CACHE:-${STACKGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stackgate}/e2e}
E2E_LOGS=${E2E_LOGS:-$REPO_ROOT/${BUILD_DIR:-build}/e2e}
BASE_IMAGE=stackgate-e2e/base:bookworm
# Server images are named like their official counterparts behind a mirror
# (stackgate-e2e/library/postgres ~ postgres, stackgate-e2e/apache/kafka ~
# apache/kafka), so stackgate's probe inference treats them as the real thing.
# Legacy builder: works with every Docker client (the 20.10 engine has no buildx
# plugin here) and caches layers; we skip unchanged images anyway (see build_image).
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0
# compose v1 prints a lot of colour noise; keep logs greppable.
export COMPOSE_INTERACTIVE_NO_CLI=1 NO_COLOR=1

e2e_log() { printf '[e2e %s] %s\n' "$(date +%T)" "$*" >&2; }

# Run a command with a hard time bound (seconds). Never lets a hung docker call
# stall the suite.
bounded() { local t=$1; shift; timeout --kill-after=10 "$t" "$@"; }

# ---------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------
e2e_install_tools() {
  local missing=() p
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  for p in curl python3; do command -v $p >/dev/null 2>&1 || missing+=("$p"); done
  python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
  [ ${#missing[@]} = 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    E2E_SKIP_REASON="missing tools (${missing[*]}) and not root to install them"
    return 1
  fi
  e2e_log "installing ${missing[*]}"
  bounded 300 apt-get update -q >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive bounded 900 apt-get install -y -q --no-install-recommends \
    $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null 2>&1 || {
    E2E_SKIP_REASON="apt-get install ${missing[*]} failed"
    return 1
  }
}

# Start dockerd when no engine answers; poll `docker info` for at most 60 s.
e2e_engine_up() {
  if bounded 20 docker info >/dev/null 2>&1; then return 0; fi
  if ! command -v dockerd >/dev/null 2>&1; then
    E2E_SKIP_REASON="no docker engine answers and dockerd is not installed"
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    E2E_SKIP_REASON="no docker engine answers and we are not root to start dockerd"
    return 1
  fi
  mkdir -p "$E2E_CACHE"
  local log=$E2E_CACHE/dockerd.log
  e2e_log "starting dockerd (log: $log)"
  # setsid: the daemon must outlive this script and its process group.
  setsid nohup dockerd >"$log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 60); do
    if bounded 10 docker info >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  E2E_SKIP_REASON="dockerd did not answer within 60 s: $(tail -3 "$log" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
  return 1
}

# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------
# The base image: debootstrap minbase bookworm from debootstrap's default mirror.
# The tarball is cached, so a rerun imports in seconds (or does nothing when the
# image is already present).
e2e_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return 0; fi
  mkdir -p "$E2E_CACHE"
  local tarball=$E2E_CACHE/debootstrap-bookworm-minbase.tar
  if [ ! -s "$tarball" ]; then
    local dir
    dir=$(mktemp -d "$E2E_CACHE/rootfs.XXXXXX")
    e2e_log "debootstrap --variant=minbase bookworm (first run only; cached afterwards)"
    if ! bounded 1200 debootstrap --variant=minbase bookworm "$dir" >"$E2E_CACHE/debootstrap.log" 2>&1; then
      tail -20 "$E2E_CACHE/debootstrap.log" >&2
      rm -rf "$dir"
      return 1
    fi
    # Trim what no container needs, and make apt in containers lean.
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* \
      "$dir"/usr/share/man/* "$dir"/usr/share/info/*
    cat >"$dir/etc/apt/apt.conf.d/90stackgate-e2e" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };
APT
    cat >"$dir/etc/dpkg/dpkg.cfg.d/90stackgate-e2e" <<'DPKG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
    tar -C "$dir" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$dir"
  fi
  e2e_log "importing $BASE_IMAGE"
  bounded 300 docker import -c 'ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8' \
    -c 'CMD ["/bin/bash"]' "$tarball" "$BASE_IMAGE" >/dev/null
}

# Hash of a build: the Dockerfile, every file of the context, build args and the
# ID of the image it builds FROM. Unchanged hash => the image is reused as is.
_ctx_hash() {
  local ctx=$1 dockerfile=$2; shift 2
  {
    printf 'dockerfile %s\n' "$(sha256sum <"$dockerfile")"
    (cd "$ctx" && find . -type f ! -name '.stackgate-hash' -print0 | LC_ALL=C sort -z |
      xargs -0 -r sha256sum)
    printf 'arg %s\n' "$@"
    # Every image named by a build arg (BASE=..., STACKGATE=...) is an input too.
    local a v base=$BASE_IMAGE
    for a in "$@"; do case $a in BASE=*) base= ;; esac; done
    [ -n "$base" ] && printf 'base %s\n' "$(docker image inspect -f '{{.Id}}' "$base" 2>/dev/null)"
    for a in "$@"; do
      case $a in *=*) v=${a#*=}; printf 'image %s %s\n' "$v" "$(docker image inspect -f '{{.Id}}' "$v" 2>/dev/null)" ;; esac
    done
  } | sha256sum | cut -c1-16
}

# build_image NAME CONTEXT [DOCKERFILE] [--build-arg K=V ...]
build_image() {
  local name=$1 ctx=$2 dockerfile=${3:-}
  [ -n "$dockerfile" ] || dockerfile=$ctx/Dockerfile
  shift 3 || shift $#
  local args=("$@") hash have
  hash=$(_ctx_hash "$ctx" "$dockerfile" "${args[@]}")
  have=$(docker image inspect -f '{{index .Config.Labels "stackgate.e2e.hash"}}' "$name" 2>/dev/null || true)
  if [ "$have" = "$hash" ]; then
    e2e_log "image $name up to date ($hash)"
    return 0
  fi
  e2e_log "building $name ($hash)"
  mkdir -p "$E2E_LOGS"
  local log=$E2E_LOGS/build-${name//\//_}.log
  local t0=$SECONDS
  local base_arg=(--build-arg "BASE=$BASE_IMAGE") a
  for a in "${args[@]}"; do case $a in BASE=*) base_arg=() ;; esac; done
  if ! bounded 1800 docker build --force-rm --label "stackgate.e2e.hash=$hash" "${base_arg[@]}" \
      "${args[@]}" -f "$dockerfile" -t "$name" "$ctx" >"$log" 2>&1; then
    e2e_log "build of $name failed; last lines of $log:"
    tail -30 "$log" >&2
    return 1
  fi
  e2e_log "built $name in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------------------
# Compose
# ---------------------------------------------------------------------------
# Compose v2 is what users run: the CLI plugin, built once from its Go module
# with the machine's Go toolchain (nothing can be pulled here) and cached in
# $E2E_CACHE; v1 (Debian's docker-compose) stays as the fallback and as the
# second run. Returns 1, with the reason logged, when v2 cannot be had.
COMPOSE_V2_VERSION=${COMPOSE_V2_VERSION:-v2.28.1}
e2e_install_compose_v2() {
  local plugin=$HOME/.docker/cli-plugins/docker-compose
  local cached=$E2E_CACHE/compose-$COMPOSE_V2_VERSION/docker-compose
  if [ -x "$plugin" ] && "$plugin" version --short 2>/dev/null | grep -qx "${COMPOSE_V2_VERSION#v}"; then
    return 0
  fi
  [ -n "${E2E_CACHE:-}" ] || return 1
  if [ ! -x "$cached" ]; then
    local go=go
    command -v go >/dev/null 2>&1 || go=/usr/local/go/bin/go
    if ! command -v "$go" >/dev/null 2>&1; then
      e2e_log "no Go toolchain: Compose v2 cannot be built, the scenarios run under v1"
      return 1
    fi
    mkdir -p "$E2E_CACHE/compose-$COMPOSE_V2_VERSION"
    local gobin log=$E2E_CACHE/compose-$COMPOSE_V2_VERSION/build.log
    gobin=$(mktemp -d "$E2E_CACHE/gobin.XXXXXX")
    e2e_log "building Compose $COMPOSE_V2_VERSION from its Go module (first run only, about 3 minutes)"
    if ! GOBIN=$gobin GOFLAGS=-mod=mod bounded 1800 "$go" install \
        -ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_V2_VERSION" \
        "github.com/docker/compose/v2/cmd@$COMPOSE_V2_VERSION" >"$log" 2>&1; then
      e2e_log "building Compose v2 failed (the scenarios run under v1); last lines of $log:"
      tail -5 "$log" >&2
      rm -rf "$gobin"
      return 1
    fi
    mv "$gobin/cmd" "$cached" && rm -rf "$gobin"
  fi
  mkdir -p "$(dirname "$plugin")"
  cp "$cached" "$plugin.tmp" && mv "$plugin.tmp" "$plugin"
}

# One compose binary per run: E2E_COMPOSE=v2 (the default when the plugin
# answers) or v1; the scenarios source this file and inherit the choice.
e2e_select_compose() {
  case ${E2E_COMPOSE:-auto} in
    v1) COMPOSE=(docker-compose) ;;
    v2) COMPOSE=(docker compose) ;;
    *) if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi ;;
  esac
}
e2e_select_compose

# dc PROJECT FILE args...   (bounded: 15 minutes max for any single call)
dc() {
  local project=$1 file=$2; shift 2
  bounded "${DC_TIMEOUT:-900}" "${COMPOSE[@]}" -p "$project" -f "$file" "$@"
}

dc_down() {
  local project=$1 file=$2
  DC_TIMEOUT=180 dc "$project" "$file" down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
  # Belt and braces: whatever still carries the project label.
  local ids
  ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
  [ -n "$ids" ] && bounded 60 docker rm -fv $ids >/dev/null 2>&1 || true
  ids=$(docker network ls -q --filter "label=com.docker.compose.project=$project")
  [ -n "$ids" ] && bounded 60 docker network rm $ids >/dev/null 2>&1 || true
  return 0
}

# Container id of a compose service (first replica).
cid() { docker ps -aq --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.service=$2" | head -1; }

# Container State.StartedAt / FinishedAt in unix seconds with fraction.
started_at() { _ts "$(docker inspect -f '{{.State.StartedAt}}' "$1")"; }
finished_at() { _ts "$(docker inspect -f '{{.State.FinishedAt}}' "$1")"; }
_ts() { python3 -c 'import sys,datetime
s=sys.argv[1].rstrip("Z")
main,_,frac=s.partition(".")
t=datetime.datetime.strptime(main,"%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
print("%.3f"%(t+float("0."+(frac or "0")[:6])))' "$1"; }

# Wait (bounded) until CMD succeeds: wait_until SECONDS DESCRIPTION cmd...
wait_until() {
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  while [ $SECONDS -lt $end ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  e2e_log "timed out after ${limit}s waiting for: $what"
  return 1
}

# ---------------------------------------------------------------------------
# Result lines (exactly one per scenario)
# ---------------------------------------------------------------------------
e2e_pass() { echo "E2E PASS $1"; }
e2e_fail() { local n=$1; shift; echo "E2E FAIL $n: $*"; }

# ---------------------------------------------------------------------------
# The scenario images
# ---------------------------------------------------------------------------
# Kafka's build context = images/kafka + the Maven jars from fetch.sh, staged
# under the cache with hard links (no 46 MB copy per run, no jars in git).
stage_kafka_context() {
  local libs ctx=$E2E_CACHE/ctx/kafka
  libs=$(bash "$REPO_ROOT/tests/servers/kafka/fetch.sh") || return 1
  rm -rf "$ctx" && mkdir -p "$ctx/libs"
  cp "$E2E_DIR"/images/kafka/* "$ctx"/ 2>/dev/null || true
  cp -l "$libs"/*.jar "$ctx/libs/" 2>/dev/null || cp "$libs"/*.jar "$ctx/libs/"
  echo "$ctx"
}

# Build every server and app image (idempotent; seconds when nothing changed).
build_server_images() {
  local img=$E2E_DIR/images ok=0 ctx
  build_image stackgate-e2e/jre:bookworm "$img/jre" || ok=1
  build_image stackgate-e2e/library/postgres "$img/postgres" || ok=1
  build_image stackgate-e2e/library/redis "$img/redis" || ok=1
  build_image stackgate-e2e/library/zookeeper "$img/zookeeper" "" --build-arg BASE=stackgate-e2e/jre:bookworm || ok=1
  build_image stackgate-e2e/clickhouse/clickhouse-server "$img/clickhouse" || ok=1
  build_image stackgate-e2e/library/eclipse-mosquitto "$img/mosquitto" || ok=1
  build_image stackgate-e2e/library/nginx "$img/nginx" || ok=1
  build_image stackgate-e2e/library/mariadb "$img/mariadb" || ok=1
  build_image stackgate-e2e/library/rabbitmq "$img/rabbitmq" || ok=1
  build_image stackgate-e2e/apps "$img/apps" || ok=1
  if ctx=$(stage_kafka_context); then
    build_image stackgate-e2e/apache/kafka "$ctx" "" --build-arg BASE=stackgate-e2e/jre:bookworm || ok=1
  else
    e2e_log "could not fetch the Kafka jars"; ok=1
  fi
  return $ok
}

# The stackgate image, from docker/Dockerfile, on a clean staged context (the
# files git knows about, tracked or not, minus .gitignore'd build dirs): the
# hash of that context decides whether to rebuild.
STACKGATE_IMAGE=${STACKGATE_IMAGE:-stackgate-e2e/stackgate}
stage_stackgate_context() {
  local ctx=$E2E_CACHE/ctx/stackgate
  rm -rf "$ctx" && mkdir -p "$ctx"
  (cd "$REPO_ROOT" && git ls-files -z -co --exclude-standard |
    while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -C "$ctx" -xf - || return 1
  echo "$ctx"
}

# From a host build instead (E2E_STACKGATE_FROM=prebuilt, or bench with
# $STACKGATE): the binary next to lib/stackgate/*.so, bundled the same way.
stage_prebuilt_context() {
  local bin=$1 ctx=$E2E_CACHE/ctx/stackgate-prebuilt dir
  dir=$(dirname "$bin")
  [ -x "$bin" ] || { e2e_log "no stackgate binary at $bin"; return 1; }
  rm -rf "$ctx" && mkdir -p "$ctx/docker" "$ctx/prebuilt/usr/local/bin" "$ctx/prebuilt/usr/local/lib/stackgate"
  cp "$REPO_ROOT/run" "$ctx/run"
  cp "$REPO_ROOT/docker/bundle.sh" "$REPO_ROOT/docker/Dockerfile.prebuilt" "$ctx/docker/"
  cp "$bin" "$ctx/prebuilt/usr/local/bin/stackgate"
  local m
  for m in "$dir"/lib/stackgate/*.so "$dir"/../lib/stackgate/*.so; do
    [ -f "$m" ] && cp "$m" "$ctx/prebuilt/usr/local/lib/stackgate/"
  done
  echo "$ctx"
}

build_stackgate_image() {
  local ctx labels
  # VERSION/REVISION/SOURCE for the OCI labels, as docker/build.sh passes them.
  mapfile -t labels < <("$REPO_ROOT/docker/build.sh" --print-build-args) || return 1
  if [ "${E2E_REUSE_STACKGATE:-0}" = 1 ] && docker image inspect "$STACKGATE_IMAGE" >/dev/null 2>&1; then
    e2e_log "E2E_REUSE_STACKGATE=1: using the existing $STACKGATE_IMAGE as is"
  elif [ "${E2E_STACKGATE_FROM:-source}" = prebuilt ]; then
    ctx=$(stage_prebuilt_context "${STACKGATE:-$REPO_ROOT/${BUILD_DIR:-build}/stackgate}") || return 1
    build_image "$STACKGATE_IMAGE" "$ctx" "$ctx/docker/Dockerfile.prebuilt" "${labels[@]}" || return 1
  else
    ctx=$(stage_stackgate_context) || return 1
    build_image "$STACKGATE_IMAGE" "$ctx" "$ctx/docker/Dockerfile" "${labels[@]}" || return 1
  fi
  e2e_log "$STACKGATE_IMAGE: $(docker image inspect -f '{{.Size}}' "$STACKGATE_IMAGE" | awk '{printf "%.1f MB", $1/1e6}')"
  # Images with the binary copied in, for HEALTHCHECK (the documented recipe).
  local name
  for name in library/postgres library/redis library/nginx apps; do
    build_image "stackgate-e2e/$name:with-stackgate" "$E2E_DIR/images/with-stackgate" "" \
      --build-arg "BASE=stackgate-e2e/$name" --build-arg "STACKGATE=$STACKGATE_IMAGE" || return 1
  done
}

# Docker's own timestamp (unix seconds) of the first/last log line of a
# container matching an extended regex: log_ts CID REGEX [first|last]
log_ts() {
  local line
  if [ "${3:-last}" = first ]; then
    line=$(docker logs -t "$1" 2>&1 | grep -E -- "$2" | head -1)
  else
    line=$(docker logs -t "$1" 2>&1 | grep -E -- "$2" | tail -1)
  fi
  [ -n "$line" ] || return 1
  _ts "${line%% *}"
}

# Float helpers (bash has none).
fcalc() { python3 -c "print(round($1, 3))"; }
fge() { python3 -c "import sys; sys.exit(0 if ($1) >= ($2) else 1)"; }

# Print a container's logs into the scenario log, indented.
dump_logs() { local c; for c in "$@"; do echo "---- logs of $c"; docker logs -t "$c" 2>&1 | tail -${DUMP_LINES:-40} | sed 's/^/    /'; done; }
