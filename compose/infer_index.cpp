#include "compose/infer_index.h"

#include <algorithm>

#include "util/strings.h"

namespace stackgate::compose {

namespace {
const std::vector<NamedRef> k_no_refs;
const std::vector<std::string> k_no_names;
}  // namespace

InferIndex::InferIndex(const Project& project) : m_project(project) {
  // Every name a service answers to on its networks -> the service.
  std::map<std::string, std::vector<std::string>> by_name;
  for (const auto& [name, s] : project.services) {
    std::vector<std::string> names{s.name, s.hostname, s.container_name};
    names.insert(names.end(), s.network_aliases.begin(), s.network_aliases.end());
    for (const std::string& n : names) {
      if (n.empty()) continue;
      std::vector<std::string>& owners = by_name[util::to_lower(n)];
      if (std::find(owners.begin(), owners.end(), name) == owners.end()) owners.push_back(name);
    }
  }
  for (const auto& [name, s] : project.services) {
    for (const Dependency& d : s.depends_on) {
      if (d.condition == Condition::service_completed_successfully) m_complete[d.service].push_back(name);
      if (d.condition == Condition::service_healthy) m_healthy[d.service] = true;
    }
    const std::vector<ConnectionRef>& own = m_own_refs.emplace_hint(m_own_refs.end(), name, connection_refs(s))->second;
    for (const ConnectionRef& ref : own) {
      auto it = by_name.find(ref.host);
      if (it == by_name.end()) continue;
      for (const std::string& target : it->second) {
        if (target == name) continue;
        bool direct = std::any_of(s.depends_on.begin(), s.depends_on.end(),
                                  [&](const Dependency& d) { return d.service == target; });
        m_refs[target].push_back(NamedRef{name, direct, ref});
      }
    }
  }
}

const std::vector<NamedRef>& InferIndex::refs_naming(const std::string& service) const {
  auto it = m_refs.find(service);
  return it == m_refs.end() ? k_no_refs : it->second;
}

const std::vector<std::string>& InferIndex::awaited_to_complete(const std::string& service) const {
  auto it = m_complete.find(service);
  return it == m_complete.end() ? k_no_names : it->second;
}

bool InferIndex::awaited_healthy(const std::string& service) const { return m_healthy.contains(service); }

const FamilyDecision& InferIndex::family(const Service& service) const {
  auto it = m_families.find(service.name);
  if (it == m_families.end()) {
    auto own = m_own_refs.find(service.name);
    FamilyDecision decision = own == m_own_refs.end()
                                  ? decide_family(m_project, service, refs_naming(service.name))
                                  : decide_family(m_project, service, refs_naming(service.name), own->second);
    it = m_families.emplace(service.name, std::move(decision)).first;
  }
  return it->second;
}

}  // namespace stackgate::compose
