// depends_on syntaxes and the implicit dependencies (compose-go
// loader/normalize_test.go TestNormalizeDependsOn / TestNormalizeImplicitDependencies).
#include <catch2/catch.hpp>

#include "temp_project.h"

using namespace stackgate::compose;
using stackgate::compose::testing::TempProject;

namespace {

const Dependency& dep(const Service& s, std::string_view target) {
  for (const Dependency& d : s.depends_on) {
    if (d.service == target) {
      return d;
    }
  }
  FAIL("no dependency on " << target);
  throw;
}

Project load(std::string_view yaml) {
  TempProject p;
  p.write("compose.yaml", yaml);
  auto r = p.load();
  SG_REQUIRE_LOADED(r);
  return *r;
}

}  // namespace

TEST_CASE("depends_on: the short syntax means started and required", "[depends_on]") {
  Project p = load("services:\n  api:\n    depends_on: [db, cache]\n  db: {}\n  cache: {}\n");
  const Service& api = p.services.at("api");
  REQUIRE(api.depends_on.size() == 2);
  CHECK(api.depends_on[0].service == "db");
  CHECK(api.depends_on[0].condition == Condition::service_started);
  CHECK(api.depends_on[0].required);
  CHECK_FALSE(api.depends_on[0].restart);
  CHECK_FALSE(api.depends_on[0].implicit);
  CHECK(api.depends_on[0].via == "depends_on");
  CHECK(api.depends_on[1].where.line == 3);
  CHECK(api.depends_on[1].where.col == 22);
}

TEST_CASE("depends_on: the long syntax reads condition, required and restart", "[depends_on]") {
  Project p = load(R"(services:
  api:
    depends_on:
      db:
        condition: service_healthy
        restart: true
      migrate:
        condition: service_completed_successfully
        required: false
  db: {}
  migrate: {}
)");
  const Service& api = p.services.at("api");
  CHECK(dep(api, "db").condition == Condition::service_healthy);
  CHECK(dep(api, "db").restart);
  CHECK(dep(api, "db").required);
  CHECK(dep(api, "db").where.line == 4);
  CHECK(dep(api, "db").where.col == 7);
  CHECK(dep(api, "migrate").condition == Condition::service_completed_successfully);
  CHECK_FALSE(dep(api, "migrate").required);
}

TEST_CASE("depends_on: interpolated booleans are cast", "[depends_on]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  api:\n    depends_on:\n      db: {condition: service_started, required: \"${REQ}\"}\n  db: {}\n");
  LoadOptions o = t.options();
  o.environ = {{"REQ", "false"}};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK_FALSE(r->services.at("api").depends_on.at(0).required);
}

TEST_CASE("depends_on: yes/no are accepted for booleans with a warning", "[depends_on]") {
  Project p = load("services:\n  api:\n    depends_on:\n      db: {condition: service_started, required: no}\n  db: {}\n");
  CHECK_FALSE(p.services.at("api").depends_on.at(0).required);
  REQUIRE(p.warnings.size() == 1);
  CHECK(p.warnings[0].message ==
        "\"no\" for boolean is not supported by YAML 1.2, please use \"false\" (services.api.depends_on.db.required)");
}

TEST_CASE("depends_on: a service named x-foo is still a service", "[depends_on]") {
  Project p = load("services:\n  api:\n    depends_on: [x-foo]\n  x-foo: {}\n");
  CHECK(p.services.count("x-foo") == 1);
  CHECK(p.services.at("api").depends_on.at(0).service == "x-foo");
}

TEST_CASE("depends_on: unknown targets are kept for the graph to report", "[depends_on]") {
  Project p = load("services:\n  api:\n    depends_on: [dbb]\n  db: {}\n");
  CHECK(p.services.at("api").depends_on.at(0).service == "dbb");
}

TEST_CASE("implicit: network_mode service:X and volumes_from", "[depends_on][implicit]") {
  // TestNormalizeDependsOn
  Project p = load(R"(services:
  foo:
    depends_on:
      bar:
        condition: service_healthy
        required: true
        restart: true
    network_mode: service:zot
  bar:
    volumes_from:
      - zot
      - container:xxx
  zot: {}
)");
  const Service& foo = p.services.at("foo");
  REQUIRE(foo.depends_on.size() == 2);
  CHECK(dep(foo, "bar").condition == Condition::service_healthy);
  CHECK(dep(foo, "bar").restart);
  CHECK(dep(foo, "zot").condition == Condition::service_started);
  CHECK(dep(foo, "zot").required);
  CHECK(dep(foo, "zot").restart);
  CHECK(dep(foo, "zot").implicit);
  CHECK(dep(foo, "zot").via == "network_mode");
  CHECK(dep(foo, "zot").where.line == 8);
  const Service& bar = p.services.at("bar");
  REQUIRE(bar.depends_on.size() == 1);
  CHECK(dep(bar, "zot").required);
  CHECK_FALSE(dep(bar, "zot").restart);
  CHECK(dep(bar, "zot").via == "volumes_from");
}

TEST_CASE("implicit: ipc, cgroup, uts, pid, volumes_from and links", "[depends_on][implicit]") {
  // TestNormalizeImplicitDependencies
  Project p = load(R"(services:
  test:
    ipc: service:foo
    cgroup: service:bar
    uts: service:baz
    pid: service:qux
    volumes_from: [quux]
    links: [corge]
    depends_on:
      foo:
        condition: service_healthy
  foo: {}
  bar: {}
  baz: {}
  qux: {}
  quux: {}
  corge: {}
)");
  const Service& t = p.services.at("test");
  REQUIRE(t.depends_on.size() == 6);
  CHECK(dep(t, "foo").condition == Condition::service_healthy);  // explicit is never overwritten
  CHECK_FALSE(dep(t, "foo").restart);
  CHECK_FALSE(dep(t, "foo").implicit);
  for (const char* name : {"bar", "baz", "qux", "corge"}) {
    INFO(name);
    CHECK(dep(t, name).condition == Condition::service_started);
    CHECK(dep(t, name).required);
    CHECK(dep(t, name).restart);
    CHECK(dep(t, name).implicit);
  }
  CHECK_FALSE(dep(t, "quux").restart);
  CHECK(dep(t, "bar").via == "cgroup");
  CHECK(dep(t, "baz").via == "uts");
  CHECK(dep(t, "qux").via == "pid");
  CHECK(dep(t, "corge").via == "links");
}

TEST_CASE("implicit: link aliases and volumes_from modes name the service before ':'", "[depends_on][implicit]") {
  Project p = load("services:\n  a:\n    links: [\"db:database\"]\n    volumes_from: [\"data:ro\", \"container:other:rw\"]\n  db: {}\n  data: {}\n");
  const Service& a = p.services.at("a");
  REQUIRE(a.depends_on.size() == 2);
  CHECK(a.depends_on[0].service == "db");
  CHECK(a.depends_on[1].service == "data");
}

TEST_CASE("implicit: external_links, network_mode host and container: add nothing", "[depends_on][implicit]") {
  Project p = load(
      "services:\n  a:\n    external_links: [redis]\n    network_mode: host\n    ipc: container:x\n    pid: host\n");
  CHECK(p.services.at("a").depends_on.empty());
}

TEST_CASE("implicit: a link to an explicit dependency does not duplicate it", "[depends_on][implicit]") {
  Project p = load("services:\n  a:\n    depends_on: [db]\n    links: [db]\n  db: {}\n");
  REQUIRE(p.services.at("a").depends_on.size() == 1);
  CHECK_FALSE(p.services.at("a").depends_on[0].implicit);
}
