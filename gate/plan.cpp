#include "gate/plan.h"

#include <algorithm>
#include <set>

#include "compose/infer_index.h"
#include "spec/probe_spec.h"
#include "util/redact.h"

namespace stackgate::gate {

std::string redact_url(const std::string& url) {
  if (auto parsed = spec::parse_url(url)) return parsed->redacted();
  // Unparseable: the one redactor masks by pattern (userinfo up to the last
  // '@', password= and other secret options).
  return util::redact_url(url);
}

Plan make_plan(const compose::Project& project, const ServiceGraph& graph, const std::vector<std::string>& targets,
               const compose::InferOptions& infer) {
  Plan plan;
  plan.project = project.name;
  plan.files = project.files;

  std::set<std::string> scope;
  if (targets.empty()) {
    for (const std::string& name : graph.services()) scope.insert(name);
  } else {
    scope = graph.upstream_closure(targets);
    for (const std::string& t : targets) {
      if (!scope.contains(t)) plan.release.push_back(t);
    }
    std::sort(plan.release.begin(), plan.release.end());
    plan.release.erase(std::unique(plan.release.begin(), plan.release.end()), plan.release.end());
  }
  plan.levels = graph.levels_of(scope);

  compose::InferIndex index(project);
  for (size_t l = 0; l < plan.levels.size(); ++l) {
    for (const std::string& name : plan.levels[l]) {
      const compose::Service& service = project.services.at(name);
      PlannedService ps;
      ps.name = name;
      ps.level = static_cast<int>(l);
      ps.skipped = service.stackgate.skip || (service.replicas && *service.replicas == 0);
      if (!ps.skipped) {
        compose::InferResult inferred = compose::explain_probes(index, service, infer);
        // `inferred` is ours: its strings are moved into the plan, not copied.
        ps.notes = std::move(inferred.notes);
        ps.family = std::move(inferred.family);
        ps.job = inferred.job;
        ps.probes.reserve(inferred.probes.size());
        for (compose::InferredProbe& ip : inferred.probes) {
          PlannedProbe pp;
          pp.settings = std::move(ip.settings);
          if (auto parsed = spec::parse_url(ip.url)) {
            pp.type = parsed->scheme;
            pp.target = parsed->redacted();
            pp.parsed = std::move(*parsed);
          } else {
            pp.target = util::redact_url(ip.url);
            pp.parse_error = parsed.error();
          }
          pp.url = std::move(ip.url);
          pp.kind = std::move(ip.kind);
          pp.provenance = std::move(ip.provenance);
          pp.where = std::move(ip.where);
          ps.probes.push_back(std::move(pp));
        }
      }
      plan.services.insert_or_assign(name, std::move(ps));
    }
  }
  for (const std::string& name : plan.release) {
    PlannedService ps;
    ps.name = name;
    ps.release = true;
    plan.services[name] = std::move(ps);
  }
  return plan;
}

}  // namespace stackgate::gate
