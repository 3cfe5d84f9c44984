// The fixtures in tests/data/compose: condensed real-world stacks, checked
// against the dependency graph Docker Compose builds from them.
#include <catch2/catch.hpp>

#include <algorithm>

#include "compose/infer.h"
#include "temp_project.h"

using namespace stackgate::compose;
using stackgate::compose::testing::format_errors;

namespace {

std::string data(const std::string& relative) { return std::string(STACKGATE_COMPOSE_TEST_DATA) + "/" + relative; }

Project load_fixture(const std::string& dir, const std::map<std::string, std::string>& environ = {}) {
  LoadOptions o;
  o.cwd = data(dir);
  o.environ = environ;
  auto r = load_project(o);
  SG_REQUIRE_LOADED(r);
  return *r;
}

// "a -> b (service_healthy)" lines, sorted; "!" marks optional, "~" implicit.
std::vector<std::string> edges(const Project& p) {
  std::vector<std::string> out;
  for (const auto& [name, s] : p.services) {
    for (const Dependency& d : s.depends_on) {
      out.push_back(name + " -> " + d.service + " (" + to_string(d.condition) + (d.required ? "" : " !") +
                    (d.implicit ? " ~" + d.via : "") + ")");
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> names(const std::map<std::string, Service>& services) {
  std::vector<std::string> out;
  for (const auto& [name, s] : services) {
    out.push_back(name);
  }
  return out;
}

}  // namespace

TEST_CASE("fixture sentry-like: the graph matches Docker Compose", "[fixtures]") {
  Project p = load_fixture("sentry-like");
  CHECK(names(p.disabled_services) == std::vector<std::string>{"web-errors-only"});
  CHECK(edges(p) == std::vector<std::string>{
                        "cron -> kafka (service_healthy)",
                        "cron -> postgres (service_healthy)",
                        "cron -> redis (service_healthy)",
                        "cron -> snuba-api (service_started)",
                        "kafka -> zookeeper (service_healthy)",
                        "nginx -> relay (service_started)",
                        "nginx -> web (service_started)",
                        "relay -> kafka (service_healthy)",
                        "relay -> redis (service_healthy)",
                        "relay -> web (service_healthy)",
                        "snuba-api -> clickhouse (service_healthy)",
                        "snuba-api -> kafka (service_healthy)",
                        "snuba-api -> redis (service_healthy)",
                        "snuba-errors-consumer -> clickhouse (service_healthy)",
                        "snuba-errors-consumer -> kafka (service_healthy)",
                        "snuba-errors-consumer -> redis (service_healthy)",
                        "snuba-transactions-consumer -> clickhouse (service_healthy)",
                        "snuba-transactions-consumer -> kafka (service_healthy)",
                        "snuba-transactions-consumer -> redis (service_healthy)",
                        "web -> kafka (service_healthy)",
                        "web -> postgres (service_healthy)",
                        "web -> redis (service_healthy)",
                        "web -> snuba-api (service_started)",
                        "web -> snuba-transactions-consumer (service_started)",
                    });
}

TEST_CASE("fixture sentry-like: anchors, .env and healthcheck casting", "[fixtures]") {
  Project p = load_fixture("sentry-like");
  const Service& web = p.services.at("web");
  CHECK(web.image == "sentry-self-hosted-local");
  CHECK(web.environment.at("REQUESTS_CA_BUNDLE") == "/etc/ssl/certs/ca-certificates.crt");
  CHECK(web.environment.count("SENTRY_MAIL_HOST") == 0);
  CHECK(web.healthcheck->retries == 10);
  CHECK(web.healthcheck->timeout == Millis(90000));
  CHECK(p.services.at("kafka").healthcheck->interval == Millis(10000));
  CHECK(p.services.at("snuba-api").image == "getsentry/snuba:nightly");
  CHECK(p.services.at("nginx").ports.at(0).published == 9000);
  // The dependency positions point at the anchor the entry came from.
  CHECK(web.depends_on.at(0).where.line == 24);
}

TEST_CASE("fixture sentry-like: without the profile, web is disabled and required by nginx", "[fixtures]") {
  LoadOptions o;
  o.cwd = data("sentry-like");
  o.profiles = {"errors-only"};
  auto r = load_project(o);
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()).find("service \"web\" is required by \"nginx\" but is disabled. Can be enabled by "
                                      "profiles [feature-complete]") != std::string::npos);
}

TEST_CASE("fixture highlight-like: graph, override and inferred probes", "[fixtures]") {
  Project p = load_fixture("highlight-like");
  CHECK(names(p.disabled_services) == std::vector<std::string>{"frontend"});
  CHECK(edges(p) == std::vector<std::string>{
                        "backend -> clickhouse (service_started)",
                        "backend -> collector (service_started !)",
                        "backend -> postgres (service_healthy)",
                        "backend -> redis (service_started)",
                        "collector -> kafka (service_started)",
                        "kafka -> zookeeper (service_started)",
                    });
  const Service& backend = p.services.at("backend");
  CHECK(backend.environment.at("KAFKA_SERVERS") == "kafka:29092");
  CHECK(backend.environment.at("ENVIRONMENT") == "dev");

  auto url = [&](const std::string& name, AddressMode mode = AddressMode::service) {
    std::vector<std::string> out;
    for (const InferredProbe& probe : infer_probes(p, p.services.at(name), InferOptions{mode})) {
      out.push_back(probe.url);
    }
    return out;
  };
  CHECK(url("postgres") == std::vector<std::string>{"postgres://postgres@postgres:5432/postgres"});
  CHECK(url("redis") == std::vector<std::string>{"redis://:redis@redis:6379"});
  CHECK(url("zookeeper") == std::vector<std::string>{"zk://zookeeper:2181"});
  CHECK(url("kafka") == std::vector<std::string>{"kafka://kafka:29092"});
  CHECK(url("kafka", AddressMode::published) == std::vector<std::string>{"kafka://127.0.0.1:9092"});
  CHECK(url("clickhouse") == std::vector<std::string>{"clickhouse://default@clickhouse:8123/default"});
  CHECK(url("collector") ==
        std::vector<std::string>{"http://collector:13133/", "kafka://kafka:29092?groups=collector"});
  CHECK(url("backend") == std::vector<std::string>{"tcp://backend:8082"});
}

TEST_CASE("fixture layered: include, extends across files, !reset and !override", "[fixtures]") {
  Project p = load_fixture("layered");
  CHECK(edges(p) == std::vector<std::string>{
                        "api -> cache (service_started)",
                        "api -> db (service_healthy)",
                        "worker -> cache (service_started)",
                        "worker -> db (service_healthy)",
                    });
  const Service& api = p.services.at("api");
  CHECK(api.image == "acme/app:latest");
  CHECK(api.environment.at("APP_MODE") == "base");
  REQUIRE(api.ports.size() == 1);
  CHECK(api.ports[0].target == 8080);
  CHECK(p.services.at("worker").ports.empty());
  CHECK(p.services.at("worker").command == std::vector<std::string>{"worker"});
  CHECK(p.services.at("db").image == "postgres:16");
  CHECK(p.services.at("db").environment.at("POSTGRES_PASSWORD") == "from-env-file");
  CHECK(p.services.at("db").where.file == "stack/databases.yaml");
  CHECK(api.depends_on.at(0).where.file == "base/service.yaml");
}

TEST_CASE("fixture airflow-like: merge keys in depends_on and environment", "[fixtures]") {
  Project p = load_fixture("airflow-like");
  CHECK(names(p.disabled_services) == std::vector<std::string>{"airflow-cli", "flower"});
  CHECK(edges(p) == std::vector<std::string>{
                        "airflow-init -> postgres (service_healthy)",
                        "airflow-init -> redis (service_healthy)",
                        "airflow-webserver -> airflow-init (service_completed_successfully)",
                        "airflow-webserver -> postgres (service_healthy)",
                        "airflow-webserver -> redis (service_healthy)",
                        "airflow-worker -> airflow-init (service_completed_successfully)",
                        "airflow-worker -> postgres (service_healthy)",
                        "airflow-worker -> redis (service_healthy)",
                    });
  const Service& worker = p.services.at("airflow-worker");
  CHECK(worker.environment.at("DUMB_INIT_SETSID") == "0");
  CHECK(worker.environment.at("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor");
  CHECK(worker.healthcheck->test.at(1).find("celery@${HOSTNAME}") != std::string::npos);
  const Service& init = p.services.at("airflow-init");
  CHECK(init.command.at(1).find("mem_available=$(($(getconf _PHYS_PAGES)") != std::string::npos);
  CHECK(init.command.at(1).find("chown -R \"50000:0\"") != std::string::npos);
  CHECK(p.services.at("airflow-webserver").ports.at(0).published == 8080);
  REQUIRE(p.warnings.size() == 1);
  CHECK(p.warnings[0].message == "the attribute `version` is obsolete, it will be ignored");
}
