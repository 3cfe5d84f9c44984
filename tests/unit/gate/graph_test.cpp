#include "gate/graph.h"

#include <catch2/catch.hpp>

using stackgate::compose::Condition;
using stackgate::compose::Dependency;
using stackgate::compose::Project;
using stackgate::compose::Service;
using stackgate::gate::Levels;
using stackgate::gate::ServiceGraph;

namespace {

// Each dependency entry is written at compose.yaml:<line>:9, lines counting up.
Project project(std::vector<std::pair<std::string, std::vector<std::string>>> services) {
  Project p;
  p.name = "demo";
  int line = 1;
  for (auto& [name, deps] : services) {
    Service s;
    s.name = name;
    s.where = {"compose.yaml", line++, 3};
    for (const std::string& d : deps) {
      Dependency dep;
      dep.service = d;
      dep.via = "depends_on";
      dep.where = {"compose.yaml", line++, 9};
      s.depends_on.push_back(dep);
    }
    p.services[name] = s;
  }
  return p;
}

ServiceGraph build(const Project& p) {
  auto g = ServiceGraph::build(p);
  REQUIRE(g.has_value());
  return *g;
}

std::string only_error(const Project& p) {
  auto g = ServiceGraph::build(p);
  REQUIRE_FALSE(g.has_value());
  REQUIRE(g.error().size() == 1);
  return g.error().front().format();
}

}  // namespace

TEST_CASE("a diamond has three levels", "[graph]") {
  auto g = build(project({{"app", {"left", "right"}}, {"left", {"db"}}, {"right", {"db"}}, {"db", {}}}));
  CHECK(g.levels() == Levels{{"db"}, {"left", "right"}, {"app"}});
  CHECK(g.level("app") == 2);
}

TEST_CASE("a level is one more than the deepest dependency", "[graph]") {
  auto g = build(project({{"a", {"b", "d"}}, {"b", {"c"}}, {"c", {}}, {"d", {}}, {"lone", {}}}));
  CHECK(g.levels() == Levels{{"c", "d", "lone"}, {"b"}, {"a"}});
}

TEST_CASE("a chain gives one service per level", "[graph]") {
  auto g = build(project({{"web", {"api"}}, {"api", {"cache"}}, {"cache", {"db"}}, {"db", {}}}));
  CHECK(g.levels() == Levels{{"db"}, {"cache"}, {"api"}, {"web"}});
}

TEST_CASE("implicit dependencies are edges like any other", "[graph]") {
  Project p = project({{"app", {}}, {"db", {}}});
  Dependency link;
  link.service = "db";
  link.implicit = true;
  link.via = "links";
  p.services["app"].depends_on.push_back(link);
  auto g = build(p);
  CHECK(g.levels() == Levels{{"db"}, {"app"}});
  REQUIRE(g.dependencies("app").size() == 1);
  CHECK(g.dependencies("app")[0].implicit);
  CHECK(g.dependencies("app")[0].via == "links");
}

TEST_CASE("a two-service cycle is reported as a path", "[graph]") {
  CHECK(only_error(project({{"api", {"worker"}}, {"worker", {"api"}}})) ==
        "compose.yaml:4:9: error: dependency cycle detected: api -> worker -> api");
}

TEST_CASE("a longer cycle starts at the first service in name order", "[graph]") {
  CHECK(only_error(project({{"c", {"a"}}, {"b", {"c"}}, {"a", {"b"}}})) ==
        "compose.yaml:2:9: error: dependency cycle detected: a -> b -> c -> a");
}

TEST_CASE("a cycle below the start vertex is printed from where it closes", "[graph]") {
  CHECK(only_error(project({{"x", {"y"}}, {"y", {"z"}}, {"z", {"y"}}})) ==
        "compose.yaml:6:9: error: dependency cycle detected: y -> z -> y");
}

TEST_CASE("a service depending on itself is a cycle", "[graph]") {
  CHECK(only_error(project({{"service1", {"service1"}}})) ==
        "compose.yaml:2:9: error: dependency cycle detected: service1 -> service1");
}

TEST_CASE("children are visited in name order", "[graph]") {
  // Two cycles through "a": a->b->a and a->c->a; compose-go reports the b one.
  CHECK(only_error(project({{"a", {"c", "b"}}, {"b", {"a"}}, {"c", {"a"}}})) ==
        "compose.yaml:5:9: error: dependency cycle detected: a -> b -> a");
}

TEST_CASE("an unknown dependency suggests the closest service", "[graph]") {
  CHECK(only_error(project({{"api", {"dbb"}}, {"db", {}}})) ==
        "compose.yaml:2:9: error: service \"api\" depends on unknown service \"dbb\" (did you mean \"db\"?)");
}

