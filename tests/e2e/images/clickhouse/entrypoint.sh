#!/bin/bash
set -eu
[ "${E2E_START_DELAY:-0}" != 0 ] && sleep "$E2E_START_DELAY"
user=${CLICKHOUSE_USER:-default} pass=${CLICKHOUSE_PASSWORD:-}
cat >/etc/clickhouse-server/users.d/e2e.xml <<XML
<yandex>
  <users>
    <$user>
      <password>$pass</password>
      <networks><ip>::/0</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </$user>
  </users>
</yandex>
XML
if [ -n "${CLICKHOUSE_DB:-}" ]; then
  # A database is a directory under metadata/ and data/; creating it here means
  # the server never listens without it (no init restart).
  mkdir -p "/var/lib/clickhouse/metadata/$CLICKHOUSE_DB" "/var/lib/clickhouse/data/$CLICKHOUSE_DB"
fi
exec clickhouse-server --config-file=/etc/clickhouse-server/config.xml
