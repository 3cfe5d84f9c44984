// ServiceGraph: the depends_on graph of a compose project's enabled services.
//
// Vertices are enabled services; edges go from a service to each of its
// dependencies (explicit depends_on and the implicit ones the loader derived
// from links / volumes_from / network_mode: service:X ...). Building the graph
// validates it the way compose-go does:
//   - a required dependency on an unknown service is an error at the entry
//     (`service "api" depends on unknown service "dbb" (did you mean "db"?)`);
//     an optional one (required: false) is dropped with a warning;
//   - a required dependency on a profiled-out service is an error;
//   - a cycle is an error printed as a path
//     (`dependency cycle detected: api -> worker -> api`), found by
//     compose-go's DFS: start vertices and children both visited in name order.
// Levels: level(s) = 0 without dependencies, else 1 + max(level(dep)).
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compose/model.h"
#include "util/diagnostics.h"

namespace stackgate::gate {

// One depends_on edge that survived validation.
struct Edge {
  std::string service;  // the dependency
  compose::Condition condition = compose::Condition::service_started;
  bool required = true;
  bool implicit = false;
  std::string via;
  util::SourceLocation where;
};

using Levels = std::vector<std::vector<std::string>>;  // each inner vector sorted

class ServiceGraph {
 public:
  /// Validates and builds. On failure returns every unknown/disabled
  /// dependency error, or the first cycle. Dropped optional dependencies are
  /// appended to `warnings` when given.
  static std::expected<ServiceGraph, util::ConfigErrors> build(const compose::Project& project,
                                                               std::vector<compose::Warning>* warnings = nullptr);

  bool contains(std::string_view service) const { return m_edges.contains(std::string(service)); }
  /// Every service, sorted.
  std::vector<std::string> services() const;
  /// The edges out of `service` (its dependencies), in declaration order.
  const std::vector<Edge>& dependencies(std::string_view service) const;
  int level(std::string_view service) const;

  /// Levels of the whole graph.
  Levels levels() const;
  /// Levels of `subset` (which should be closed under dependencies).
  Levels levels_of(const std::set<std::string>& subset) const;
  /// Every service that one of `targets` depends on, directly or not. A
  /// target is included only when another target depends on it.
  std::set<std::string> upstream_closure(const std::vector<std::string>& targets) const;
  /// The closest service name to `name`, when it looks like a typo.
  std::optional<std::string> suggest(std::string_view name) const;

 private:
  std::map<std::string, std::vector<Edge>, std::less<>> m_edges;
  std::map<std::string, int, std::less<>> m_levels;
};

/// Checks the `--for` names; the error is one line for the user:
/// `unknown service "bakend" (did you mean "backend"?)`.
std::expected<void, std::string> check_targets(const ServiceGraph& graph, const std::vector<std::string>& targets);

}  // namespace stackgate::gate
