// What inference reads across services, built once per project so that
// inferring every service of a large project stays linear: the connection
// strings that name each service, who waits for whom and how, and each
// service's family decision (memoised).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "compose/connection_refs.h"
#include "compose/family_evidence.h"
#include "compose/model.h"

namespace stackgate::compose {

class InferIndex {
 public:
  /// `project` must outlive the index. Not thread-safe (family() memoises).
  explicit InferIndex(const Project& project);

  const Project& project() const { return m_project; }
  /// Connection strings in other services' environments naming `service`.
  const std::vector<NamedRef>& refs_naming(const std::string& service) const;
  /// Services waiting for `service` with service_completed_successfully.
  const std::vector<std::string>& awaited_to_complete(const std::string& service) const;
  /// A service waits for `service` with service_healthy.
  bool awaited_healthy(const std::string& service) const;
  /// decide_family() of `service`, computed once.
  const FamilyDecision& family(const Service& service) const;

 private:
  const Project& m_project;
  std::map<std::string, std::vector<NamedRef>> m_refs;
  std::map<std::string, std::vector<ConnectionRef>> m_own_refs;  // connection_refs() of each service, read once
  std::map<std::string, std::vector<std::string>> m_complete;
  std::map<std::string, bool> m_healthy;
  mutable std::map<std::string, FamilyDecision> m_families;
};

}  // namespace stackgate::compose
