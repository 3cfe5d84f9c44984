"""A backend that refuses to start unless its upstreams are really ready.

Every upstream named in the environment is tried exactly once, with a short
timeout. Any failure prints the reason and exits 1: that is what an ordering
mistake looks like in production. Then it serves HTTP on :8080.

Environment (each optional; unset = not an upstream):
  PG_DSN            libpq conninfo, e.g. "host=postgres user=app password=s dbname=app"
  REDIS_HOST        host[:port]; REDIS_PASSWORD
  KAFKA_BOOTSTRAP   host:port; KAFKA_TOPIC (produce one message), KAFKA_GROUP (must be Stable)
  CLICKHOUSE_URL    http://user:pass@host:8123/db  (runs SELECT 1)
  ZK_HOST           host[:port]  (4lw srvr must say Mode: standalone|leader|follower)
  HTTP_UPSTREAMS    space-separated URLs that must answer 200
  MYSQL_URL         mysql://user:pass@host:3306/db  (logs in over TCP, runs SELECT 1 in db)
  AMQP_URL          amqp://user:pass@host:5672/vhost; AMQP_QUEUE (must exist: passive declare)
"""
import base64, http.server, json, os, socket, sys, time, urllib.parse, urllib.request


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() % 1 * 1000)


def log(msg):
    print(f"{now()} backend: {msg}", flush=True)


def check_postgres(dsn):
    import psycopg2
    conn = psycopg2.connect(dsn, connect_timeout=3)
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1
        if os.environ.get("PG_REQUIRE_TABLE"):
            cur.execute("SELECT count(*) FROM " + os.environ["PG_REQUIRE_TABLE"])
    finally:
        conn.close()


def check_redis(hostport, password):
    import redis
    host, _, port = hostport.partition(":")
    r = redis.Redis(host=host, port=int(port or 6379), password=password or None,
                    socket_timeout=3, socket_connect_timeout=3)
    if not r.ping():
        raise RuntimeError("PING did not answer PONG")
    if r.info("persistence").get("loading", 0):
        raise RuntimeError("redis is loading")


def check_kafka(bootstrap, topic, group):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient
    conf = {"bootstrap.servers": bootstrap, "socket.timeout.ms": 3000,
            "socket.connection.setup.timeout.ms": 3000}
    admin = AdminClient(conf)
    md = admin.list_topics(timeout=3)
    if not md.brokers:
        raise RuntimeError("no brokers in metadata")
    if topic:
        p = Producer(dict(conf, **{"message.timeout.ms": 3000}))
        errs = []
        p.produce(topic, b"backend-started", on_delivery=lambda e, m: errs.append(e))
        p.flush(5)
        if not errs or errs[0] is not None:
            raise RuntimeError(f"produce to {topic} failed: {errs[0] if errs else 'no delivery report'}")
    if group:
        groups = admin.list_groups(group, timeout=3)
        state = groups[0].state if groups else "missing"
        members = len(groups[0].members) if groups else 0
        if state != "Stable" or members < 1:
            raise RuntimeError(f"consumer group {group} is {state} with {members} members")


def check_clickhouse(url):
    u = urllib.parse.urlparse(url)
    db = u.path.lstrip("/") or "default"
    q = urllib.parse.urlencode({"query": "SELECT 1", "database": db})
    req = urllib.request.Request(f"http://{u.hostname}:{u.port or 8123}/?{q}")
    if u.username:
        req.add_header("X-ClickHouse-User", urllib.parse.unquote(u.username))
        req.add_header("X-ClickHouse-Key", urllib.parse.unquote(u.password or ""))
    with urllib.request.urlopen(req, timeout=3) as r:
        body = r.read()
    if body != b"1\n":
        raise RuntimeError(f"SELECT 1 returned {body[:80]!r}")


def check_zk(hostport):
    host, _, port = hostport.partition(":")
    with socket.create_connection((host, int(port or 2181)), timeout=3) as s:
        s.sendall(b"srvr")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    text = data.decode(errors="replace")
    if not any(f"Mode: {m}" in text for m in ("standalone", "leader", "follower")):
        raise RuntimeError(f"srvr said {text.strip()[:80]!r}")


def check_http(url):
    with urllib.request.urlopen(url, timeout=3) as r:
        if r.status != 200:
            raise RuntimeError(f"{url} answered {r.status}")


def check_mysql(url):
    import pymysql
    u = urllib.parse.urlparse(url)
    conn = pymysql.connect(host=u.hostname, port=u.port or 3306, user=urllib.parse.unquote(u.username or "root"),
                           password=urllib.parse.unquote(u.password or ""),
                           database=urllib.parse.unquote(u.path.lstrip("/")) or None, connect_timeout=3)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone()[0] == 1
    finally:
        conn.close()


def check_amqp(url, queue):
    import pika
    params = pika.URLParameters(url)
    params.socket_timeout = 3
    params.blocked_connection_timeout = 3
    params.connection_attempts = 1
    conn = pika.BlockingConnection(params)
    try:
        if queue:
            # Passive: fails with 404 NOT_FOUND when the queue does not exist.
            conn.channel().queue_declare(queue=queue, passive=True)
    finally:
        if conn.is_open:
            conn.close()


def main():
    env = os.environ.get
    checks = []
    if env("PG_DSN"):
        checks.append(("postgres", lambda: check_postgres(env("PG_DSN"))))
    if env("REDIS_HOST"):
        checks.append(("redis", lambda: check_redis(env("REDIS_HOST"), env("REDIS_PASSWORD"))))
    if env("KAFKA_BOOTSTRAP"):
        checks.append(("kafka", lambda: check_kafka(env("KAFKA_BOOTSTRAP"), env("KAFKA_TOPIC"), env("KAFKA_GROUP"))))
    if env("CLICKHOUSE_URL"):
        checks.append(("clickhouse", lambda: check_clickhouse(env("CLICKHOUSE_URL"))))
    if env("ZK_HOST"):
        checks.append(("zookeeper", lambda: check_zk(env("ZK_HOST"))))
    if env("MYSQL_URL"):
        checks.append(("mysql", lambda: check_mysql(env("MYSQL_URL"))))
    if env("AMQP_URL"):
        checks.append(("amqp", lambda: check_amqp(env("AMQP_URL"), env("AMQP_QUEUE"))))
    for url in (env("HTTP_UPSTREAMS") or "").split():
        checks.append((url, lambda url=url: check_http(url)))
    log(f"starting; checking {len(checks)} upstreams once: {', '.join(n for n, _ in checks)}")
    for name, fn in checks:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - any failure is fatal on purpose
            log(f"FATAL: upstream {name} not ready: {type(e).__name__}: {str(e).strip()[:300]}")
            sys.exit(1)
        log(f"upstream {name} ok")
    log("all upstreams answered; serving on :8080")

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path in ("/health", "/api/config", "/"):
                body = json.dumps({"status": "ok", "service": env("APP_NAME", "backend")}).encode()
                self.send_response(200)
            else:
                body, _ = b'{"error":"not found"}', self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    http.server.ThreadingHTTPServer(("0.0.0.0", int(env("PORT", "8080"))), H).serve_forever()


if __name__ == "__main__":
    main()
