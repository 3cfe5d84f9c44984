// Every config error, compared whole: file:line:col: error: message.
#include <catch2/catch.hpp>

#include "temp_project.h"

using namespace stackgate::compose;
using stackgate::compose::testing::format_errors;
using stackgate::compose::testing::TempProject;

namespace {

std::string errors_of(std::string_view yaml) {
  auto r = stackgate::compose::testing::load_yaml(yaml);
  REQUIRE_FALSE(r);
  return format_errors(r.error());
}

}  // namespace

TEST_CASE("errors: YAML syntax error", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    image: nginx\n   bad: indent\n") ==
        "compose.yaml:4:4: error: invalid YAML: end of map not found");
}

TEST_CASE("errors: depends_on of the wrong type", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    depends_on: db\n") ==
        "compose.yaml:3:17: error: services.api.depends_on must be a list or a mapping");
}

TEST_CASE("errors: long depends_on without condition in a single file", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    depends_on:\n      db:\n        required: true\n  db: {}\n") ==
        "compose.yaml:4:7: error: services.api.depends_on.db must set condition (service_started, service_healthy "
        "or service_completed_successfully) in the long syntax");
}

TEST_CASE("errors: unknown condition with a suggestion", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    depends_on:\n      db:\n        condition: service_helthy\n  db: {}\n") ==
        "compose.yaml:5:20: error: services.api.depends_on.db.condition: unknown condition \"service_helthy\" (did "
        "you mean \"service_healthy\"?)");
}

TEST_CASE("errors: unknown condition without a close match lists the values", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    depends_on:\n      db:\n        condition: ready\n  db: {}\n") ==
        "compose.yaml:5:20: error: services.api.depends_on.db.condition: unknown condition \"ready\"; use "
        "service_started, service_healthy or service_completed_successfully");
}

TEST_CASE("errors: a non-boolean required", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    depends_on:\n      db: {condition: service_started, required: maybe}\n") ==
        "compose.yaml:4:50: error: services.api.depends_on.db.required must be a boolean (true or false), not "
        "\"maybe\"");
}

TEST_CASE("errors: healthcheck test must start with CMD, CMD-SHELL or NONE", "[errors]") {
  CHECK(errors_of("services:\n  db:\n    healthcheck:\n      test: [pg_isready]\n") ==
        "compose.yaml:4:13: error: services.db.healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or "
        "\"NONE\"");
}

TEST_CASE("errors: a bad healthcheck duration", "[errors]") {
  CHECK(errors_of("services:\n  db:\n    healthcheck:\n      interval: 5 parsecs\n").starts_with(
      "compose.yaml:4:17: error: services.db.healthcheck.interval: "));
}

TEST_CASE("errors: missing required env_file, at the entry", "[errors]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  api:\n    env_file:\n      - missing.env\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "compose.yaml:4:9: error: services.api.env_file: env file " + t.path("missing.env") + " not found");
}

TEST_CASE("errors: an env_file with a syntax error names its line", "[errors]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  api:\n    env_file: app.env\n");
  t.write("app.env", "A=1\nB=\"open\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) == t.path("app.env") + ":2: error: unterminated quoted value: the opening \" is never closed");
}

TEST_CASE("errors: unknown service key with a suggestion", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    depend_on: [db]\n") ==
        "compose.yaml:3:5: error: services.api: unknown key \"depend_on\" (did you mean \"depends_on\"?)");
}

TEST_CASE("errors: unknown top-level key", "[errors]") {
  CHECK(errors_of("service:\n  api: {}\n") ==
        "compose.yaml:1:1: error: (root): unknown key \"service\" (did you mean \"services\"?)");
}

TEST_CASE("errors: unknown keys outside the graph are warnings, not errors", "[errors]") {
  // A key from a newer spec (or a typo of a key that does not shape the
  // graph) must not fail the load: the levels do not depend on it.
  TempProject t;
  t.write("compose.yaml",
          "services:\n  api:\n    image: nginx\n    depends_on: [db]\n    gpu_count: 2\n    future_key: {a: 1}\n"
          "    depends_on_extra: x\n  db:\n    image: postgres\n    restrat: always\n"
          "    depends_on:\n      cache: {condition: service_started, timeout: 10s}\n  cache: {image: redis}\n"
          "settings: {a: 1}\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  std::vector<std::string> warnings;
  for (const Warning& w : r->warnings) {
    warnings.push_back(w.where.line > 0 ? std::to_string(w.where.line) + ": " + w.message : w.message);
  }
  CHECK(warnings == std::vector<std::string>{
                        "14: (root): unknown key \"settings\"; ignored",
                        "5: services.api: unknown key \"gpu_count\" (did you mean \"cpu_count\"?); ignored",
                        "6: services.api: unknown key \"future_key\"; ignored",
                        "7: services.api: unknown key \"depends_on_extra\"; ignored",
                        "10: services.db: unknown key \"restrat\" (did you mean \"restart\"?); ignored",
                        "12: services.db.depends_on.cache: unknown key \"timeout\"; ignored",
                    });
  CHECK(r->services.at("api").depends_on.size() == 1);
  CHECK(r->services.at("db").depends_on.size() == 1);
}

TEST_CASE("errors: a near-typo of a graph key stays an error", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    image: nginx\n    profile: [debug]\n") ==
        "compose.yaml:4:5: error: services.api: unknown key \"profile\" (did you mean \"profiles\"?)");
  CHECK(errors_of("services:\n  api:\n    image: nginx\n    link: [db]\n  db: {image: x}\n") ==
        "compose.yaml:4:5: error: services.api: unknown key \"link\" (did you mean \"links\"?)");
}

