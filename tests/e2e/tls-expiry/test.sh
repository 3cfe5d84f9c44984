#!/usr/bin/env bash
# Scenario "tls-expiry": nginx serving an expired certificate and one that
# expires in 5 days, both from a CA made by openssl here. `stackgate check`
# and `stackgate smoke` (in containers on the stack's network, trusting the
# CA) name the dates: the expired one is fatal with both dates, the expiring
# one fails cert_min_days=30 with its expiry date and days left, and passes
# cert_min_days=2.
set -uo pipefail
source "$E2E_DIR/lib/common.sh"
name=tls-expiry
P=${PROJECT:-sge2e-tlsexpiry}
F=$SCENARIO_DIR/compose.yaml
certs=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-tls.XXXXXX")
out=$(mktemp -d "${TMPDIR:-/tmp}/sge2e-tlsout.XXXXXX")
chmod 755 "$certs"; chmod 777 "$out"
export TLS_CERTS=$certs
trap 'dc_down "$P" "$F"; rm -rf "$certs" "$out"' EXIT
dc_down "$P" "$F"
check=$E2E_DIR/lib/probe_outcome.py

bash "$SCENARIO_DIR/make_certs.sh" "$certs" 5 || { e2e_fail $name "openssl could not make the certificates"; exit 1; }
# The dates as stackgate prints them (UTC).
when() { date -u -d "$(openssl x509 -in "$certs/$1/server.pem" -noout "-$2" | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S UTC'; }
expired_from=$(when expired startdate) expired_until=$(when expired enddate)
expiring_until=$(when expiring enddate)
echo "expired: $expired_from .. $expired_until; expiring until $expiring_until"

DC_TIMEOUT=120 dc "$P" "$F" up -d || { e2e_fail $name "compose up failed"; exit 1; }
ex=$(cid "$P" expired) ing=$(cid "$P" expiring)
# Both servers answer TLS (curl skips verification: only "is nginx up").
for host in expired expiring; do
  wait_until 30 "$host answering TLS" bounded 10 docker run --rm --network "${P}_default" stackgate-e2e/apps \
    curl -ksf -o /dev/null "https://$host/" || { dump_logs "$ex" "$ing"; e2e_fail $name "$host does not serve TLS"; exit 1; }
done

sg() {
  bounded 60 docker run --rm --network "${P}_default" -v "$certs:/certs:ro" -v "$SCENARIO_DIR:/stack:ro" \
    -v "$out:/out" -w /stack -e COMPOSE_FILE=/stack/compose.yaml -e TLS_CERTS=/certs "$STACKGATE_IMAGE" "$@"
}
re() { python3 -c 'import re,sys; print(re.escape(sys.argv[1]))' "$1"; }
# expect_check EXIT REGEX URL: `stackgate check URL` exits EXIT and prints REGEX.
expect_check() {
  local want=$1 rx=$2 url=$3 got text
  text=$(sg check "$url" 2>&1); got=$?
  echo "check $url -> exit $got: $text"
  [ "$got" = "$want" ] || { e2e_fail $name "check $url exited $got, expected $want"; exit 1; }
  grep -qE -- "$rx" <<<"$text" || { e2e_fail $name "check $url does not say /$rx/"; exit 1; }
}

expired_rx="certificate CN ?= ?expired \\(issuer CN ?= ?stackgate-e2e-ca\\) has expired: valid from $(re "$expired_from") until $(re "$expired_until")"
expiring_rx="certificate CN ?= ?expiring \\(issuer CN ?= ?stackgate-e2e-ca\\) expires $(re "$expiring_until"), [45] days left, want at least 30"

echo "---- check"
expect_check 1 "$expired_rx" "tls://expired:443?ca=/certs/ca.pem"
# insecure=1 skips trust, never the dates.
expect_check 1 "$expired_rx" "tls://expired:443?insecure=1"
expect_check 1 "$expired_rx" "https://expired/?cert_min_days=1&ca=/certs/ca.pem"
expect_check 1 "$expiring_rx" "https://expiring/?cert_min_days=30&ca=/certs/ca.pem"
expect_check 1 "$expiring_rx" "tls://expiring:443?cert_min_days=30&ca=/certs/ca.pem"
expect_check 0 "" "https://expiring/?cert_min_days=2&ca=/certs/ca.pem"
expect_check 0 "" "tls://expiring:443?cert_min_days=2&ca=/certs/ca.pem"

echo "---- smoke"
t1=$(date +%s.%N)
sg smoke --timeout 10s --report-json /out/smoke.json --report-junit /out/smoke.xml
rc=$?
echo "smoke exited $rc after $(fcalc "$(date +%s.%N) - $t1") s"
[ "$rc" = 1 ] || { e2e_fail $name "smoke exited $rc, expected 1 (a fatal expired certificate)"; exit 1; }
python3 "$check" "$out/smoke.json" expired tls --verdict fatal --state failed --reason "$expired_rx" ||
  { e2e_fail $name "smoke does not report the expired certificate as fatal with its dates (see log)"; exit 1; }
python3 "$check" "$out/smoke.json" expiring https --verdict not_yet --reason "$expiring_rx" ||
  { e2e_fail $name "smoke does not report the expiring certificate's date (see log)"; exit 1; }
grep -q "until $expired_until" "$out/smoke.xml" && grep -q "expires $expiring_until" "$out/smoke.xml" ||
  { e2e_fail $name "the JUnit report does not name the dates"; exit 1; }
e2e_pass $name
