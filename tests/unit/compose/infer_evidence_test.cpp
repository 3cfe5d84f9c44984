// Inference on stacks it has never seen: families from every signal (and
// the clients that carry a server's variables), clients' connection
// strings, healthcheck translation, jobs, the gate itself, peer ports and
// the Docker Engine as a source.
#include <catch2/catch.hpp>

#include "compose/connection_refs.h"
#include "compose/family_evidence.h"
#include "compose/healthcheck_hint.h"
#include "compose/image_family.h"
#include "compose/infer.h"
#include "temp_project.h"

using namespace stackgate::compose;
using stackgate::compose::testing::TempProject;

namespace {

Project load(std::string_view yaml) {
  auto r = stackgate::compose::testing::load_yaml(yaml);
  SG_REQUIRE_LOADED(r);
  return *r;
}

InferResult explain(const Project& p, const std::string& service, bool docker = false) {
  InferOptions o;
  o.docker = docker;
  return explain_probes(p, p.services.at(service), o);
}

std::vector<std::string> urls(const Project& p, const std::string& service, bool docker = false) {
  std::vector<std::string> out;
  for (const InferredProbe& probe : explain(p, service, docker).probes) out.push_back(probe.url);
  return out;
}

std::string provenance(const Project& p, const std::string& service, std::string_view key) {
  for (const InferredProbe& probe : explain(p, service).probes) {
    for (const auto& [k, v] : probe.provenance) {
      if (k == key) return v;
    }
  }
  return "";
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("families: image names from any registry, vendor or mirror", "[infer][family]") {
  auto [image, family] = GENERATE(table<std::string, ImageFamily>({
      {"postgres:16", ImageFamily::postgres},
      {"docker.io/library/postgres:16@sha256:0123", ImageFamily::postgres},
      {"ghcr.io/immich-app/postgres:14-vectorchord0.4.3", ImageFamily::postgres},
      {"acme/postgres-custom:1", ImageFamily::postgres},
      {"registry.example.com:5000/team/timescaledb-ha:pg16", ImageFamily::postgres},
      {"tensorchord/pgvecto-rs:pg14-v0.2.0", ImageFamily::postgres},
      {"supabase/postgres:15.1.0.147", ImageFamily::postgres},
      {"bitnami/postgresql:16", ImageFamily::postgres},
      {"cgr.dev/chainguard/redis:latest", ImageFamily::redis},
      {"docker.dragonflydb.io/dragonflydb/dragonfly", ImageFamily::redis},
      {"eqalpha/keydb", ImageFamily::redis},
      {"valkey/valkey:8-alpine", ImageFamily::redis},
      {"quay.io/acme/kafka:3.7", ImageFamily::kafka},
      {"docker.redpanda.com/redpandadata/redpanda:v24.1.1", ImageFamily::kafka},
      {"confluentinc/cp-server:7.6.0", ImageFamily::kafka},
      {"acme/zookeeper:3.8", ImageFamily::zookeeper},
      {"clickhouse/clickhouse-keeper:24.3", ImageFamily::zookeeper},
      {"altinity/clickhouse-server:23.8", ImageFamily::clickhouse},
      {"eclipse-mosquitto:2.0", ImageFamily::mqtt},
      {"mariadb:11", ImageFamily::mysql},
      {"percona/percona-server:8.0", ImageFamily::mysql},
      {"rabbitmq:3-management-alpine", ImageFamily::rabbitmq},
      {"docker.elastic.co/elasticsearch/elasticsearch:8.13.0", ImageFamily::elasticsearch},
      {"opensearchproject/opensearch:2", ImageFamily::elasticsearch},
      // Tools around a server are not the server.
      {"prometheuscommunity/postgres-exporter", ImageFamily::unknown},
      {"oliver006/redis_exporter", ImageFamily::unknown},
      {"rediscommander/redis-commander", ImageFamily::unknown},
      {"provectuslabs/kafka-ui", ImageFamily::unknown},
      {"confluentinc/cp-kafka-connect:7.6.0", ImageFamily::unknown},
      {"confluentinc/cp-schema-registry", ImageFamily::unknown},
      {"dpage/pgadmin4", ImageFamily::unknown},
      {"phpmyadmin/phpmyadmin", ImageFamily::unknown},
      {"opensearchproject/opensearch-dashboards:2", ImageFamily::unknown},
      {"elastic/kibana:8.13.0", ImageFamily::unknown},
      {"bitnami/redis-sentinel", ImageFamily::unknown},
      {"nginx:1.27", ImageFamily::unknown},
      {"supabase/postgres-meta:v0.80.0", ImageFamily::unknown},
      {"acme/api", ImageFamily::unknown},
  }));
  CAPTURE(image);
  CHECK(image_family(image) == family);
}

TEST_CASE("families: a renamed image is recognised by its environment and its clients", "[infer][family]") {
  Project p = load(R"(services:
  db:
    image: acme/pg-custom:1
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: shop-pw
      POSTGRES_DB: orders
  zk:
    image: acme/coordination:2
    environment: {ZOO_MY_ID: 1}
    expose: [2181, 2888, 3888]
  broker:
    image: registry.internal/streaming/broker:7
    environment:
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://broker:29092
  backend:
    image: acme/backend
    depends_on: [db, broker]
    environment:
      DATABASE_URL: postgres://shop:shop-pw@db:5432/orders
)");
  CHECK(urls(p, "db") == Strings{"postgres://shop:shop-pw@db:5432/orders"});
  CHECK(provenance(p, "db", "family") ==
        "postgres: DATABASE_URL of service backend names it (postgres://); POSTGRES_PASSWORD in environment (compose.yaml:6:26)");
  CHECK(urls(p, "zk") == Strings{"zk://zk:2181"});
  CHECK(urls(p, "broker") == Strings{"kafka://broker:29092"});
  // The backend carries a Postgres URL: it is a client, never a server.
  CHECK(explain(p, "backend").family.empty());
}

TEST_CASE("families: clients carrying the server's variables stay clients", "[infer][family]") {
  Project p = load(R"(services:
  db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: pw}
  cache:
    image: redis:7
  api:
    image: acme/api
    depends_on: [db, cache]
    environment:
      POSTGRES_HOST: db
      POSTGRES_USER: postgres
      POSTGRES_PASSWORD: pw
      REDIS_PASSWORD: x
    ports: ["8080:8080"]
  worker:
    image: python:3.12
    environment:
      POSTGRES_PASSWORD: pw
      POSTGRES_USER: postgres
    expose: [5432]
  exporter:
    image: quay.io/prometheuscommunity/postgres-exporter
    environment:
      DATA_SOURCE_NAME: postgresql://postgres:pw@db:5432/postgres?sslmode=disable
)");
  CHECK(urls(p, "api") == Strings{"tcp://api:8080"});
  CHECK(explain(p, "worker").family.empty());
  CHECK(explain(p, "exporter").family.empty());
}

TEST_CASE("families: FROM in the Dockerfile of a local build, with ARG and build.args", "[infer][family]") {
  TempProject t;
  t.write("compose.yaml", R"(services:
  ch:
    build: ./clickhouse
  pg:
    build:
      context: ./db
      dockerfile: Containerfile
      args: {PG_MAJOR: "16"}
  cache:
    build:
      context: ./cache
      target: runtime
)");
  t.write("clickhouse/Dockerfile", "# custom ClickHouse\nFROM clickhouse/clickhouse-server:24.3\nCOPY users.xml /etc/clickhouse-server/\n");
  t.write("db/Containerfile", "ARG PG_MAJOR=15\nFROM postgres:${PG_MAJOR}-alpine AS base\nFROM base\nRUN true\n");
  t.write("cache/Dockerfile", "FROM golang:1.22 AS build\nFROM redis:7 AS runtime\nFROM alpine AS debug\n");
  auto project = t.load();
  SG_REQUIRE_LOADED(project);
  CHECK(urls(*project, "ch") == Strings{"clickhouse://default@ch:8123/default"});
  CHECK(provenance(*project, "ch", "family") == "clickhouse: FROM clickhouse/clickhouse-server:24.3 in ./clickhouse/Dockerfile:2");
  CHECK(urls(*project, "pg") == Strings{"postgres://postgres@pg:5432/postgres"});
  CHECK(provenance(*project, "pg", "family") == "postgres: FROM postgres:16-alpine in ./db/Containerfile:3");
  CHECK(urls(*project, "cache") == Strings{"redis://cache:6379"});
}

TEST_CASE("connection strings: the dependent's user, database, port and password", "[infer][refs]") {
  Project p = load(R"(services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: "orders#pw"
      POSTGRES_USER: orders
      POSTGRES_DB: orders_db
  cache:
    image: redis:7
    command: redis-server --requirepass cache-pw --port 6380
  queue:
    image: rabbitmq:3-management
  broker:
    image: bitnami/kafka:3.7
    environment:
      KAFKA_CFG_ADVERTISED_LISTENERS: CLIENT://broker:9092,INTERNAL://broker:9094,EXTERNAL://localhost:19092
  app:
    image: acme/app
    depends_on: [db, cache, queue, broker]
    environment:
      SQLALCHEMY_DATABASE_URI: postgresql+psycopg2://orders:orders%23pw@db:5432/orders_db
      REDIS_URL: redis://:cache-pw@cache:6380/2
      CELERY_BROKER_URL: amqp://guest:guest@queue:5672//
      KAFKA_BROKERS: broker:9094
)");
  CHECK(urls(p, "db") == Strings{"postgres://orders:orders%23pw@db:5432/orders_db"});
  CHECK(provenance(p, "db", "user") == "SQLALCHEMY_DATABASE_URI of service app (compose.yaml:21:32)");
  CHECK(urls(p, "cache") == Strings{"redis://:cache-pw@cache:6380"});
  CHECK(urls(p, "queue") == Strings{"amqp://guest:guest@queue:5672"});
  CHECK(urls(p, "broker") == Strings{"kafka://broker:9094"});
}

TEST_CASE("connection strings: the server's own database and the clients' majority win", "[infer][refs]") {
  Project p = load(R"(services:
  db:
    image: postgres:16
    environment: {POSTGRES_USER: posthog, POSTGRES_PASSWORD: pw, POSTGRES_DB: posthog}
  a-side-job:
    image: acme/cyclotron
    depends_on: [db]
    environment: {DATABASE_URL: "postgres://posthog:pw@db:5432/cyclotron"}
  web:
    image: acme/web
    environment: {DATABASE_URL: "postgres://posthog:pw@db:5432/posthog"}
  worker:
    image: acme/web
    environment: {DATABASE_URL: "postgres://posthog:pw@db:5432/posthog"}
)");
  CHECK(urls(p, "db") == Strings{"postgres://posthog:pw@db:5432/posthog"});
}

TEST_CASE("connection strings: a database or user the application creates later is not probed", "[infer][refs]") {
  Project p = load(R"(services:
  db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: pw}
    healthcheck:
      test: pg_isready -U postgres -d postgres
  server:
    image: twentycrm/twenty
    depends_on: {db: {condition: service_healthy}}
    environment: {PG_DATABASE_URL: "postgres://postgres:pw@db:5432/default"}
  reporting:
    image: acme/reports
    environment: {REPORTS_DSN: "postgresql://reporter:rpw@db/postgres"}
)");
  InferResult db = explain(p, "db");
  REQUIRE(db.probes.size() == 1);
  CHECK(db.probes[0].url == "postgres://postgres:pw@db:5432/postgres");
  CHECK(std::find_if(db.notes.begin(), db.notes.end(), [](const std::string& n) {
          return n.starts_with("clients use database \"default\" (PG_DATABASE_URL of service server)");
        }) != db.notes.end());
}

