#!/usr/bin/env bash
# The .deb and the one version, checked on the host (tests/e2e/deb-install
# installs the same package into a fresh Debian container).
#
#   check_deb.sh SOURCE_DIR BUILD_DIR
#
# 1. cpack (the `package` target's configuration) makes exactly one .deb;
# 2. its files are exactly what `cmake --install` installs (CPack packages the
#    install() rules, nothing added or lost), under /usr;
# 3. Depends: names the Debian package of every shared library that the binary
#    and each dlopen()ed probe module need (dpkg-shlibdeps saw the modules);
# 4. one version: project(VERSION) in CMakeLists.txt = `stackgate --version`
#    = the .deb's Version = docker/build.sh's VERSION build argument.
# Prints one line per failed check and exits 1; exits 0 when all hold.
set -uo pipefail
src=${1:?usage: check_deb.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: check_deb.sh SOURCE_DIR BUILD_DIR}
work=$(mktemp -d "${TMPDIR:-/tmp}/stackgate-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }

version=$(sed -n 's/^project(stackgate VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || { echo "FAIL no project(stackgate VERSION ...) in $src/CMakeLists.txt"; exit 1; }

# 1. The package, made the way the `package` target makes it, into our own directory.
if ! cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1; then
  echo "FAIL cpack failed:"; tail -20 "$work/cpack.log"; exit 1
fi
mapfile -t debs < <(find "$work/out" -maxdepth 1 -name '*.deb')
[ ${#debs[@]} = 1 ] || { echo "FAIL expected one .deb, got ${#debs[@]}: ${debs[*]}"; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb") ($(du -k "$deb" | cut -f1) kB)"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = stackgate ] || fail "Package is '$(field Package)', not stackgate"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is '$(field Architecture)'"

# 2. Files = the install manifest, relocated to /usr.
cmake --install "$build" --prefix "$work/stage" >/dev/null || fail "cmake --install failed"
(cd "$work/stage" && find . ! -type d | sed 's|^\./|/usr/|' | LC_ALL=C sort) >"$work/installed"
dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sed 's|^\./|/|' | LC_ALL=C sort >"$work/packaged"
if ! diff -u "$work/installed" "$work/packaged" >"$work/files.diff"; then
  fail "the .deb's files differ from cmake --install's (- installed, + packaged):"; sed 's/^/    /' "$work/files.diff"
fi
grep -qx /usr/bin/stackgate "$work/packaged" || fail "no /usr/bin/stackgate in the package"
modules=$(grep -c '^/usr/lib/stackgate/libstackgate-.*\.so$' "$work/packaged")
[ "$modules" -gt 0 ] || fail "no probe modules under /usr/lib/stackgate"
echo "files: $(wc -l <"$work/packaged") ($modules probe modules)"

# 3. Every library the binary and the modules need comes from a package named in Depends.
depends=$(field Depends)
echo "Depends: $depends"
dep_names=" $(sed 's/([^)]*)//g; s/|/,/g' <<<"$depends" | tr ',' '\n' | awk '{print $1}' | tr '\n' ' ') "
elfs=("$build/stackgate")
for m in "$build"/lib/stackgate/libstackgate-*.so; do [ -e "$m" ] && elfs+=("$m"); done
checked=0
# The binary and the modules share most libraries (libc, libstdc++, libssl...):
# each path's owner and each package's Provides are asked of dpkg once (each
# dpkg call reads its whole database, ~0.2 s).
declare -A owner_of provides_of
for e in "${elfs[@]}"; do
  resolved=$(ldd "$e")
  for needed in $(readelf -d "$e" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(awk -v n="$needed" '$1 == n && $3 ~ /^\// {print $3; exit}' <<<"$resolved")
    # The dynamic loader (NEEDED when the binary calls into ld.so, e.g. for
    # __tls_get_addr) is listed by ldd by its path alone.
    [ -n "$path" ] || path=$(awk -v n="/$needed" '$1 ~ /^\// && substr($1, length($1) - length(n) + 1) == n {print $1; exit}' <<<"$resolved")
    [ -n "$path" ] || { fail "$(basename "$e"): $needed does not resolve on this host"; continue; }
    if [ -z "${owner_of[$path]+set}" ]; then
      # dpkg -S knows the path Debian installed (merged /usr: /lib -> /usr/lib).
      owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null || dpkg -S "/usr$path" 2>/dev/null)
      owner_of[$path]=$(head -1 <<<"$owner" | cut -d: -f1)
    fi
    pkg=${owner_of[$path]}
    [ -n "$pkg" ] || { fail "$(basename "$e"): no Debian package owns $path"; continue; }
    checked=$((checked + 1))
    # Depends may name what the package provides (libspdlog1.10 provides libspdlog1.10-fmt9).
    [ -n "${provides_of[$pkg]+set}" ] ||
      provides_of[$pkg]=$(dpkg-query -W -f='${Provides}' "$pkg" 2>/dev/null | sed 's/([^)]*)//g' | tr ',' ' ')
    names=("$pkg" ${provides_of[$pkg]})
    ok=0
    for n in "${names[@]}"; do [[ $dep_names == *" $n "* ]] && ok=1; done
    [ $ok = 1 ] || fail "$(basename "$e") needs $needed from $pkg, which Depends does not name"
  done
done
echo "libraries checked against Depends: $checked"

# 4. One version.
[ "$(field Version)" = "$version" ] || fail ".deb Version is '$(field Version)', CMakeLists.txt says $version"
[ "$("$build/stackgate" --version)" = "stackgate $version" ] ||
  fail "stackgate --version says '$("$build/stackgate" --version)', CMakeLists.txt says $version"
build_args=$("$src/docker/build.sh" --print-build-args)
grep -qx "VERSION=$version" <<<"$build_args" ||
  fail "docker/build.sh passes $(grep VERSION= <<<"$build_args"), CMakeLists.txt says $version"
echo "version: $version"
exit $failed
