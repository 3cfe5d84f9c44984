#!/bin/bash
set -eu
[ "${E2E_START_DELAY:-0}" != 0 ] && sleep "$E2E_START_DELAY"
# zookeeper.jar's manifest Class-Path names its Debian dependencies.
exec java -Xms64m -Xmx256m -XX:+UseSerialGC -Dzookeeper.log.dir=/tmp \
  -Dlog4j.configuration=file:/etc/zookeeper/log4j.properties \
  -cp /etc/zookeeper:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar \
  org.apache.zookeeper.server.quorum.QuorumPeerMain /etc/zookeeper/zoo.cfg