TEST_CASE("connection strings: host groups, JDBC and lists", "[infer][refs]") {
  Service s;
  s.name = "app";
  s.environment = {{"DB_HOST", "mysql"},         {"DB_PORT", "3307"},    {"DB_USER", "wp"},
                   {"DB_PASSWORD", "wp-pw"},     {"DB_NAME", "wordpress"}, {"SPRING_DATASOURCE_URL", "jdbc:postgresql://pg:5433/app?user=u&password=p"},
                   {"KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9093"}, {"ZOOKEEPER_CONNECT", "zk:2181/kafka"},
                   {"LOG_LEVEL", "debug"},        {"TIMEOUT", "10:30"},
                   {"PG_DSN", "host=pg2 port=5434 user=u2 password='p w' dbname=d2"},
                   {"MYSQL_DSN", "app:secret@tcp(maria:3306)/shop?parseTime=true"}};
  std::vector<ConnectionRef> refs = connection_refs(s);
  auto find = [&](const std::string& host) -> const ConnectionRef* {
    for (const ConnectionRef& r : refs) {
      if (r.host == host) return &r;
    }
    return nullptr;
  };
  REQUIRE(find("mysql"));
  CHECK(find("mysql")->port == 3307);
  CHECK(find("mysql")->user == "wp");
  CHECK(find("mysql")->password == "wp-pw");
  CHECK(find("mysql")->database == "wordpress");
  CHECK(find("mysql")->password_variable == "DB_PASSWORD");
  REQUIRE(find("pg"));
  CHECK(find("pg")->family == ImageFamily::postgres);
  CHECK(find("pg")->user == "u");
  CHECK(find("pg")->database == "app");
  REQUIRE(find("k2"));
  CHECK(find("k2")->family == ImageFamily::kafka);
  CHECK(find("k2")->port == 9093);
  REQUIRE(find("zk"));
  CHECK(find("zk")->family == ImageFamily::zookeeper);
  REQUIRE(find("pg2"));
  CHECK(find("pg2")->port == 5434);
  CHECK(find("pg2")->password == "p w");
  CHECK(find("pg2")->database == "d2");
  REQUIRE(find("maria"));
  CHECK(find("maria")->family == ImageFamily::mysql);
  CHECK(find("maria")->user == "app");
  CHECK(find("maria")->database == "shop");
  CHECK(refs.size() == 7);
}

