// Probe inference for each image family, provenance and published mode.
#include <catch2/catch.hpp>

#include "compose/image_family.h"
#include "compose/infer.h"
#include "temp_project.h"

using namespace stackgate::compose;

namespace {

Project load(std::string_view yaml, const std::map<std::string, std::string>& environ = {}) {
  auto r = stackgate::compose::testing::load_yaml(yaml, environ);
  SG_REQUIRE_LOADED(r);
  return *r;
}

std::vector<std::string> urls(const Project& p, const std::string& service, AddressMode mode = AddressMode::service) {
  std::vector<std::string> out;
  for (const InferredProbe& probe : infer_probes(p, p.services.at(service), InferOptions{mode})) {
    out.push_back(probe.url);
  }
  return out;
}

std::string provenance(const InferredProbe& probe, std::string_view key) {
  for (const auto& [k, v] : probe.provenance) {
    if (k == key) {
      return v;
    }
  }
  return "";
}

}  // namespace

TEST_CASE("image: repository without registry, tag or digest", "[infer][image]") {
  CHECK(image_repository("postgres") == "postgres");
  CHECK(image_repository("postgres:16-alpine") == "postgres");
  CHECK(image_repository("docker.io/library/postgres:16@sha256:abc") == "postgres");
  CHECK(image_repository("ghcr.io/acme/api:1.2") == "acme/api");
  CHECK(image_repository("localhost:5000/redis") == "redis");
  CHECK(image_repository("bitnami/redis:7.2") == "bitnami/redis");
}

TEST_CASE("image: families from the table", "[infer][image]") {
  CHECK(image_family("postgres:16") == ImageFamily::postgres);
  CHECK(image_family("postgis/postgis:16-3.4") == ImageFamily::postgres);
  CHECK(image_family("timescale/timescaledb:latest-pg16") == ImageFamily::postgres);
  CHECK(image_family("bitnami/postgresql") == ImageFamily::postgres);
  CHECK(image_family("redis/redis-stack-server:7.2.0-v6") == ImageFamily::redis);
  CHECK(image_family("valkey/valkey:8") == ImageFamily::redis);
  CHECK(image_family("docker.io/bitnami/redis:7") == ImageFamily::redis);
  CHECK(image_family("confluentinc/cp-kafka:7.6.0") == ImageFamily::kafka);
  CHECK(image_family("apache/kafka:3.9.0") == ImageFamily::kafka);
  CHECK(image_family("clickhouse/clickhouse-server:24.3") == ImageFamily::clickhouse);
  CHECK(image_family("zookeeper:3.9") == ImageFamily::zookeeper);
  CHECK(image_family("eclipse-mosquitto:2") == ImageFamily::mqtt);
  CHECK(image_family("emqx/emqx:5") == ImageFamily::mqtt);
  CHECK(image_family("mirror.example.com/proxy/library/postgres:16") == ImageFamily::postgres);
  CHECK(image_family("acme/postgres-exporter") == ImageFamily::unknown);
  CHECK(image_family("nginx") == ImageFamily::unknown);
}

TEST_CASE("infer: postgres with defaults", "[infer]") {
  Project p = load("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: secret\n");
  CHECK(urls(p, "db") == std::vector<std::string>{"postgres://postgres:secret@db:5432/postgres"});
}

TEST_CASE("infer: postgres user, database and provenance", "[infer]") {
  Project p = load(R"(services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: "p@ss word"
      POSTGRES_DB: appdb
)");
  auto probes = infer_probes(p, p.services.at("db"), {});
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].url == "postgres://app:p%40ss%20word@db:5432/appdb");
  CHECK(probes[0].kind == "family");
  CHECK(provenance(probes[0], "user") == "POSTGRES_USER from environment (compose.yaml:5:22)");
  CHECK(provenance(probes[0], "port") == "image default 5432");
  CHECK(provenance(probes[0], "host") == "service name");
}

TEST_CASE("infer: postgres database defaults to the user", "[infer]") {
  Project p = load("services:\n  db:\n    image: postgres\n    environment: [POSTGRES_USER=app]\n");
  CHECK(urls(p, "db") == std::vector<std::string>{"postgres://app@db:5432/app"});
}

TEST_CASE("infer: postgres password file and PGPORT", "[infer]") {
  Project p = load(
      "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/pg\n      PGPORT: 5433\n");
  CHECK(urls(p, "db") ==
        std::vector<std::string>{"postgres://postgres@db:5433/postgres?password_file=%2Frun%2Fsecrets%2Fpg"});
}