TEST_CASE("errors: services must be a mapping", "[errors]") {
  CHECK(errors_of("services: [a, b]\n") == "compose.yaml:1:11: error: services must be a mapping");
}

TEST_CASE("errors: a bad port", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    ports: [\"80:http\"]\n") ==
        "compose.yaml:3:13: error: services.api.ports[0]: invalid port \"http\"");
}

TEST_CASE("errors: an unterminated quote in a command", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    command: echo 'oops\n") ==
        "compose.yaml:3:14: error: services.api.command: unterminated single quote in \"echo 'oops\"");
}

TEST_CASE("errors: scale and deploy.replicas disagree", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    scale: 2\n    deploy: {replicas: 3}\n") ==
        "compose.yaml:3:12: error: services.api: can't set distinct values on 'scale' and 'deploy.replicas'");
}

TEST_CASE("errors: unknown x-stackgate key with a suggestion", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    x-stackgate:\n      probe: [\"tcp://api:1\"]\n") ==
        "compose.yaml:4:7: error: services.api.x-stackgate: unknown key \"probe\" (did you mean \"probes\"?)");
}

TEST_CASE("errors: a bad x-stackgate duration", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    x-stackgate:\n      kafka: {groups: [g], stable_for: soon}\n")
            .starts_with("compose.yaml:4:40: error: services.api.x-stackgate.kafka.stable_for: "));
}

TEST_CASE("errors: a bad stackgate.probe label suffix", "[errors]") {
  CHECK(errors_of("services:\n  api:\n    labels: [stackgate.probe.x=tcp://a:1]\n") ==
        "compose.yaml:3:14: error: services.api.labels: label stackgate.probe.x must be stackgate.probe or "
        "stackgate.probe.<number>");
}

TEST_CASE("errors: every error is reported, not just the first", "[errors]") {
  std::string all = errors_of(
      "services:\n  a:\n    depends_on: db\n  b:\n    healthcheck:\n      test: [nope]\n  c:\n    image: ${X:?need X}\n");
  CHECK(all ==
        "compose.yaml:8:12: error: required variable X is missing a value: need X\n"
        "compose.yaml:3:17: error: services.a.depends_on must be a list or a mapping\n"
        "compose.yaml:6:13: error: services.b.healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or "
        "\"NONE\"");
}

TEST_CASE("errors: positions point into the file the value came from", "[errors]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  api:\n    image: x\n");
  t.write("override.yaml", "services:\n  api:\n    depends_on:\n      db:\n        condition: nope\n");
  LoadOptions o = t.options();
  o.files = {"compose.yaml", "override.yaml"};
  auto r = t.load(o);
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "override.yaml:5:20: error: services.api.depends_on.db.condition: unknown condition \"nope\"; use "
        "service_started, service_healthy or service_completed_successfully");
}

TEST_CASE("errors: short volume specs as compose-go parses them", "[errors]") {
  // An unset variable before the colon leaves an empty section.
  CHECK(errors_of("services:\n  api:\n    image: x\n    volumes:\n      - ${SOCK}:/var/run/docker.sock:ro\n") ==
        "compose.yaml:5:9: error: services.api.volumes[0]: invalid spec: :/var/run/docker.sock:ro: empty section "
        "between colons");
  CHECK(errors_of("services:\n  api:\n    image: x\n    volumes: [\"ab:/b:ro:z\"]\n") ==
        "compose.yaml:4:15: error: services.api.volumes[0]: invalid spec: ab:/b:ro:z: too many colons");
  TempProject t;
  t.write("compose.yaml",
          "services:\n  api:\n    image: x\n    volumes:\n      - /data\n      - c:\\data:/win:ro\n"
          "      - 'x:/y:rw,z'\n      - '$${HOME:-a:b}:/home'\n      - ab\n      - type: bind\n        source: .\n"
          "        target: /src\n");
  SG_REQUIRE_LOADED(t.load());
}

TEST_CASE("errors: equal items in depends_on or volumes_from lists", "[errors]") {
  // The schema's uniqueItems; compose-go does not de-duplicate these lists.
  CHECK(errors_of("services:\n  a:\n    image: x\n    depends_on: [b, c, b]\n  b: {image: x}\n  c: {image: x}\n") ==
        "compose.yaml:4:24: error: services.a.depends_on items at 0 and 2 are equal");
  CHECK(errors_of("services:\n  a:\n    image: x\n    volumes_from: [b, b]\n  b: {image: x}\n") ==
        "compose.yaml:4:23: error: services.a.volumes_from items at 0 and 1 are equal");
  // links are de-duplicated (EnforceUnicity): no error.
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    image: x\n    links: [b, b]\n  b: {image: x}\n");
  SG_REQUIRE_LOADED(t.load());
}

TEST_CASE("errors: the v1 format (services at the top level) is rejected", "[errors]") {
  CHECK(errors_of("db:\n  image: postgres\nweb:\n  image: nginx\n  links: [db]\n") ==
        "compose.yaml:1:1: error: (root): unknown key \"db\": services must be under `services:` (the Compose file "
        "format v1 is not supported)\n"
        "compose.yaml:3:1: error: (root): unknown key \"web\": services must be under `services:` (the Compose file "
        "format v1 is not supported)");
}