TEST_CASE("an unknown dependency far from every name has no suggestion", "[graph]") {
  CHECK(only_error(project({{"api", {"elasticsearch"}}, {"db", {}}})) ==
        "compose.yaml:2:9: error: service \"api\" depends on unknown service \"elasticsearch\"");
}

TEST_CASE("every unknown dependency is reported before stopping", "[graph]") {
  auto g = ServiceGraph::build(project({{"api", {"dbb", "cach"}}, {"db", {}}, {"cache", {}}}));
  REQUIRE_FALSE(g.has_value());
  REQUIRE(g.error().size() == 2);
  CHECK(g.error()[0].message == "service \"api\" depends on unknown service \"dbb\" (did you mean \"db\"?)");
  CHECK(g.error()[1].message == "service \"api\" depends on unknown service \"cach\" (did you mean \"cache\"?)");
}

TEST_CASE("an optional dependency on an unknown service is dropped with a warning", "[graph]") {
  Project p = project({{"api", {"metrics"}}, {"db", {}}});
  p.services["api"].depends_on[0].required = false;
  std::vector<stackgate::compose::Warning> warnings;
  auto g = ServiceGraph::build(p, &warnings);
  REQUIRE(g.has_value());
  CHECK(g->dependencies("api").empty());
  CHECK(g->level("api") == 0);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].message == "service \"api\" has an optional dependency on unknown service \"metrics\": ignored");
}

TEST_CASE("a required dependency on a disabled service names its profiles", "[graph]") {
  Project p = project({{"api", {"debug"}}});
  Service debug;
  debug.name = "debug";
  debug.profiles = {"dev"};
  p.disabled_services["debug"] = debug;
  CHECK(only_error(p) ==
        "compose.yaml:2:9: error: service \"debug\" is required by \"api\" but is disabled. Can be enabled by "
        "profiles [dev]");
}

TEST_CASE("the upstream closure excludes the target", "[graph]") {
  auto g = build(project({{"web", {"api"}}, {"api", {"db", "cache"}}, {"db", {}}, {"cache", {}}, {"other", {}}}));
  CHECK(g.upstream_closure({"api"}) == std::set<std::string>{"cache", "db"});
  CHECK(g.upstream_closure({"web"}) == std::set<std::string>{"api", "cache", "db"});
  CHECK(g.upstream_closure({"db"}).empty());
  CHECK(g.levels_of(g.upstream_closure({"web"})) == Levels{{"cache", "db"}, {"api"}});
}

TEST_CASE("a target upstream of another target is in the closure", "[graph]") {
  auto g = build(project({{"web", {"api"}}, {"api", {"db"}}, {"db", {}}}));
  CHECK(g.upstream_closure({"web", "api"}) == std::set<std::string>{"api", "db"});
}

TEST_CASE("an unknown --for service is a usage error with a suggestion", "[graph]") {
  auto g = build(project({{"backend", {}}, {"db", {}}}));
  auto checked = stackgate::gate::check_targets(g, {"bakend"});
  REQUIRE_FALSE(checked.has_value());
  CHECK(checked.error() == "unknown service \"bakend\" (did you mean \"backend\"?)");
  CHECK(stackgate::gate::check_targets(g, {"db", "backend"}).has_value());
}

TEST_CASE("two swapped letters still get a suggestion", "[graph]") {
  CHECK(only_error(project({{"api", {"bd"}}, {"db", {}}})) ==
        "compose.yaml:2:9: error: service \"api\" depends on unknown service \"bd\" (did you mean \"db\"?)");
}

TEST_CASE("a 30,000-long dependency cycle is found without deep recursion", "[graph][deep]") {
  const int n = 30'000;
  std::vector<std::pair<std::string, std::vector<std::string>>> services;
  auto name = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "s%05d", i);
    return std::string(buf);
  };
  for (int i = 0; i < n; ++i) services.push_back({name(i), {name((i + 1) % n)}});
  auto g = ServiceGraph::build(project(services));
  REQUIRE_FALSE(g.has_value());
  REQUIRE(g.error().size() == 1);
  const std::string& message = g.error()[0].message;
  CHECK(message.starts_with("dependency cycle detected: s00000 -> s00001 -> "));
  CHECK(message.ends_with(" -> s29999 -> s00000"));
}

TEST_CASE("a 10,000-deep dependency chain gets its levels without deep recursion", "[graph][deep]") {
  const int n = 10'000;
  std::vector<std::pair<std::string, std::vector<std::string>>> services;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> deps;
    if (i > 0) deps.push_back("s" + std::to_string(i - 1));
    services.push_back({"s" + std::to_string(i), deps});
  }
  ServiceGraph g = build(project(services));
  CHECK(g.level("s0") == 0);
  CHECK(g.level("s9999") == 9999);
  CHECK(g.levels().size() == 10'000);
  CHECK(g.upstream_closure({"s9999"}).size() == 9999);
}