TEST_CASE("infer: postgres port from the command", "[infer]") {
  Project p = load("services:\n  db:\n    image: postgres\n    command: postgres -p 6543\n");
  CHECK(urls(p, "db") == std::vector<std::string>{"postgres://postgres@db:6543/postgres"});
}

TEST_CASE("infer: bitnami postgresql variables", "[infer]") {
  Project p = load(R"(services:
  db:
    image: bitnami/postgresql:16
    environment:
      POSTGRESQL_USERNAME: bn
      POSTGRESQL_PASSWORD: pw
      POSTGRESQL_DATABASE: bndb
      POSTGRESQL_PORT_NUMBER: "5444"
)");
  CHECK(urls(p, "db") == std::vector<std::string>{"postgres://bn:pw@db:5444/bndb"});
}

TEST_CASE("infer: redis without a password", "[infer]") {
  Project p = load("services:\n  cache:\n    image: redis:7\n");
  CHECK(urls(p, "cache") == std::vector<std::string>{"redis://cache:6379"});
}

TEST_CASE("infer: redis --requirepass and --port in the command", "[infer]") {
  Project p = load("services:\n  cache:\n    image: redis:7\n    command: redis-server --requirepass s3cret --port 6380\n");
  CHECK(urls(p, "cache") == std::vector<std::string>{"redis://:s3cret@cache:6380"});
}

TEST_CASE("infer: redis --requirepass from a container variable", "[infer]") {
  Project p = load(R"(services:
  cache:
    image: redis:7
    command: ["sh", "-c", "redis-server --requirepass $$REDIS_PASSWORD"]
    environment:
      REDIS_PASSWORD: fromenv
)");
  CHECK(urls(p, "cache") == std::vector<std::string>{"redis://:fromenv@cache:6379"});
}

TEST_CASE("infer: bitnami redis password and ALLOW_EMPTY_PASSWORD", "[infer]") {
  Project p = load(R"(services:
  a:
    image: bitnami/redis
    environment: [REDIS_PASSWORD=pw, REDIS_PORT_NUMBER=7000]
  b:
    image: bitnami/redis
    environment: [ALLOW_EMPTY_PASSWORD=yes, REDIS_PASSWORD=ignored]
)");
  CHECK(urls(p, "a") == std::vector<std::string>{"redis://:pw@a:7000"});
  CHECK(urls(p, "b") == std::vector<std::string>{"redis://b:6379"});
}

TEST_CASE("infer: kafka uses the listener advertised under the service name", "[infer][kafka]") {
  Project p = load(R"(services:
  kafka:
    image: confluentinc/cp-kafka:7.6.0
    ports: ["9092:9092"]
    environment:
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT_HOST://localhost:9092,PLAINTEXT://kafka:29092
)");
  auto probes = infer_probes(p, p.services.at("kafka"), {});
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].url == "kafka://kafka:29092");
  CHECK(provenance(probes[0], "port") ==
        "advertised listener PLAINTEXT://kafka:29092 in KAFKA_ADVERTISED_LISTENERS from environment (compose.yaml:6:35)");
}

TEST_CASE("infer: kafka prefers an internal listener, else 9092", "[infer][kafka]") {
  Project p = load(R"(services:
  broker:
    image: bitnami/kafka:3.7
    environment:
      KAFKA_CFG_ADVERTISED_LISTENERS: EXTERNAL://localhost:9094,INTERNAL://kafka-internal:9093
  plain:
    image: apache/kafka:3.9.0
)");
  CHECK(urls(p, "broker") == std::vector<std::string>{"kafka://broker:9093"});
  CHECK(urls(p, "plain") == std::vector<std::string>{"kafka://plain:9092"});
}

TEST_CASE("infer: kafka from the host uses the published localhost listener", "[infer][kafka][published]") {
  Project p = load(R"(services:
  kafka:
    image: confluentinc/cp-kafka:7.6.0
    ports: ["9092:9092"]
    environment:
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092
)");
  CHECK(urls(p, "kafka", AddressMode::published) == std::vector<std::string>{"kafka://127.0.0.1:9092"});
}