TEST_CASE("connection strings: a client's user without its password falls back to the server's own", "[infer][refs]") {
  Project p = load(R"(services:
  db:
    image: postgres:16
    environment: {POSTGRES_USER: admin, POSTGRES_PASSWORD: admin-pw, POSTGRES_DB: main}
  app:
    image: acme/app
    depends_on: [db]
    environment: {DB_HOST: db, DB_USER: reporting}
)");
  CHECK(urls(p, "db") == Strings{"postgres://admin:admin-pw@db:5432/main"});
}

TEST_CASE("healthcheck: every common command form", "[infer][healthcheck]") {
  struct Case {
    std::string test;
    std::string scheme;
    int port;
    std::string extra;  // path, user or database
  };
  auto c = GENERATE(values<Case>({
      {R"(["CMD-SHELL", "pg_isready -U app -d appdb || exit 1"])", "postgres", 0, "app/appdb"},
      {R"(["CMD", "pg_isready", "-h", "localhost", "-p", "5433"])", "postgres", 5433, ""},
      {R"(["CMD", "redis-cli", "-p", "6380", "ping"])", "redis", 6380, ""},
      {R"("curl -fsS http://localhost:8080/health || exit 1")", "http", 8080, "/health"},
      {R"(["CMD", "wget", "--spider", "-q", "http://127.0.0.1:3000/api/health?full=1"])", "http", 3000, "/api/health?full=1"},
      {R"(["CMD", "wget", "-qO-", "localhost:9090/-/ready"])", "http", 9090, "/-/ready"},
      {R"(["CMD", "nc", "-z", "localhost", "9000"])", "tcp", 9000, ""},
      {R"(["CMD-SHELL", "echo srvr | nc localhost 2181 | grep Mode"])", "zk", 2181, ""},
      {R"("echo stats | nc 127.0.0.1 11211")", "tcp", 11211, ""},
      {R"(["CMD-SHELL", "kafka-topics --bootstrap-server localhost:29092 --list"])", "kafka", 29092, ""},
      {R"(["CMD", "clickhouse-client", "--query", "SELECT 1"])", "clickhouse", 0, ""},
      {R"(["CMD", "sh", "-c", "mysqladmin ping -h localhost -uroot -p$$MYSQL_ROOT_PASSWORD"])", "mysql", 0, "root"},
      {R"(["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"])", "mysql", 0, ""},
      {R"(["CMD", "rabbitmq-diagnostics", "-q", "ping"])", "amqp", 0, ""},
  }));
  CAPTURE(c.test);
  Project p = load("services:\n  svc:\n    image: acme/thing\n    environment: {MYSQL_ROOT_PASSWORD: r}\n    healthcheck:\n      test: " +
                   c.test + "\n");
  auto hint = healthcheck_hint(p.services.at("svc"));
  REQUIRE(hint);
  CHECK(hint->scheme == c.scheme);
  CHECK(hint->port.value_or(0) == c.port);
  if (c.scheme == "http") CHECK(hint->path == c.extra);
  if (c.scheme == "postgres" && !c.extra.empty()) CHECK(hint->user.value_or("") + "/" + hint->database.value_or("") == c.extra);
  if (c.scheme == "mysql" && !c.extra.empty()) {
    CHECK(hint->user == c.extra);
    CHECK(hint->password == "r");
  }
}

TEST_CASE("healthcheck: checks of another host, disabled ones and unknown variables say nothing", "[infer][healthcheck]") {
  auto test = GENERATE(as<std::string>{}, R"(["CMD", "pg_isready", "-h", "db"])", R"("curl -f http://api:8080/health")",
                       R"(["NONE"])", R"(["CMD", "redis-cli", "-a", "$$UNSET_PASSWORD", "ping"])");
  CAPTURE(test);
  Project p = load("services:\n  svc:\n    image: acme/thing\n    healthcheck:\n      test: " + test + "\n");
  CHECK_FALSE(healthcheck_hint(p.services.at("svc")));
}

TEST_CASE("healthcheck: an unknown image is probed as its healthcheck says", "[infer][healthcheck]") {
  Project p = load(R"(services:
  api:
    image: acme/api
    ports: ["8080:8080", "9464:9464"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/healthz"]
  gated:
    image: acme/worker
    healthcheck:
      test: ["CMD", "stackgate", "check", "http://127.0.0.1:7000/ready?status=204"]
)");
  CHECK(urls(p, "api") == Strings{"http://api:8080/healthz?status=2xx,3xx"});
  CHECK(urls(p, "gated") == Strings{"http://gated:7000/ready?status=204"});
}

TEST_CASE("healthcheck: values fill what the environment leaves open", "[infer][healthcheck]") {
  Project p = load(R"(services:
  db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: pw}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres -d inventory"]
)");
  CHECK(urls(p, "db") == Strings{"postgres://postgres:pw@db:5432/inventory"});
  CHECK(provenance(p, "db", "database") == "healthcheck (pg_isready)");
}

TEST_CASE("jobs: a service others wait on to complete gets no server probe", "[infer][jobs]") {
  Project p = load(R"(name: shop
services:
  db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: pw}
  migrate:
    image: postgres:16
    command: psql -h db -U postgres -f /seed.sql
    depends_on: [db]
  init-topics:
    image: confluentinc/cp-kafka:7.6.0
    command: ["bash", "-c", "kafka-topics --bootstrap-server kafka:9092 --create --topic events"]
  backend:
    image: acme/backend
    depends_on:
      migrate: {condition: service_completed_successfully}
      db: {condition: service_healthy}
)");
  InferResult migrate = explain(p, "migrate");
  CHECK(migrate.probes.empty());
  CHECK(migrate.job);
  REQUIRE(migrate.notes.size() == 1);
  CHECK(migrate.notes[0].starts_with("a job: \"backend\" waits for it with service_completed_successfully"));
  CHECK(urls(p, "migrate", /*docker=*/true) == Strings{"docker://migrate?project=shop&state=exited0"});
  // An exit code is final: a single pass, as the probe's own setting.
  InferResult with_docker = explain_probes(p, p.services.at("migrate"), InferOptions{AddressMode::service, true});
  REQUIRE(with_docker.probes.size() == 1);
  CHECK(with_docker.probes[0].settings.window.passes == 1);
  CHECK(with_docker.probes[0].settings.window.stable_for == Millis{0});
  // A Kafka image running a client tool is not a broker.
  CHECK(urls(p, "init-topics").empty());
  CHECK(explain(p, "init-topics").notes == Strings{"runs kafka-topics, a client, not a server: not probed"});
}

TEST_CASE("the gate itself is never probed", "[infer][jobs]") {
  Project p = load(R"(services:
  gate:
    image: ghcr.io/acme/stackgate:0.1
    command: ["wait", "--for", "backend"]
  gate2:
    image: acme/tools
    entrypoint: ["/usr/local/bin/stackgate", "wait", "--for", "backend"]
  backend:
    image: acme/backend
    depends_on:
      gate: {condition: service_completed_successfully}
      gate2: {condition: service_completed_successfully}
)");
  CHECK(urls(p, "gate", true).empty());
  CHECK(explain(p, "gate").gate);
  CHECK(urls(p, "gate2", true).empty());
}

TEST_CASE("TCP fallback leaves out quorum, election and cluster ports", "[infer][ports]") {
  Project p = load(R"(services:
  coord:
    image: acme/coordinator
    expose: ["2181", "2888", "3888"]
  multi:
    image: acme/multi
    ports: ["8080:8080", "9090:9090"]
)");
  CHECK(urls(p, "coord") == Strings{"tcp://coord:2181"});
  InferResult multi = explain(p, "multi");
  CHECK(urls(p, "multi") == Strings{"tcp://multi:8080", "tcp://multi:9090"});
  REQUIRE(multi.hazards.size() == 1);
  CHECK(multi.hazards[0].starts_with("probed by TCP on ports 8080, 9090"));
}

TEST_CASE("docker: health from the Engine where the file has a healthcheck", "[infer][docker]") {
  Project p = load(R"(name: Shop
services:
  api:
    image: acme/api
    ports: ["8080:8080"]
    healthcheck:
      test: ["CMD", "/app/healthcheck"]
  db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: pw}
    healthcheck:
      test: ["CMD", "pg_isready"]
  web:
    image: acme/web
    depends_on:
      api: {condition: service_healthy}
      db: {condition: service_healthy}
)");
  CHECK(urls(p, "api", true) == Strings{"docker://api?project=shop&state=healthy"});
  CHECK(urls(p, "db", true) == Strings{"postgres://postgres:pw@db:5432/postgres", "docker://db?project=shop&state=healthy"});
  // Without the Engine: a healthcheck nothing can translate is a hazard.
  InferResult api = explain(p, "api");
  CHECK(api.probes.size() == 1);
}

