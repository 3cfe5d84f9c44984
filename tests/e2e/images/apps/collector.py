"""A real Kafka consumer-group member. Env: KAFKA_BOOTSTRAP, GROUP (collector),
TOPIC (events). Logs every assignment with a UTC timestamp."""
import os, signal, sys, time
from confluent_kafka import Consumer


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() % 1 * 1000)


def log(msg):
    print(f"{now()} collector: {msg}", flush=True)


running = True
signal.signal(signal.SIGTERM, lambda *a: globals().__setitem__("running", False))
group, topic = os.environ.get("GROUP", "collector"), os.environ.get("TOPIC", "events")
c = Consumer({
    "bootstrap.servers": os.environ.get("KAFKA_BOOTSTRAP", "kafka:9092"),
    "group.id": group,
    "allow.auto.create.topics": True,
    "auto.offset.reset": "earliest",
    "session.timeout.ms": 10000,
    "heartbeat.interval.ms": 1000,
})
c.subscribe([topic], on_assign=lambda cons, parts: log(f"assigned {[(p.topic, p.partition) for p in parts]} in group {group}"),
            on_revoke=lambda cons, parts: log(f"revoked {len(parts)} partitions"))
log(f"joining group {group} on topic {topic}")
n = 0
while running:
    m = c.poll(1.0)
    if m is None:
        continue
    if m.error():
        log(f"error: {m.error()}")
        continue
    n += 1
    log(f"consumed message {n} offset {m.offset()}")
c.close()
log("left the group")