TEST_CASE("infer: kafka advertised under its own name, seen from the host", "[infer][kafka][published]") {
  // Only an internal listener named after the service: service mode uses it;
  // from the host its container port is reached through the published port.
  Project p = load(R"(services:
  kafka:
    image: confluentinc/cp-kafka:7.5.0
    environment:
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:9092
    ports: ["127.0.0.1:19092:9092"]
)");
  auto service = infer_probes(p, p.services.at("kafka"), {});
  REQUIRE(service.size() == 1);
  CHECK(service[0].url == "kafka://kafka:9092");
  CHECK(provenance(service[0], "port") ==
        "advertised listener PLAINTEXT://kafka:9092 in KAFKA_ADVERTISED_LISTENERS from environment (compose.yaml:5:35)");
  InferResult published = explain_probes(p, p.services.at("kafka"), {AddressMode::published});
  REQUIRE(published.probes.size() == 1);
  CHECK(published.probes[0].url == "kafka://127.0.0.1:19092");
  CHECK(provenance(published.probes[0], "port") ==
        "advertised listener PLAINTEXT://kafka:9092 in KAFKA_ADVERTISED_LISTENERS from environment (compose.yaml:5:35)");
  REQUIRE(published.notes.size() == 1);
  CHECK(published.notes[0].find("no listener for the host (only kafka:9092)") != std::string::npos);
}

TEST_CASE("infer: kafka internal and host listeners in both modes", "[infer][kafka][published]") {
  Project p = load(R"(services:
  kafka:
    image: confluentinc/cp-kafka:7.6.0
    ports: ["127.0.0.1:9092:9092"]
    environment:
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092
  remapped:
    image: confluentinc/cp-kafka:7.6.0
    ports: ["39092:9093"]
    environment:
      KAFKA_LISTENERS: PLAINTEXT://0.0.0.0:29092,PLAINTEXT_HOST://0.0.0.0:9093
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://remapped:29092,PLAINTEXT_HOST://localhost:39092
  unpublished:
    image: confluentinc/cp-kafka:7.6.0
    environment:
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://unpublished:29092,PLAINTEXT_HOST://localhost:9092
)");
  CHECK(urls(p, "kafka") == std::vector<std::string>{"kafka://kafka:29092"});
  CHECK(urls(p, "kafka", AddressMode::published) == std::vector<std::string>{"kafka://127.0.0.1:9092"});
  CHECK(urls(p, "remapped") == std::vector<std::string>{"kafka://remapped:29092"});
  CHECK(urls(p, "remapped", AddressMode::published) == std::vector<std::string>{"kafka://127.0.0.1:39092"});
  CHECK(urls(p, "unpublished", AddressMode::published).empty());
}

TEST_CASE("infer: clickhouse", "[infer]") {
  Project p = load(R"(services:
  ch:
    image: clickhouse/clickhouse-server:24.3
    environment: {CLICKHOUSE_USER: u, CLICKHOUSE_PASSWORD: p, CLICKHOUSE_DB: events}
  plain:
    image: clickhouse/clickhouse-server
)");
  CHECK(urls(p, "ch") == std::vector<std::string>{"clickhouse://u:p@ch:8123/events"});
  CHECK(urls(p, "plain") == std::vector<std::string>{"clickhouse://default@plain:8123/default"});
}

TEST_CASE("infer: zookeeper client ports", "[infer]") {
  Project p = load(R"(services:
  zk:
    image: zookeeper:3.9
  cp:
    image: confluentinc/cp-zookeeper
    environment: {ZOOKEEPER_CLIENT_PORT: 2182}
  bn:
    image: bitnami/zookeeper
    environment: {ZOO_PORT_NUMBER: 2183}
  cfg:
    image: zookeeper
    environment: {ZOO_CFG_EXTRA: "clientPort=2184 maxClientCnxns=60"}
)");
  CHECK(urls(p, "zk") == std::vector<std::string>{"zk://zk:2181"});
  CHECK(urls(p, "cp") == std::vector<std::string>{"zk://cp:2182"});
  CHECK(urls(p, "bn") == std::vector<std::string>{"zk://bn:2183"});
  CHECK(urls(p, "cfg") == std::vector<std::string>{"zk://cfg:2184"});
}

TEST_CASE("infer: mqtt brokers", "[infer]") {
  Project p = load("services:\n  m:\n    image: eclipse-mosquitto:2\n  e:\n    image: emqx/emqx:5.5\n");
  CHECK(urls(p, "m") == std::vector<std::string>{"mqtt://m:1883"});
  CHECK(urls(p, "e") == std::vector<std::string>{"mqtt://e:1883"});
}

