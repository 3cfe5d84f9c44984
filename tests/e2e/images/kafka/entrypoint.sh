#!/bin/bash
set -euo pipefail
log() { echo "$(date -u +%FT%T.%3NZ) entrypoint: $*"; }
if [ "${E2E_START_DELAY:-0}" != 0 ]; then
  log "deliberately slow: sleeping ${E2E_START_DELAY}s before starting the broker"
  sleep "$E2E_START_DELAY"
fi
conf=/tmp/server.properties
cp /opt/kafka/config/server.properties $conf
echo "advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_HOST:-kafka}:9092" >>$conf
echo "group.initial.rebalance.delay.ms=${KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS:-3000}" >>$conf
cp=/opt/kafka/libs/*
java_opts=(-Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties)
if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  log "formatting KRaft storage"
  java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format -t "${KAFKA_CLUSTER_ID:-c3RhY2tnYXRlLWUyZS0xMA}" -c $conf --ignore-formatted >/dev/null
fi
log "starting the broker"
exec java "${java_opts[@]}" -cp "$cp" kafka.Kafka $conf
