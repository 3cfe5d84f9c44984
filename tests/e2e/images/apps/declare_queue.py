"""A one-shot setup job: declares a durable queue on a RabbitMQ vhost.

Tries to connect at most SETUP_TRIES times, one second apart, until the broker
answers; then waits SETUP_DELAY seconds (migrations take time: the window in
which the broker is up but the queue does not exist yet) and declares the queue.
Exits 0 once the broker confirmed the declaration, 1 when it never answered.

Environment: AMQP_URL (amqp://user:pass@host:5672/vhost), AMQP_QUEUE,
SETUP_TRIES (default 90), SETUP_DELAY (default 0).
"""
import os, sys, time

import pika


def log(msg):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() % 1 * 1000)
    print(f"{stamp} setup: {msg}", flush=True)


def main():
    queue = os.environ["AMQP_QUEUE"]
    params = pika.URLParameters(os.environ["AMQP_URL"])
    params.socket_timeout = 3
    params.connection_attempts = 1
    tries = int(os.environ.get("SETUP_TRIES", "90"))
    for attempt in range(1, tries + 1):
        try:
            conn = pika.BlockingConnection(params)
            break
        except Exception as e:  # noqa: BLE001 - not up yet: try again, bounded
            log(f"broker not answering yet (try {attempt}/{tries}): {type(e).__name__}")
            time.sleep(1)
    else:
        log(f"FATAL: the broker did not answer in {tries} tries")
        sys.exit(1)
    delay = float(os.environ.get("SETUP_DELAY", "0"))
    if delay:
        log(f"broker answered; the migration takes {delay:g}s")
        time.sleep(delay)
    conn.channel().queue_declare(queue=queue, durable=True)
    log(f"queue {queue} declared")
    conn.close()


if __name__ == "__main__":
    main()
