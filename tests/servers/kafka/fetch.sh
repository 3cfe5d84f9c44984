#!/usr/bin/env bash
# Fetches the Kafka broker jars with Maven (default repositories) into a cache
# outside the build tree and prints the directory holding them. Idempotent:
# a complete cache is reused. Set STACKGATE_CACHE to move the cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${STACKGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stackgate}
version=$(grep -A1 "<artifactId>kafka_2.13</artifactId>" "$here/pom.xml" | sed -n "s:.*<version>\(.*\)</version>.*:\1:p")
dest=$cache/kafka-$version
if [ -f "$dest/.complete" ]; then
  echo "$dest/libs"
  exit 0
fi
command -v mvn >/dev/null || { echo "fetch.sh: mvn not found (apt-get install maven)" >&2; exit 1; }
mkdir -p "$dest"
# ctest runs several broker-starting tests at once (the shared broker, the
# own-broker cases, the demo): on an empty cache one fetches, the others wait
# for it (bounded) and reuse what it fetched.
exec 9>"$dest/.lock"
flock -w 600 9 || { echo "fetch.sh: $dest is locked by another fetch for over 600 s" >&2; exit 1; }
if [ -f "$dest/.complete" ]; then
  echo "$dest/libs"
  exit 0
fi
rm -rf "$dest/libs"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dest/libs" >"$dest/mvn.log" 2>&1 || {
  echo "fetch.sh: mvn failed, see $dest/mvn.log:" >&2
  tail -20 "$dest/mvn.log" >&2
  exit 1
}
ls "$dest"/libs/kafka_2.13-*.jar >/dev/null
touch "$dest/.complete"
echo "$dest/libs"
