// Per-service fields: command, healthcheck, ports, environment, env_file,
// labels, networks, replicas, and the x-stackgate extension.
#include <catch2/catch.hpp>

#include "temp_project.h"

using namespace stackgate::compose;
using stackgate::compose::testing::TempProject;

namespace {

Service load_service(std::string_view yaml, const std::map<std::string, std::string>& environ = {}) {
  auto r = stackgate::compose::testing::load_yaml(yaml, environ);
  SG_REQUIRE_LOADED(r);
  REQUIRE(r->services.count("s") == 1);
  return r->services.at("s");
}

}  // namespace

TEST_CASE("fields: a string command is split like a shell, without expansion", "[fields]") {
  Service s = load_service(R"(services:
  s:
    command: sh -c 'echo "$$HOME" ~' "two words" back\ slash
)");
  CHECK(s.command == std::vector<std::string>{"sh", "-c", "echo \"$HOME\" ~", "two words", "back slash"});
}

TEST_CASE("fields: a list command is kept as written", "[fields]") {
  Service s = load_service("services:\n  s:\n    command: [\"redis-server\", \"--port\", 7000]\n    entrypoint: [\"/init\"]\n");
  CHECK(s.command == std::vector<std::string>{"redis-server", "--port", "7000"});
  CHECK(s.entrypoint == std::vector<std::string>{"/init"});
}

TEST_CASE("fields: image, hostname and container_name", "[fields]") {
  Service s = load_service("services:\n  s:\n    image: nginx:1.25\n    hostname: web\n    container_name: web-1\n");
  CHECK(s.image == "nginx:1.25");
  CHECK(s.hostname == "web");
  CHECK(s.container_name == "web-1");
  CHECK(s.where.line == 2);
}

TEST_CASE("fields: a string healthcheck test becomes CMD-SHELL", "[fields][healthcheck]") {
  Service s = load_service(
      "services:\n  s:\n    healthcheck:\n      test: pg_isready -U app\n      interval: 1m30s\n      retries: 5\n");
  REQUIRE(s.healthcheck);
  CHECK(s.healthcheck->test == std::vector<std::string>{"CMD-SHELL", "pg_isready -U app"});
  CHECK(s.healthcheck->interval == Millis(90000));
  CHECK(s.healthcheck->retries == 5);
  CHECK_FALSE(s.healthcheck->disabled);
}

TEST_CASE("fields: healthcheck NONE and disable both disable", "[fields][healthcheck]") {
  CHECK(load_service("services:\n  s:\n    healthcheck:\n      test: [NONE]\n").healthcheck->disabled);
  Service s = load_service("services:\n  s:\n    healthcheck:\n      disable: true\n");
  CHECK(s.healthcheck->disabled);
  CHECK(s.healthcheck->test == std::vector<std::string>{"NONE"});
}

TEST_CASE("fields: interpolated healthcheck retries are cast", "[fields][healthcheck]") {
  Service s = load_service("services:\n  s:\n    healthcheck:\n      test: [CMD, true]\n      retries: ${R}\n", {{"R", "7"}});
  CHECK(s.healthcheck->retries == 7);
}

TEST_CASE("fields: short port syntax", "[fields][ports]") {
  Service s = load_service(R"(services:
  s:
    ports:
      - "3000"
      - "8000:8000"
      - "127.0.0.1:8001:8001"
      - "6060:6060/udp"
      - "[::1]:6001:6001"
      - "5000-5002:5000-5002"
      - "127.0.0.1:9000-9010:9000"
      - 80
)");
  const auto& p = s.ports;
  REQUIRE(p.size() == 10);
  CHECK((p[0].published == 0 && p[0].target == 3000));
  CHECK((p[1].published == 8000 && p[1].target == 8000 && p[1].host_ip.empty()));
  CHECK((p[2].host_ip == "127.0.0.1" && p[2].published == 8001));
  CHECK(p[3].protocol == "udp");
  CHECK((p[4].host_ip == "::1" && p[4].target == 6001));
  CHECK((p[5].published == 5000 && p[7].published == 5002 && p[7].target == 5002));
  CHECK((p[8].published == 9000 && p[8].published_end == 9010 && p[8].target == 9000));
  CHECK((p[9].target == 80 && p[9].published == 0));
}

