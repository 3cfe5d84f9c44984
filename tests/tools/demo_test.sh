#!/usr/bin/env bash
# The demo as `./run demo` runs it (examples/demo/demo.sh), in a pipe: it
# must end on the release with exit 0, show the wrong password as the step
# that fails on purpose, and plan its own stack without a warning or note.
set -uo pipefail
# --without-kafka: Maven cannot fetch the broker's jars (an mvn that fails,
# an empty cache), so the demo must say so in one line and run without Kafka.
STACKGATE=${1:?usage: demo_test.sh path/to/stackgate [--without-kafka]}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ "${2:-}" = --without-kafka ]; then
  mkdir -p "$tmp/bin" "$tmp/cache"
  printf '#!/bin/sh\necho "mvn: no repository reachable" >&2\nexit 1\n' >"$tmp/bin/mvn"
  chmod +x "$tmp/bin/mvn"
  export PATH="$tmp/bin:$PATH" STACKGATE_CACHE="$tmp/cache"
fi
out=$(timeout 800 bash "$root/examples/demo/demo.sh" "$STACKGATE" 2>&1)
rc=$?
printf '%s\n' "$out"
fail() { echo "demo_test: $*" >&2; exit 1; }
[ "$rc" = 0 ] || fail "demo exited $rc, expected 0"
step1=$(printf '%s\n' "$out" | sed -n '/1\. The plan/,/2\. The servers/p')
[ -n "$step1" ] || fail "no step 1 in the output"
grep -q "release backend after level" <<<"$step1" || fail "step 1 shows no plan"
if grep -Eqi "warning|note:|error" <<<"$step1"; then fail "step 1 prints a warning: $(grep -Ei 'warning|note:|error' <<<"$step1")"; fi
grep -q "Expected to fail: a wrong password" <<<"$out" || fail "no labelled wrong-password step"
grep -q "exit 1, as expected" <<<"$out" || fail "the wrong password did not exit 1"
[ "$(printf '%s\n' "$out" | tail -1)" = $'\033[1;32mfrontend released: the demo ends here (exit 0)\033[0m' ] ||
  fail "the demo does not end on the release"
kafka_line=$(grep -c "could not be fetched" <<<"$out")
if [ "${2:-}" = --without-kafka ]; then
  [ "$kafka_line" = 1 ] || fail "no one-line notice that Kafka is left out"
  ! grep -q "kafka://" <<<"$out" || fail "Kafka is probed although it was left out"
else
  [ "$kafka_line" = 0 ] || fail "Kafka was left out although its jars are there"
  grep -q "collector ready after" <<<"$out" || fail "the consumer group was not gated"
fi
echo "demo_test: ok"
