#!/usr/bin/env bash
# docker/build.sh [IMAGE] [docker build args...]: build the stackgate image from
# a clean context: the files git knows about (tracked and untracked, minus
# .gitignore'd build dirs), so local build trees and .git are never sent.
#
# The image's OCI labels come from here, each from one place:
#   org.opencontainers.image.version   project(VERSION) in CMakeLists.txt: the version
#                                      `stackgate --version` prints and the .deb carries
#                                      (the Dockerfile checks that the binary agrees)
#   org.opencontainers.image.revision  the git commit (+"-dirty" with uncommitted changes)
#   org.opencontainers.image.source    the URL of the git remote "origin" (empty without one;
#                                      --build-arg SOURCE=URL to set it)
#   org.opencontainers.image.licenses  Apache-2.0 (LICENSE), fixed in the Dockerfile
#   docker/build.sh --print-build-args   prints the --build-arg words and exits
#
# BASE, the builder stage's image, defaults to debian:bookworm-slim. Where that
# cannot be pulled (no registry access, an offline CI runner), pass any Debian
# bookworm image you have, e.g. one imported from debootstrap as tests/e2e does:
#   debootstrap --variant=minbase bookworm rootfs && tar -C rootfs -c . | docker import - bookworm-local
#   docker/build.sh stackgate --build-arg BASE=bookworm-local
# The builder still installs the build packages with apt-get, so it needs a
# Debian mirror; the runtime stage is FROM scratch and pulls nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_args() {
  local version revision source
  version=$(sed -n 's/^project(stackgate VERSION \([0-9][0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
  [ -n "$version" ] || { echo "docker/build.sh: no project(stackgate VERSION x.y.z) in CMakeLists.txt" >&2; return 1; }
  revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
  if [ "$revision" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    revision=$revision-dirty
  fi
  source=$(git -C "$root" remote get-url origin 2>/dev/null || true)
  printf '%s\n' --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source"
}

if [ "${1:-}" = --print-build-args ]; then
  build_args
  exit 0
fi
image=${1:-stackgate}; shift || true
mapfile -t labels < <(build_args)
[ ${#labels[@]} -gt 0 ] || exit 1
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
(cd "$root" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -C "$ctx" -xf -
# Later --build-arg words win: the caller's "$@" can override SOURCE (or any other).
DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build -f "$ctx/docker/Dockerfile" -t "$image" "${labels[@]}" "$@" "$ctx"
