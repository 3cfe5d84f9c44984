#!/usr/bin/env bash
# Scenario "sqlite-lock": an app on SQLite behind nginx; a second process holds
# the write lock (BEGIN EXCLUSIVE). `stackgate smoke` passes on the healthy
# stack, then names the cause while the lock is held: the SQLite probe *not
# yet* with "database is locked" and the HTTP probe through nginx timed out
# (the app's request waits on the lock), not a bare 502; passes again once the
# lock is released. A lock held for 5 s: the app answers 200 only when it
# ends, and `check ...?max_latency=2s` names the latency instead of passing.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=sqlite-lock
P=${PROJECT:-sge2e-sqlitelock}
F=$SCENARIO_DIR/compose.yaml
out=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-sqlite.XXXXXX")
chmod 777 "$out"
trap 'dc_down "$P" "$F"; rm -rf "$out"' EXIT
dc_down "$P" "$F"
check=$E2E_DIR/lib/probe_outcome.py

DC_TIMEOUT=120 dc "$P" "$F" up -d || { e2e_fail $name "compose up failed"; exit 1; }
app=$(cid "$P" app) ng=$(cid "$P" nginx)
wait_until 60 "the app listening" bash -c "docker logs '$app' 2>&1 | grep -q 'app: listening'" ||
  { dump_logs "$app"; e2e_fail $name "the app did not start"; exit 1; }

# smoke RUN TIMEOUT -> exit code; the report in $out/RUN.json. Runs in a
# container on the stack's network with the app's volume, as a sidecar would.
smoke() {
  bounded 120 docker run --rm --network "${P}_default" -v "${P}_data:/data" \
    -v "$SCENARIO_DIR:/stack:ro" -v "$out:/out" -w /stack -e COMPOSE_FILE=/stack/compose.yaml \
    "$STACKGATE_IMAGE" smoke --timeout "$2" --report-json "/out/$1.json" --report-junit "/out/$1.xml"
}

echo "---- smoke on the healthy stack"
smoke healthy 60s
rc=$?
[ "$rc" = 0 ] || { dump_logs "$app" "$ng"; e2e_fail $name "smoke failed on the healthy stack (exit $rc)"; exit 1; }
python3 "$check" "$out/healthy.json" app sqlite --state ready --reason 'schema entr' &&
  python3 "$check" "$out/healthy.json" nginx http --state ready --reason '^HTTP 200 from /api/items$' ||
  { e2e_fail $name "healthy-stack report is wrong (see log)"; exit 1; }

echo "---- a second process takes the write lock (BEGIN EXCLUSIVE) and holds it"
docker exec -d "$app" python3 /scenario/hold_lock.py /data/app.db 150
wait_until 20 "the lock held" docker exec "$app" test -f /tmp/locked ||
  { dump_logs "$app"; e2e_fail $name "the lock holder did not take the lock"; exit 1; }

t1=$(date +%s.%N)
smoke locked 12s
rc=$?
echo "smoke under the lock exited $rc after $(fcalc "$(date +%s.%N) - $t1") s"
[ "$rc" = 124 ] || [ "$rc" = 1 ] || { e2e_fail $name "smoke under the lock exited $rc, expected 124 (or 1)"; exit 1; }
python3 "$check" "$out/locked.json" app sqlite --verdict not_yet --reason 'database is locked' ||
  { e2e_fail $name "the SQLite probe does not say 'database is locked' (see log)"; exit 1; }
python3 "$check" "$out/locked.json" nginx http --verdict not_yet --reason 'timed out after' --not-reason '502' ||
  { e2e_fail $name "the HTTP probe through nginx does not report the timeout (see log)"; exit 1; }
grep -q 'database is locked' "$out/locked.xml" || { e2e_fail $name "the JUnit report does not name the lock"; exit 1; }

echo "---- the lock is released"
docker exec "$app" touch /tmp/unlock
wait_until 20 "the lock released" bash -c "! docker exec '$app' test -f /tmp/locked" ||
  { e2e_fail $name "the lock holder did not let go"; exit 1; }
smoke released 60s
rc=$?
[ "$rc" = 0 ] || { dump_logs "$app" "$ng"; e2e_fail $name "smoke failed after the lock was released (exit $rc)"; exit 1; }
python3 "$check" "$out/released.json" app sqlite --state ready &&
  python3 "$check" "$out/released.json" nginx http --state ready ||
  { e2e_fail $name "report after the release is wrong (see log)"; exit 1; }
echo "---- a shorter lock: the app answers, but only when it is released (max_latency=2s)"
docker exec "$app" rm -f /tmp/unlock
docker exec -d "$app" python3 /scenario/hold_lock.py /data/app.db 5
wait_until 20 "the lock held" docker exec "$app" test -f /tmp/locked ||
  { dump_logs "$app"; e2e_fail $name "the lock holder did not take the lock again"; exit 1; }
slow=$(bounded 60 docker run --rm --network "${P}_default" "$STACKGATE_IMAGE" \
  check 'http://nginx/api/items?json=ok:true&timeout=15s&max_latency=2s' 2>&1)
rc=$?
echo "check with max_latency=2s exited $rc: $slow"
[ "$rc" = 1 ] || { e2e_fail $name "check with max_latency=2s exited $rc, expected 1"; exit 1; }
grep -Eq 'answered in [0-9.]+s, slower than max_latency=2s' <<<"$slow" ||
  { e2e_fail $name "check does not name the latency (slower than max_latency=2s): $slow"; exit 1; }
wait_until 20 "the short lock released" bash -c "! docker exec '$app' test -f /tmp/locked" ||
  { e2e_fail $name "the short lock was not released"; exit 1; }

echo "---- the app's own view of the lock"
docker logs "$app" 2>&1 | grep 'api/items' | tail -5 | sed 's/^/    /'
e2e_pass $name
