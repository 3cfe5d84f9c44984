#!/usr/bin/env bash
# docker/bundle.sh OUT: turn an installed tree (OUT/usr/local/{bin/stackgate,lib/stackgate/*.so})
# into a root filesystem that runs on `FROM scratch`:
#   - every shared library the binary and the modules load (ldd), except glibc,
#     goes to OUT/usr/local/lib/stackgate/deps with RUNPATH $ORIGIN, and the binary
#     and modules get a RUNPATH pointing there, so the /usr/local tree alone can be
#     COPY'd into any image with glibc >= the builder's;
#   - glibc (libc, libm, ld.so, the NSS files/dns modules) is copied to its usual
#     place for this image only;
#   - /etc/passwd and /etc/group with an unprivileged user (10001), nsswitch.conf,
#     CA certificates, and an empty /tmp.
set -euo pipefail
out=${1:?usage: bundle.sh OUT}
bin=$out/usr/local/bin/stackgate
mods=$out/usr/local/lib/stackgate
deps=$mods/deps
mkdir -p "$deps"
[ -x "$bin" ] || { echo "bundle.sh: $bin missing" >&2; exit 1; }

is_glibc() {
  case "$(basename "$1")" in
    ld-linux*|libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libresolv.so*|libutil.so*|libanl.so*|libnss_*|libmvec.so*) return 0 ;;
  esac
  return 1
}

elfs=("$bin")
for m in "$mods"/*.so; do [ -e "$m" ] && elfs+=("$m"); done

declare -A seen=()
for e in "${elfs[@]}"; do
  while read -r lib; do
    [ -n "$lib" ] && [ -z "${seen[$lib]:-}" ] || continue
    seen[$lib]=1
    real=$(readlink -f "$lib")
    if is_glibc "$lib"; then
      mkdir -p "$out$(dirname "$lib")"
      cp -L "$real" "$out$lib"
    else
      cp -L "$real" "$deps/$(basename "$lib")"
    fi
  done < <(ldd "$e" | awk '/=> \//{print $3} /^\s*\/[^ ]*ld-linux/{print $1}')
done

# libmariadb's authentication plugins (caching_sha2_password: MySQL 8's
# default), next to the mysql module, which points libmariadb at them.
plugins=$(ls -d /usr/lib/*/libmariadb3/plugin 2>/dev/null | head -1)
if [ -e "$mods/libstackgate-mysql.so" ] && [ -n "$plugins" ]; then
  mkdir -p "$mods/mariadb-plugin"
  cp -L "$plugins"/*.so "$mods/mariadb-plugin/"
  for p in "$mods"/mariadb-plugin/*.so; do
    while read -r lib; do
      [ -n "$lib" ] && ! is_glibc "$lib" && [ ! -e "$deps/$(basename "$lib")" ] && cp -L "$(readlink -f "$lib")" "$deps/$(basename "$lib")"
    done < <(ldd "$p" | awk '/=> \//{print $3}')
    patchelf --set-rpath '$ORIGIN/../deps' "$p"
  done
fi

# glibc's NSS modules and the interpreter at the path in PT_INTERP.
libdir=/lib/x86_64-linux-gnu
[ -d "$libdir" ] || libdir=$(dirname "$(ldd "$bin" | awk '/libc.so/{print $3}')")
mkdir -p "$out$libdir" "$out/lib64"
for n in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do
  [ -e "$libdir/$n" ] && cp -L "$libdir/$n" "$out$libdir/$n"
done
interp=$(patchelf --print-interpreter "$bin")
mkdir -p "$out$(dirname "$interp")"
cp -L "$interp" "$out$interp"

# RUNPATHs: the binary finds deps via ../lib/stackgate/deps, modules via deps/,
# deps find each other via $ORIGIN.
patchelf --set-rpath '$ORIGIN/../lib/stackgate/deps' "$bin"
for m in "$mods"/*.so; do [ -e "$m" ] && patchelf --set-rpath '$ORIGIN/deps' "$m"; done
for d in "$deps"/*; do patchelf --set-rpath '$ORIGIN' "$d"; strip --strip-unneeded "$d" 2>/dev/null || true; done

mkdir -p "$out/etc/ssl/certs" "$out/tmp"
chmod 1777 "$out/tmp"
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nstackgate:x:10001:10001:stackgate:/nonexistent:/sbin/nologin\n' >"$out/etc/passwd"
printf 'root:x:0:\nstackgate:x:10001:\n' >"$out/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$out/etc/nsswitch.conf"

echo "bundle.sh: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)" >&2
ldd "$bin" | sed 's/^/  /' >&2
