"""A real Kafka consumer-group member. Env: KAFKA_BOOTSTRAP, GROUP (collector),
TOPIC (events). Logs every assignment with a UTC timestamp."""
import os, signal, sys, time
from confluent_kafka import Consumer, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() % 1 * 1000)


def log(msg):
    print(f"{now()} collector: {msg}", flush=True)


running = True
signal.signal(signal.SIGTERM, lambda *a: globals().__setitem__("running", False))
group, topic = os.environ.get("GROUP", "collector"), os.environ.get("TOPIC", "events")
bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "kafka:9092")


def ensure_topic(deadline_s=300):
    """Create the topic before joining (as a real deployment's migration would),
    so the group does not rebalance later when someone else auto-creates it."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.connection.setup.timeout.ms": 3000})
    end = time.time() + deadline_s
    while running and time.time() < end:
        try:
            md = admin.list_topics(timeout=3)
            if topic in md.topics and not md.topics[topic].error:
                return
            fut = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic]
            fut.result(timeout=10)
            log(f"created topic {topic}")
            return
        except KafkaException as e:
            if "TOPIC_ALREADY_EXISTS" in str(e):
                return
            time.sleep(1)
        except Exception:  # noqa: BLE001 - broker not up yet
            time.sleep(1)
    log(f"could not create topic {topic} in {deadline_s}s; subscribing anyway")


ensure_topic()
c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
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