TEST_CASE("kafka: a broker advertising only localhost is a hazard", "[infer][kafka]") {
  Project p = load(R"(services:
  kafka:
    image: apache/kafka:3.9.0
  k2:
    image: confluentinc/cp-kafka
    environment: {KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://localhost:9092"}
  k3:
    image: confluentinc/cp-kafka
    environment: {KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://k3:9092"}
)");
  CHECK(explain(p, "kafka").hazards.size() == 1);
  CHECK(explain(p, "k2").hazards.size() == 1);
  CHECK(explain(p, "k3").hazards.empty());
}

TEST_CASE("mysql, rabbitmq and elasticsearch from their images' variables", "[infer][family]") {
  Project p = load(R"(services:
  mysql:
    image: mysql:8
    environment: {MYSQL_ROOT_PASSWORD: root-pw, MYSQL_DATABASE: app, MYSQL_USER: app, MYSQL_PASSWORD: app-pw}
  maria:
    image: mariadb:11
    environment: {MARIADB_ROOT_PASSWORD: r}
  random:
    image: mysql:8
    environment: {MYSQL_RANDOM_ROOT_PASSWORD: "yes"}
  rabbit:
    image: rabbitmq:3-management
    environment: {RABBITMQ_DEFAULT_USER: u, RABBITMQ_DEFAULT_PASS: p, RABBITMQ_DEFAULT_VHOST: jobs}
  es:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.13.0
    environment: {discovery.type: single-node, xpack.security.enabled: "false"}
  es-secure:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.13.0
    environment: {ELASTIC_PASSWORD: changeme}
  es-nopw:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.13.0
)");
  CHECK(urls(p, "mysql") == Strings{"mysql://app:app-pw@mysql:3306/app"});
  CHECK(urls(p, "maria") == Strings{"mysql://root:r@maria:3306/"});
  CHECK(urls(p, "random") == Strings{"tcp://random:3306"});
  CHECK(urls(p, "rabbit") == Strings{"amqp://u:p@rabbit:5672/jobs"});
  CHECK(urls(p, "es") == Strings{"elasticsearch://es:9200"});
  CHECK(urls(p, "es-secure") == Strings{"elasticsearch://elastic:changeme@es-secure:9200?tls=1&insecure=1"});
  CHECK(urls(p, "es-nopw") == Strings{"tcp://es-nopw:9200"});
  CHECK(explain(p, "es-nopw").hazards.size() == 1);
}

TEST_CASE("kafka: Redpanda's --advertise-kafka-addr names the listener", "[infer][kafka]") {
  Project p = load(R"(services:
  redpanda:
    image: docker.redpanda.com/redpandadata/redpanda:v24.1.1
    command:
      - redpanda
      - start
      - --kafka-addr internal://0.0.0.0:29092,external://0.0.0.0:9092
      - --advertise-kafka-addr internal://redpanda:29092,external://localhost:9092
)");
  CHECK(urls(p, "redpanda") == Strings{"kafka://redpanda:29092"});
  CHECK(explain(p, "redpanda").hazards.empty());
}

TEST_CASE("connection strings: an http URL in a Kafka-named variable is not a broker", "[infer][refs]") {
  Project p = load(R"(services:
  schema-registry:
    image: acme/registry
    expose: ["8081"]
  connect:
    image: acme/connect
    environment:
      KAFKA_CONFLUENT_SCHEMA_REGISTRY_URL: http://schema-registry:8081
      N8N_RUNNERS_TASK_BROKER_URI: http://schema-registry:5679
)");
  CHECK(urls(p, "schema-registry") == Strings{"tcp://schema-registry:8081"});
}

TEST_CASE("healthcheck: curl options that take a value are not the URL, mysql's attached options", "[infer][healthcheck]") {
  Project p = load(R"(services:
  web:
    image: acme/web
    healthcheck:
      test: "curl -s --noproxy localhost localhost:3000/health | grep -q OK"
  seek:
    image: acme/seekdb
    healthcheck:
      test: ["CMD-SHELL", "mysql -h127.0.0.1 -P2881 -uroot -psecret -e 'SELECT 1'"]
)");
  CHECK(urls(p, "web") == Strings{"http://web:3000/health?status=2xx,3xx,4xx"});
  CHECK(urls(p, "seek") == Strings{"mysql://root:secret@seek:2881/"});
}

TEST_CASE("elasticsearch with security on over plain HTTP logs in as elastic", "[infer][family]") {
  Project p = load(R"(services:
  es:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.14.3
    environment:
      ELASTIC_PASSWORD: es-pw
      xpack.security.enabled: "true"
      xpack.security.http.ssl.enabled: "false"
)");
  CHECK(urls(p, "es") == Strings{"elasticsearch://elastic:es-pw@es:9200"});
}

TEST_CASE("kafka: a SASL or TLS listener is probed by TCP, with a note", "[infer][kafka]") {
  Project p = load(R"(services:
  broker:
    image: confluentinc/cp-kafka:7.6.0
    environment:
      KAFKA_ADVERTISED_LISTENERS: SASL_INTERNAL://broker:29092,EXTERNAL://localhost:9092
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: SASL_INTERNAL:SASL_PLAINTEXT,EXTERNAL:PLAINTEXT
)");
  InferResult broker = explain(p, "broker");
  CHECK(urls(p, "broker") == Strings{"tcp://broker:29092"});
  REQUIRE(broker.notes.size() == 1);
  CHECK(broker.notes[0].starts_with("listener on port 29092 speaks SASL_PLAINTEXT: probed by TCP only"));
}