TEST_CASE("fields: a host port range for one container port stays one mapping", "[fields][ports]") {
  Service s = load_service("services:\n  s:\n    ports: [\"127.0.0.1:9000-9010:9000\"]\n");
  REQUIRE(s.ports.size() == 1);
  CHECK(s.ports[0].published == 9000);
  CHECK(s.ports[0].published_end == 9010);
  CHECK(s.ports[0].target == 9000);
}

TEST_CASE("fields: long port syntax", "[fields][ports]") {
  Service s = load_service(
      "services:\n  s:\n    ports:\n      - target: 80\n        published: \"8080\"\n        host_ip: 127.0.0.1\n        protocol: tcp\n");
  REQUIRE(s.ports.size() == 1);
  CHECK(s.ports[0].published == 8080);
  CHECK(s.ports[0].host_ip == "127.0.0.1");
}

TEST_CASE("fields: expose keeps the first port of a range", "[fields][ports]") {
  Service s = load_service("services:\n  s:\n    expose: [\"3000\", \"4000-4005\", 5000, \"6000/udp\"]\n");
  CHECK(s.expose == std::vector<int>{3000, 4000, 5000, 6000});
}

TEST_CASE("fields: environment as a list and as a map", "[fields][environment]") {
  Service list = load_service("services:\n  s:\n    environment:\n      - A=1\n      - B=x=y\n      - EMPTY=\n");
  CHECK(list.environment == std::map<std::string, std::string>{{"A", "1"}, {"B", "x=y"}, {"EMPTY", ""}});
  CHECK(list.environment_where.at("B").line == 5);
  Service map = load_service("services:\n  s:\n    environment:\n      PORT: 5432\n      DEBUG: true\n");
  CHECK(map.environment == std::map<std::string, std::string>{{"DEBUG", "true"}, {"PORT", "5432"}});
}

TEST_CASE("fields: a bare environment key comes from the environment or is absent", "[fields][environment]") {
  Service s = load_service("services:\n  s:\n    environment:\n      - FROM_OS\n      - NOT_SET\n", {{"FROM_OS", "os"}});
  CHECK(s.environment == std::map<std::string, std::string>{{"FROM_OS", "os"}});
  Service m = load_service("services:\n  s:\n    environment:\n      FROM_OS:\n      NOT_SET:\n", {{"FROM_OS", "os"}});
  CHECK(m.environment == std::map<std::string, std::string>{{"FROM_OS", "os"}});
}

TEST_CASE("fields: env_file entries come first, environment on top", "[fields][environment]") {
  TempProject t;
  t.write("compose.yaml", R"(services:
  s:
    env_file:
      - base.env
      - path: optional.env
        required: false
      - path: local.env
    environment:
      B: from-environment
)");
  t.write("base.env", "A=base\nB=base\nC=${HOST_VAR}\n");
  t.write("local.env", "A=local\n");
  LoadOptions o = t.options();
  o.environ = {{"HOST_VAR", "h"}};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("s").environment ==
        std::map<std::string, std::string>{{"A", "local"}, {"B", "from-environment"}, {"C", "h"}});
}

TEST_CASE("fields: a single env_file string works", "[fields][environment]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  s:\n    env_file: app.env\n");
  t.write("app.env", "A=1\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("s").environment.at("A") == "1");
}

TEST_CASE("fields: labels as a list and as a map", "[fields]") {
  CHECK(load_service("services:\n  s:\n    labels: [a=1, b]\n").labels ==
        std::map<std::string, std::string>{{"a", "1"}, {"b", ""}});
  CHECK(load_service("services:\n  s:\n    labels: {a: 1}\n").labels == std::map<std::string, std::string>{{"a", "1"}});
}

TEST_CASE("fields: network aliases from every network", "[fields]") {
  Service s = load_service(
      "services:\n  s:\n    networks:\n      front:\n        aliases: [web, www]\n      back:\n        aliases: [web, api]\n      other:\n");
  CHECK(s.network_aliases == std::vector<std::string>{"web", "www", "api"});
}

TEST_CASE("fields: replicas from scale or deploy.replicas", "[fields]") {
  CHECK(load_service("services:\n  s:\n    scale: 3\n").replicas == 3);
  CHECK(load_service("services:\n  s:\n    deploy:\n      replicas: 0\n").replicas == 0);
  CHECK_FALSE(load_service("services:\n  s:\n    image: x\n").replicas);
}

