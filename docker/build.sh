#!/usr/bin/env bash
# docker/build.sh [IMAGE] [docker build args...]: build the stackgate image from
# a clean context: the files git knows about (tracked and untracked, minus
# .gitignore'd build dirs), so local build trees and .git are never sent.
#   docker/build.sh stackgate --build-arg BASE=stackgate-e2e/base:bookworm
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
image=${1:-stackgate}; shift || true
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
(cd "$root" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -C "$ctx" -xf -
DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build -f "$ctx/docker/Dockerfile" -t "$image" "$@" "$ctx"
