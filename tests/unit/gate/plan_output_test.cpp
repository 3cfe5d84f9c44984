#include "gate/plan_output.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "util/sanitize.h"

using stackgate::compose::Condition;
using stackgate::compose::Dependency;
using stackgate::compose::Project;
using stackgate::compose::Service;
using stackgate::gate::Plan;
using stackgate::gate::PlannedProbe;
using stackgate::gate::PlannedService;
using stackgate::gate::ServiceGraph;

namespace {

// plan_json as it was written before it streamed its text: the document
// built with nlohmann::json and dumped. The streamed text must be the same,
// byte for byte.
std::string reference_json(const Plan& plan, const ServiceGraph& graph) {
  nlohmann::json j;
  j["project"] = plan.project;
  j["files"] = plan.files;
  j["levels"] = nlohmann::json::array();
  for (const auto& level : plan.levels) j["levels"].push_back(level);
  j["release"] = plan.release;
  nlohmann::json services = nlohmann::json::object();
  for (const auto& [name, s] : plan.services) {
    nlohmann::json js;
    js["level"] = s.level;
    js["release"] = s.release;
    js["skipped"] = s.skipped;
    nlohmann::json deps = nlohmann::json::array();
    for (const auto& e : graph.dependencies(name)) {
      deps.push_back({{"service", e.service},
                      {"condition", stackgate::compose::to_string(e.condition)},
                      {"required", e.required},
                      {"implicit", e.implicit},
                      {"via", e.via},
                      {"where", stackgate::gate::format_location(e.where)}});
    }
    js["depends_on"] = deps;
    nlohmann::json probes = nlohmann::json::array();
    for (const PlannedProbe& p : s.probes) {
      nlohmann::json provenance = nlohmann::json::object();
      for (const auto& [key, source] : p.provenance) provenance[key] = stackgate::util::sanitize(source);
      probes.push_back({{"type", p.type},
                        {"target", p.target},
                        {"kind", p.kind},
                        {"where", stackgate::gate::format_location(p.where)},
                        {"provenance", provenance},
                        {"settings", stackgate::spec::format_settings(p.settings)}});
    }
    js["probes"] = probes;
    nlohmann::json notes = nlohmann::json::array();
    for (const std::string& note : s.notes) notes.push_back(stackgate::util::sanitize(note));
    js["notes"] = notes;
    js["family"] = s.family;
    js["job"] = s.job;
    services[name] = js;
  }
  j["services"] = services;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Project two_services() {
  Project p;
  p.name = "demo";
  for (const char* name : {"db", "web \"quoted\"\\"}) {
    Service s;
    s.name = name;
    p.services[name] = s;
  }
  Dependency dep;
  dep.service = "db";
  dep.condition = Condition::service_healthy;
  dep.via = "depends_on";
  dep.where = {"dir/\xff\xfe odd.yaml", 4, 7};  // a file name that is not UTF-8
  p.services["web \"quoted\"\\"].depends_on.push_back(dep);
  return p;
}

}  // namespace

TEST_CASE("plan json is what nlohmann's dump prints for the same document", "[plan]") {
  Project project = two_services();
  auto graph = ServiceGraph::build(project);
  REQUIRE(graph.has_value());

  Plan plan;
  plan.project = "demo\ttab";
  plan.files = {"compose.yaml", "caf\xc3\xa9.yaml"};
  plan.levels = {{"db"}, {"web \"quoted\"\\"}};
  plan.release = {};
  PlannedService db;
  db.name = "db";
  db.level = 0;
  db.family = "postgres";
  PlannedProbe probe;
  probe.type = "postgres";
  probe.target = "postgres://u:***@db:5432/app";
  probe.kind = "family";
  probe.where = {"compose.yaml", 3, 5};
  // A key given twice keeps the last source; control bytes are sanitised.
  probe.provenance = {{"user", "DATABASE_URL of s1"}, {"host", "service name\x01"}, {"user", "DATABASE_URL of s2"}};
  db.probes.push_back(probe);
  db.probes.push_back(PlannedProbe{});  // empty provenance: {}
  db.notes = {"a note with \"quotes\" and a back\\slash", "bell \x07 and \xe2\x82\xac and bad \xc3("};
  plan.services["db"] = db;
  PlannedService web;
  web.name = "web \"quoted\"\\";
  web.level = 1;
  web.skipped = true;
  web.job = true;
  plan.services[web.name] = web;
  PlannedService released;
  released.name = "zz";
  released.release = true;
  plan.services["zz"] = released;

  CHECK(stackgate::gate::plan_json(plan, *graph) == reference_json(plan, *graph));

  SECTION("an empty plan") {
    Plan empty;
    CHECK(stackgate::gate::plan_json(empty, *graph) == reference_json(empty, *graph));
  }
}