TEST_CASE("infer: unknown images get TCP on expose and ports", "[infer]") {
  Project p = load("services:\n  app:\n    image: acme/app\n    expose: [\"8080\"]\n    ports: [\"9000:9001\", \"8080:8080\", \"53:53/udp\"]\n");
  CHECK(urls(p, "app") == std::vector<std::string>{"tcp://app:8080", "tcp://app:9001"});
}

TEST_CASE("infer: nothing to probe gives no probe and a note", "[infer]") {
  Project p = load("services:\n  job:\n    image: busybox\n");
  InferResult r = explain_probes(p, p.services.at("job"), {});
  CHECK(r.probes.empty());
  CHECK(r.notes == std::vector<std::string>{"no probe: unknown image, no expose or ports, no x-stackgate.probes"});
}

TEST_CASE("infer: published mode uses 127.0.0.1 or the host_ip and the host port", "[infer][published]") {
  Project p = load(R"(services:
  db:
    image: postgres
    ports: ["15432:5432"]
  app:
    image: acme/app
    ports: ["10.0.0.5:8081:80", "0.0.0.0:8082:81", "82"]
)");
  CHECK(urls(p, "db", AddressMode::published) == std::vector<std::string>{"postgres://postgres@127.0.0.1:15432/postgres"});
  CHECK(urls(p, "app", AddressMode::published) == std::vector<std::string>{"tcp://10.0.0.5:8081", "tcp://127.0.0.1:8082"});
  InferResult r = explain_probes(p, p.services.at("app"), InferOptions{AddressMode::published});
  CHECK(r.notes == std::vector<std::string>{"service \"app\": port 82 (tcp) is not published: no probe from the host"});
}

TEST_CASE("infer: a port bound to 127.0.0.1 is not said to be published on all interfaces", "[infer][published]") {
  Project p = load(R"(services:
  db:
    image: postgres
    ports: ["127.0.0.1:15432:5432"]
  cache:
    image: redis
    ports: ["6380:6379"]
  web:
    image: nginx
    ports: ["0.0.0.0:8080:80"]
)");
  auto host = [&](const char* service) {
    auto probes = infer_probes(p, p.services.at(service), InferOptions{AddressMode::published});
    REQUIRE(probes.size() == 1);
    return provenance(probes[0], "host");
  };
  CHECK(host("db") == "published on host_ip 127.0.0.1");
  CHECK(host("cache") == "published on all interfaces, probed on 127.0.0.1");
  CHECK(host("web") == "published on all interfaces, probed on 127.0.0.1");
}

TEST_CASE("infer: an unpublished typed port is skipped with a note", "[infer][published]") {
  Project p = load("services:\n  cache:\n    image: redis\n");
  InferResult r = explain_probes(p, p.services.at("cache"), InferOptions{AddressMode::published});
  CHECK(r.probes.empty());
  CHECK(r.notes == std::vector<std::string>{"service \"cache\": port 6379 (redis) is not published: no probe from the host"});
}

TEST_CASE("infer: x-stackgate probes replace inferred ones", "[infer][stackgate]") {
  Project p = load("services:\n  db:\n    image: postgres\n    x-stackgate:\n      probes: [\"postgres://app@db/app?writable=1\"]\n");
  auto probes = infer_probes(p, p.services.at("db"), {});
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].url == "postgres://app@db/app?writable=1");
  CHECK(probes[0].kind == "x-stackgate");
  CHECK(probes[0].where.line == 5);
}

TEST_CASE("infer: infer: true keeps the inferred probe too", "[infer][stackgate]") {
  Project p = load("services:\n  db:\n    image: redis\n    x-stackgate: {probes: [\"tcp://db:1\"], infer: true}\n");
  CHECK(urls(p, "db") == std::vector<std::string>{"tcp://db:1", "redis://db:6379"});
}

TEST_CASE("infer: stackgate.probe labels", "[infer][stackgate]") {
  Project p = load("services:\n  web:\n    image: nginx\n    labels: [\"stackgate.probe=http://web/health\"]\n");
  auto probes = infer_probes(p, p.services.at("web"), {});
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].kind == "label");
  CHECK(probes[0].url == "http://web/health");
}

