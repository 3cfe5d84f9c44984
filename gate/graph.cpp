// Building and querying the service graph.
//
// Validation order follows compose-go: dependency targets first (every
// error collected, mold-style), then cycle detection. Cycle detection is
// compose-go's graph/cycle.go: for each vertex in name order, a DFS over
// children in name order carrying the current path (on an explicit stack,
// so a chain of any length fits); the first child already
// on the path closes the cycle, printed from its first occurrence. A vertex
// whose DFS finished without a cycle is remembered, since nothing reachable
// from it can be on a cycle; that keeps the search linear without changing
// which cycle is reported first.
#include "gate/graph.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "gate/suggest.h"
#include "util/strings.h"

namespace stackgate::gate {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }


std::optional<util::ConfigError> find_cycle(const std::map<std::string, std::vector<Edge>, std::less<>>& edges) {
  // An explicit stack instead of recursion: a chain of tens of thousands of
  // services must not exhaust the thread's stack. Frame i explores path[i].
  struct Frame {
    std::vector<const Edge*> children;  // in name order
    size_t next = 0;
  };
  auto frame_of = [&](const std::string& vertex) {
    Frame f;
    for (const Edge& e : edges.at(vertex)) f.children.push_back(&e);
    std::sort(f.children.begin(), f.children.end(), [](const Edge* a, const Edge* b) { return a->service < b->service; });
    return f;
  };
  // Views of the names in `edges` (its keys and edges' targets), which
  // outlive the search: hashed, not copied into ordered containers.
  std::unordered_set<std::string_view> clean;  // fully explored, no cycle below
  for (const auto& [name, unused] : edges) {  // std::map: name order
    if (clean.contains(name)) continue;
    std::vector<std::string> path{name};
    std::unordered_map<std::string_view, size_t> on_path{{name, 0}};
    std::vector<Frame> stack{frame_of(name)};
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == top.children.size()) {
        auto done = on_path.find(path.back());
        clean.insert(done->first);
        on_path.erase(done);
        path.pop_back();
        stack.pop_back();
        continue;
      }
      const Edge* child = top.children[top.next++];
      if (auto it = on_path.find(child->service); it != on_path.end()) {
        std::vector<std::string> cycle(path.begin() + static_cast<std::ptrdiff_t>(it->second), path.end());
        cycle.push_back(child->service);
        return util::ConfigError{child->where, "dependency cycle detected: " + util::join(cycle, " -> ")};
      }
      if (clean.contains(child->service)) continue;
      on_path.emplace(child->service, path.size());
      path.push_back(child->service);
      stack.push_back(frame_of(child->service));
    }
  }
  return std::nullopt;
}

// Levels of an acyclic graph, post-order on an explicit stack.
std::map<std::string, int, std::less<>> compute_levels(const std::map<std::string, std::vector<Edge>, std::less<>>& edges) {
  std::map<std::string, int, std::less<>> levels;
  struct Frame {
    const std::string* vertex;
    const std::vector<Edge>* out;  // its edges, looked up once, not at every step
    size_t next = 0;
    int level = 0;
  };
  for (const auto& [name, name_edges] : edges) {
    if (levels.contains(name)) continue;
    std::vector<Frame> stack{{&name, &name_edges}};
    while (!stack.empty()) {
      Frame& top = stack.back();
      const std::vector<Edge>& out = *top.out;
      if (top.next == out.size()) {
        int level = top.level;
        levels.insert_or_assign(*top.vertex, level);
        stack.pop_back();
        if (!stack.empty()) stack.back().level = std::max(stack.back().level, 1 + level);
        continue;
      }
      const Edge& e = out[top.next++];
      if (auto it = levels.find(e.service); it != levels.end()) {
        top.level = std::max(top.level, 1 + it->second);
      } else {
        auto child = edges.find(e.service);
        stack.push_back({&child->first, &child->second});
      }
    }
  }
  return levels;
}

}  // namespace

