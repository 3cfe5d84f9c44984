#include "gate/plan_output.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/sanitize.h"

namespace stackgate::gate {
namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace


std::string plan_text(const Plan& plan, const ServiceGraph& graph) {
  size_t probed = 0;
  for (const auto& level : plan.levels) probed += level.size();
  std::string out = "project " + plan.project + ": " + std::to_string(probed) + " service" + (probed == 1 ? "" : "s") +
                    " in " + std::to_string(plan.levels.size()) + " level" + (plan.levels.size() == 1 ? "" : "s") +
                    "\n";
  size_t width = 4;
  for (const auto& [name, unused] : plan.services) width = std::max(width, name.size());
  for (size_t l = 0; l < plan.levels.size(); ++l) {
    out += "level " + std::to_string(l) + "\n";
    for (const std::string& name : plan.levels[l]) {
      const PlannedService& s = plan.services.at(name);
      std::string indent(2 + width + 2, ' ');
      std::string head = "  " + pad(name, width) + "  ";
      if (s.skipped) {
        out += head + "(skipped)\n";
      } else if (s.probes.empty()) {
        out += head + "(no probe: ready when its level starts)\n";
      }
      for (size_t i = 0; i < s.probes.size(); ++i) {
        const PlannedProbe& p = s.probes[i];
        out += (i == 0 ? head : indent) + p.target + "  [" + p.kind + "]\n";
        for (const auto& [key, source] : p.provenance) out += indent + "  " + key + ": " + util::sanitize(source) + "\n";
        if (!p.settings.empty()) out += indent + "  settings: " + spec::format_settings(p.settings) + "\n";
      }
      for (const std::string& note : s.notes) out += indent + "note: " + util::sanitize(note) + "\n";
      std::vector<std::string> deps;
      for (const Edge& e : graph.dependencies(name)) {
        deps.push_back(e.service + " (" + compose::to_string(e.condition) + (e.implicit ? ", via " + e.via : "") + ")");
      }
      if (!deps.empty()) {
        std::string line;
        for (const std::string& d : deps) line += (line.empty() ? "" : ", ") + d;
        out += indent + "after " + line + "\n";
      }
    }
  }
  if (!plan.release.empty()) {
    std::string names;
    for (const std::string& r : plan.release) names += (names.empty() ? "" : ", ") + r;
    out += "release " + names +
           (plan.levels.empty() ? " at once (no upstreams)\n"
                                : " after level " + std::to_string(plan.levels.size() - 1) + "\n");
  }
  return out;
}

std::string plan_json(const Plan& plan, const ServiceGraph& graph) {
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
    for (const Edge& e : graph.dependencies(name)) {
      deps.push_back({{"service", e.service},
                      {"condition", compose::to_string(e.condition)},
                      {"required", e.required},
                      {"implicit", e.implicit},
                      {"via", e.via},
                      {"where", format_location(e.where)}});
    }
    js["depends_on"] = deps;
    nlohmann::json probes = nlohmann::json::array();
    for (const PlannedProbe& p : s.probes) {
      nlohmann::json provenance = nlohmann::json::object();
      for (const auto& [key, source] : p.provenance) provenance[key] = util::sanitize(source);
      probes.push_back({{"type", p.type},
                        {"target", p.target},
                        {"kind", p.kind},
                        {"where", format_location(p.where)},
                        {"provenance", provenance},
                        {"settings", spec::format_settings(p.settings)}});
    }
    js["probes"] = probes;
    nlohmann::json notes = nlohmann::json::array();
    for (const std::string& note : s.notes) notes.push_back(util::sanitize(note));
    js["notes"] = notes;
    js["family"] = s.family;
    js["job"] = s.job;
    services[name] = js;
  }
  j["services"] = services;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string plan_dot(const Plan& plan, const ServiceGraph& graph) {
  std::string out = "digraph stackgate {\n  rankdir=BT;\n  node [shape=box];\n";
  for (const auto& [name, s] : plan.services) {
    std::string label = name;
    for (const PlannedProbe& p : s.probes) label += "\n" + p.target;
    out += "  " + dot_quote(name) + " [label=" + dot_quote(label) + (s.release ? ", style=bold" : "") + "];\n";
  }
  for (const auto& [name, s] : plan.services) {
    for (const Edge& e : graph.dependencies(name)) {
      if (!plan.services.contains(e.service)) continue;
      out += "  " + dot_quote(name) + " -> " + dot_quote(e.service) + " [label=" +
             dot_quote(compose::to_string(e.condition)) + (e.implicit ? ", style=dashed" : "") + "];\n";
    }
  }
  return out + "}\n";
}

}  // namespace stackgate::gate
