#!/usr/bin/env bash
# Scenario "deb-install": the .deb from `cmake --build build --target package`
# installed into a fresh Debian container, then used there.
#   1. the package is built from the host build ($BUILD_DIR);
#   2. an image = the debootstrap base + the packages its Depends names, nothing
#      else (Dockerfile.deps; built with the mirror like every e2e image);
#   3. in a container from it, started with --network none, `apt-get install
#      ./stackgate_*.deb` resolves every dependency offline;
#   4. `stackgate --version` prints project(VERSION) (= the .deb's Version);
#      no ELF file of the package has a library "not found";
#   5. connected to the stack's network: `stackgate check` passes against a
#      real Redis (AUTH) and a real Postgres (SELECT 1), each through its
#      dlopen()ed module, and against tcp://; a wrong password is fatal (exit 1,
#      the reason names the failure and not the password); a bad URL exits 1
#      (never 2: Docker reserves it in HEALTHCHECK).
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=deb-install
P=${PROJECT:-sge2e-debinstall}
F=$SCENARIO_DIR/compose.yaml
C=$P-target
build_dir=${BUILD_DIR:-build}
[[ $build_dir == /* ]] || build_dir=$REPO_ROOT/$build_dir
ctx=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-deb.XXXXXX")
cleanup() { bounded 60 docker rm -f "$C" >/dev/null 2>&1; dc_down "$P" "$F"; }
trap 'cleanup; rm -rf "$ctx"' EXIT
cleanup

# 1. The package, as a user makes it.
[ -f "$build_dir/CMakeCache.txt" ] || { e2e_fail $name "no configured build in $build_dir (run ./run build first)"; exit 1; }
bounded 900 cmake --build "$build_dir" --target package >"$ctx/package.log" 2>&1 ||
  { tail -20 "$ctx/package.log"; e2e_fail $name "cmake --build --target package failed"; exit 1; }
version=$(sed -n 's/^project(stackgate VERSION \([0-9][0-9.]*\).*/\1/p' "$REPO_ROOT/CMakeLists.txt")
deb=$build_dir/stackgate_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { e2e_fail $name "no $deb after the package target"; exit 1; }
echo "package: $deb"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"

# 2. The base plus the Depends, nothing else.
mkdir -p "$ctx/deps"
tr ',' '\n' <<<"$depends" | sed 's/|.*//; s/([^)]*)//g; s/ //g' | grep -v '^$' | LC_ALL=C sort -u >"$ctx/deps/depends.txt"
build_image stackgate-e2e/deb-install-deps "$ctx/deps" "$SCENARIO_DIR/Dockerfile.deps" ||
  { e2e_fail $name "the image with the Depends packages did not build (see $E2E_LOGS/build-stackgate-e2e_deb-install-deps.log)"; exit 1; }

DC_TIMEOUT=180 dc "$P" "$F" up -d || { e2e_fail $name "compose up failed"; exit 1; }

# 3. Install offline.
bounded 60 docker run -d --name "$C" --network none stackgate-e2e/deb-install-deps sleep infinity >/dev/null ||
  { e2e_fail $name "could not start the target container"; exit 1; }
bounded 60 docker cp "$deb" "$C:/tmp/$(basename "$deb")" || { e2e_fail $name "docker cp of the .deb failed"; exit 1; }
# No --no-download: apt refuses a local .deb with it ("Pathname to install is
# not absolute"); the container has no network, so anything apt would need to
# download fails the install anyway.
echo "---- apt-get install /tmp/$(basename "$deb") (no network)"
if ! bounded 300 docker exec "$C" apt-get install -y -q "/tmp/$(basename "$deb")"; then
  e2e_fail $name "apt-get install of the .deb failed offline (see log)"; exit 1
fi
in_c() { bounded 60 docker exec "$C" "$@"; }
[ "$(in_c dpkg-query -W -f='${Status} ${Version}' stackgate)" = "install ok installed $version" ] ||
  { e2e_fail $name "dpkg does not show stackgate $version installed: $(in_c dpkg-query -W stackgate 2>&1)"; exit 1; }

# 4. The version, and every library of every ELF file found.
out=$(in_c stackgate --version 2>&1)
echo "stackgate --version: $out"
[ "$out" = "stackgate $version" ] || { e2e_fail $name "stackgate --version says '$out', expected 'stackgate $version'"; exit 1; }
elfs=$(in_c sh -c 'dpkg -L stackgate | while read -r f; do [ -f "$f" ] && head -c4 "$f" | grep -q ELF && echo "$f"; done')
echo "ELF files: $(tr '\n' ' ' <<<"$elfs")"
grep -q '^/usr/lib/stackgate/libstackgate-redis.so$' <<<"$elfs" || { e2e_fail $name "no redis probe module installed"; exit 1; }
missing=$(in_c sh -c "for f in $(tr '\n' ' ' <<<"$elfs"); do ldd \"\$f\" | sed \"s|^|\$f: |\" | grep 'not found'; done")
[ -z "$missing" ] || { e2e_fail $name "libraries not found in the container: $(tr '\n' ' ' <<<"$missing")"; exit 1; }

# 5. Real listeners, reached from the container.
# (A container on "none" must leave it before it can join another network.)
bounded 30 docker network disconnect none "$C" && bounded 30 docker network connect "${P}_default" "$C" ||
  { e2e_fail $name "moving the container from network none to ${P}_default failed"; exit 1; }
sg_check() { OUT=$(bounded 30 docker exec "$C" stackgate check "$@" 2>&1); RC=$?; echo "check $* -> exit $RC: $OUT"; }
# Postgres restarts once after its init phase: poll, bounded.
wait_until 90 "postgres answers through the installed package" \
  docker exec "$C" stackgate check -q "postgres://app:app-pw@postgres:5432/app" ||
  { sg_check "postgres://app:app-pw@postgres:5432/app"; e2e_fail $name "postgres never passed: $OUT"; exit 1; }
wait_until 60 "redis answers" docker exec "$C" stackgate check -q "redis://:redis-pw@redis:6379" ||
  { sg_check "redis://:redis-pw@redis:6379"; e2e_fail $name "redis never passed: $OUT"; exit 1; }
sg_check "redis://:redis-pw@redis:6379" "postgres://app:app-pw@postgres:5432/app" "tcp://redis:6379"
[ "$RC" = 0 ] || { e2e_fail $name "check of redis, postgres and tcp exited $RC: $OUT"; exit 1; }
grep -q 'redis://:\*\*\*@redis:6379.*ready' <<<"$OUT" || { e2e_fail $name "no 'ready' line for redis: $OUT"; exit 1; }
sg_check "redis://:wrong-pw@redis:6379"
[ "$RC" = 1 ] || { e2e_fail $name "a wrong redis password exited $RC, expected 1: $OUT"; exit 1; }
grep -qi 'fatal' <<<"$OUT" && ! grep -q 'wrong-pw' <<<"$OUT" ||
  { e2e_fail $name "a wrong redis password is not fatal, or its output shows the password: $OUT"; exit 1; }
sg_check "tpc://redis:6379"
[ "$RC" = 1 ] && grep -q "unknown scheme 'tpc'" <<<"$OUT" ||
  { e2e_fail $name "a bad URL did not exit 1 naming the scheme: exit $RC: $OUT"; exit 1; }
e2e_pass $name