TEST_CASE("fields: profiles are kept", "[fields]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  s:\n    profiles: [a, b]\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->disabled_services.at("s").profiles == std::vector<std::string>{"a", "b"});
}

TEST_CASE("fields: build context, string and mapping", "[fields]") {
  TempProject t;
  t.write("compose.yaml",
          "services:\n  a:\n    build: ./app\n  b:\n    build:\n      context: ../up\n  c:\n    build: https://github.com/x/y.git\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(*r->services.at("a").build_context == t.path("app"));
  CHECK(*r->services.at("b").build_context == (std::filesystem::path(t.path()).parent_path() / "up").string());
  CHECK(*r->services.at("c").build_context == "https://github.com/x/y.git");
}

TEST_CASE("x-stackgate: probes, infer, window, timeout and kafka", "[fields][stackgate]") {
  Service s = load_service(R"(services:
  s:
    x-stackgate:
      probes: ["http://s:8080/health?status=200", "tcp://s:9000"]
      infer: true
      window: {passes: 3, stable_for: 5s}
      timeout: 2s
      kafka:
        groups: [collector, enricher]
        stable_for: 10s
        min_members: 2
        bootstrap: kafka:29092
)");
  const StackgateExtension& x = s.stackgate;
  CHECK(x.present);
  CHECK(x.probes == std::vector<std::string>{"http://s:8080/health?status=200", "tcp://s:9000"});
  CHECK(x.probe_where[1].line == 4);
  CHECK(x.probe_origin[0] == "x-stackgate");
  CHECK_FALSE(x.replace_inferred);
  CHECK(x.settings.window.passes == 3);
  CHECK(x.settings.window.stable_for == Millis(5000));
  CHECK(x.settings.timeout == Millis(2000));
  CHECK(x.kafka_groups == std::vector<std::string>{"collector", "enricher"});
  CHECK(x.kafka_stable_for == Millis(10000));
  CHECK(x.kafka_min_members == 2);
  CHECK(x.kafka_bootstrap == "kafka:29092");
  CHECK(x.where.line == 4);
}

TEST_CASE("x-stackgate: a single probe string and skip", "[fields][stackgate]") {
  Service s = load_service("services:\n  s:\n    x-stackgate: {probes: \"tcp://s:1\", skip: true}\n");
  CHECK(s.stackgate.probes == std::vector<std::string>{"tcp://s:1"});
  CHECK(s.stackgate.skip);
  CHECK(s.stackgate.replace_inferred);
}

TEST_CASE("x-stackgate: probes are interpolated", "[fields][stackgate]") {
  Service s = load_service("services:\n  s:\n    x-stackgate:\n      probes: [\"postgres://app:${PW}@db/app\"]\n", {{"PW", "pw"}});
  CHECK(s.stackgate.probes[0] == "postgres://app:pw@db/app");
}

TEST_CASE("labels: stackgate.probe, numbered probes and skip", "[fields][stackgate]") {
  Service s = load_service(R"(services:
  s:
    labels:
      - stackgate.probe.10=tcp://s:10
      - stackgate.probe.2=tcp://s:2
      - stackgate.probe=tcp://s:1
      - stackgate.skip=false
      - other=x
)");
  CHECK(s.stackgate.present);
  CHECK(s.stackgate.probes == std::vector<std::string>{"tcp://s:1", "tcp://s:2", "tcp://s:10"});
  CHECK(s.stackgate.probe_origin == std::vector<std::string>{"label", "label", "label"});
  CHECK(s.stackgate.probe_where[0].line == 6);
  CHECK_FALSE(s.stackgate.skip);
}

TEST_CASE("labels: map-form stackgate.skip", "[fields][stackgate]") {
  Service s = load_service("services:\n  s:\n    labels:\n      stackgate.skip: \"true\"\n");
  CHECK(s.stackgate.skip);
}

TEST_CASE("fields: x- keys and the obsolete version are ignored", "[fields]") {
  TempProject t;
  t.write("compose.yaml", "version: \"3.8\"\nx-defaults: &d {restart: always}\nservices:\n  s:\n    <<: *d\n    x-note: hi\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  REQUIRE(r->warnings.size() == 1);
  CHECK(r->warnings[0].message == "the attribute `version` is obsolete, it will be ignored");
}
