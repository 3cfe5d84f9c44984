#!/usr/bin/env bash
# make_certs.sh DIR EXPIRING_DAYS: a throw-away CA (DIR/ca.pem) and two
# server certificates it signed, each in DIR/<name>/server.{pem,key}:
#   expired   valid 2025-01-01 .. 2025-03-01 (in the past)
#   expiring  valid from yesterday for EXPIRING_DAYS more days
# `openssl ca` because OpenSSL 3.0's `req`/`x509` cannot set past dates.
set -euo pipefail
dir=$1 days=$2
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj /CN=stackgate-e2e-ca -keyout ca.key -out ca.pem 2>/dev/null
mkdir -p db
: >db/index.txt
echo 01 >db/serial
cat >ca.cnf <<CNF
[ca]
default_ca = e2e
[e2e]
database = $dir/db/index.txt
new_certs_dir = $dir/db
serial = $dir/db/serial
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = supplied
CNF
leaf() {
  local name=$1 start=$2 end=$3
  mkdir -p "$name"
  printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$name" >"$name/ext.cnf"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$name/server.key" -out "$name/server.csr" 2>/dev/null
  openssl ca -batch -config ca.cnf -extfile "$name/ext.cnf" -in "$name/server.csr" -out "$name/server.pem" \
    -startdate "$start" -enddate "$end" 2>/dev/null
  rm -f "$name/server.csr"
}
leaf expired 20250101000000Z 20250301000000Z
leaf expiring "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" "$(date -u -d "+$days days" +%Y%m%d%H%M%SZ)"
chmod -R a+rX "$dir"
chmod a+r "$dir"/*/server.key