std::expected<ServiceGraph, util::ConfigErrors> ServiceGraph::build(const compose::Project& project,
                                                                    std::vector<compose::Warning>* warnings) {
  std::vector<std::string> names;
  for (const auto& [name, unused] : project.services) names.push_back(name);
  // Membership by hash: the map's string comparisons were a good part of
  // building the graph of a large project.
  std::unordered_set<std::string_view> known(names.begin(), names.end());

  ServiceGraph graph;
  util::ConfigErrors errors;
  for (const auto& [name, service] : project.services) {  // sorted: each insertion at the end
    std::vector<Edge>& out = graph.m_edges.emplace_hint(graph.m_edges.end(), name, std::vector<Edge>{})->second;
    // Each target once (the first entry wins). A set, not a scan of `out`:
    // a service can inherit hundreds of dependencies through extends.
    std::unordered_set<std::string_view> targets;
    for (const compose::Dependency& dep : service.depends_on) {
      if (known.contains(dep.service)) {
        if (!targets.insert(dep.service).second) continue;
        out.push_back(Edge{dep.service, dep.condition, dep.required, dep.implicit, dep.via, dep.where});
        continue;
      }
      auto disabled = project.disabled_services.find(dep.service);
      if (!dep.required) {
        if (warnings) {
          std::string why = disabled != project.disabled_services.end() ? "disabled" : "unknown";
          warnings->push_back(util::warning(dep.where, "service " + quoted(name) + " has an optional dependency on " + why +
                                              " service " + quoted(dep.service) + ": ignored"));
        }
        continue;
      }
      if (disabled != project.disabled_services.end()) {
        std::vector<std::string> profiles = disabled->second.profiles;
        errors.push_back({dep.where, "service " + quoted(dep.service) + " is required by " + quoted(name) +
                                         " but is disabled. Can be enabled by profiles [" + util::join(profiles, " ") +
                                         "]"});
        continue;
      }
      std::string message = "service " + quoted(name) + " depends on unknown service " + quoted(dep.service);
      if (auto guess = suggest_name(dep.service, names)) message += " (did you mean " + quoted(*guess) + "?)";
      errors.push_back({dep.where, message});
    }
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  if (auto cycle = find_cycle(graph.m_edges)) return std::unexpected(util::ConfigErrors{*cycle});

  graph.m_levels = compute_levels(graph.m_edges);
  return graph;
}

std::vector<std::string> ServiceGraph::services() const {
  std::vector<std::string> out;
  for (const auto& [name, unused] : m_edges) out.push_back(name);
  return out;
}

const std::vector<Edge>& ServiceGraph::dependencies(std::string_view service) const {
  static const std::vector<Edge> none;
  auto it = m_edges.find(service);
  return it == m_edges.end() ? none : it->second;
}

int ServiceGraph::level(std::string_view service) const {
  auto it = m_levels.find(service);
  return it == m_levels.end() ? -1 : it->second;
}

Levels ServiceGraph::levels() const {
  std::set<std::string> all;
  for (const auto& [name, unused] : m_edges) all.insert(name);
  return levels_of(all);
}

Levels ServiceGraph::levels_of(const std::set<std::string>& subset) const {
  Levels out;
  for (const std::string& name : subset) {  // sorted, so each level ends up sorted
    int level = this->level(name);
    if (level < 0) continue;
    if (out.size() <= static_cast<size_t>(level)) out.resize(static_cast<size_t>(level) + 1);
    out[static_cast<size_t>(level)].push_back(name);
  }
  // A subset that is not closed under dependencies can leave gaps.
  std::erase_if(out, [](const std::vector<std::string>& l) { return l.empty(); });
  return out;
}

std::set<std::string> ServiceGraph::upstream_closure(const std::vector<std::string>& targets) const {
  std::set<std::string> seen;
  std::vector<std::string> stack;
  for (const std::string& t : targets) {
    for (const Edge& e : dependencies(t)) stack.push_back(e.service);
  }
  while (!stack.empty()) {
    std::string name = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(name).second) continue;
    for (const Edge& e : dependencies(name)) stack.push_back(e.service);
  }
  return seen;
}

std::optional<std::string> ServiceGraph::suggest(std::string_view name) const {
  return suggest_name(name, services());
}

std::expected<void, std::string> check_targets(const ServiceGraph& graph, const std::vector<std::string>& targets) {
  for (const std::string& t : targets) {
    if (graph.contains(t)) continue;
    std::string message = "unknown service " + quoted(t);
    if (auto guess = graph.suggest(t)) message += " (did you mean " + quoted(*guess) + "?)";
    return std::unexpected(message);
  }
  return {};
}

}  // namespace stackgate::gate