TEST_CASE("infer: skip gives nothing", "[infer][stackgate]") {
  Project p = load("services:\n  db:\n    image: postgres\n    labels: {stackgate.skip: \"true\"}\n");
  CHECK(urls(p, "db").empty());
}

TEST_CASE("infer: window and timeout become typed settings, never query options", "[infer][stackgate]") {
  Project p = load("services:\n  db:\n    image: redis\n    x-stackgate: {window: \"passes=3\", timeout: 1250ms, max_latency: 1h2m5s}\n");
  auto probes = infer_probes(p, p.services.at("db"), {});
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].url == "redis://db:6379");
  CHECK(probes[0].settings.window.passes == 3);
  CHECK_FALSE(probes[0].settings.window.stable_for.has_value());
  CHECK(probes[0].settings.timeout == std::chrono::milliseconds{1250});  // exactly, not 1.2 s
  CHECK(probes[0].settings.max_latency == std::chrono::milliseconds{3'725'000});
}

// Precedence, field by field: the probe kind's own key (kafka.stable_for)
// over the service's window, whose other fields still hold.
TEST_CASE("infer: kafka.stable_for wins over the service window for the group probe only", "[infer][kafka][precedence]") {
  Project p = load(R"(services:
  kafka:
    image: apache/kafka:3.9.0
  collector:
    image: acme/collector
    depends_on: [kafka]
    x-stackgate:
      probes: ["http://collector:8080/health"]
      kafka: {groups: [collector], stable_for: 10s}
      window: passes=3,stable_for=5s
)");
  auto probes = infer_probes(p, p.services.at("collector"), {});
  REQUIRE(probes.size() == 2);
  CHECK(probes[0].settings.window.passes == 3);
  CHECK(probes[0].settings.window.stable_for == std::chrono::seconds{5});
  CHECK(probes[1].kind == "kafka-group");
  CHECK(probes[1].settings.window.passes == 3);
  CHECK(probes[1].settings.window.stable_for == std::chrono::seconds{10});
}

TEST_CASE("infer: the service window fills what kafka.stable_for leaves", "[infer][kafka][precedence]") {
  Project p = load("services:\n  c:\n    image: acme/c\n    x-stackgate: {kafka: {groups: [g], bootstrap: \"b:9092\"}, "
                   "window: {passes: 4, stable_for: 2s}}\n");
  auto probes = infer_probes(p, p.services.at("c"), {});
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].settings.window.passes == 4);
  CHECK(probes[0].settings.window.stable_for == std::chrono::seconds{2});
}

TEST_CASE("infer: without x-stackgate settings a probe has none", "[infer][precedence]") {
  Project p = load("services:\n  db:\n    image: redis\n");
  auto probes = infer_probes(p, p.services.at("db"), {});
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].settings.empty());
}

TEST_CASE("infer: a Kafka consumer gets a group probe against its broker", "[infer][kafka]") {
  Project p = load(R"(services:
  kafka:
    image: apache/kafka:3.9.0
    environment:
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:19092
  collector:
    image: acme/collector
    depends_on: [kafka]
    x-stackgate:
      probes: ["http://collector:8080/health"]
      kafka: {groups: [collector, "odd group"], stable_for: 10s, min_members: 2}
)");
  auto probes = infer_probes(p, p.services.at("collector"), {});
  REQUIRE(probes.size() == 2);
  CHECK(probes[1].url == "kafka://kafka:19092?groups=collector,odd%20group&min_members=2");
  CHECK(probes[1].settings.window.stable_for == std::chrono::seconds{10});
  CHECK(probes[1].kind == "kafka-group");
  CHECK(provenance(probes[1], "broker") == "Kafka service \"kafka\" among the dependencies");
}

TEST_CASE("infer: a consumer's bootstrap overrides the broker", "[infer][kafka]") {
  Project p = load("services:\n  c:\n    image: acme/c\n    x-stackgate: {kafka: {groups: [g], bootstrap: \"b1:9092,b2:9092\"}}\n");
  CHECK(urls(p, "c") == std::vector<std::string>{"kafka://b1:9092,b2:9092?groups=g"});
}

TEST_CASE("infer: a consumer finds a Kafka service anywhere in the project", "[infer][kafka]") {
  Project p = load("services:\n  c:\n    image: acme/c\n    x-stackgate: {kafka: {groups: [g]}}\n  k:\n    image: bitnami/kafka\n");
  CHECK(urls(p, "c") == std::vector<std::string>{"kafka://k:9092?groups=g"});
}
