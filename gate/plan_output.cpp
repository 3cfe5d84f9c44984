#include "gate/plan_output.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

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

namespace {

// JSON text written as it is produced, byte for byte what
// nlohmann::json::dump(2, ' ', false, replace) prints for the same document:
// building that document first (a std::map per object, a copy of every
// string) and freeing it afterwards was most of the cost of `plan --format
// json` on large projects. Objects are nlohmann's std::map, so the caller
// gives keys in sorted order. Strings of printable ASCII are escaped here;
// any other string (control characters, UTF-8, invalid bytes) goes through
// nlohmann's own escaping, so the replacement of invalid bytes stays its own.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : m_out(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  /// The next member of the current object: its key (then one value).
  void key(std::string_view name) {
    next();
    string_text(name);
    m_out += ": ";
    m_after_key = true;
  }
  void value(std::string_view text) {
    next();
    string_text(text);
  }
  void value(const char* text) { value(std::string_view(text)); }
  void value(bool b) {
    next();
    m_out += b ? "true" : "false";
  }
  void value(int n) {
    next();
    m_out += std::to_string(n);
  }
  void member(std::string_view name, std::string_view text) {
    key(name);
    value(text);
  }
  // Without it a string literal would pick the bool overload.
  void member(std::string_view name, const char* text) { member(name, std::string_view(text)); }
  void member(std::string_view name, bool b) {
    key(name);
    value(b);
  }
  void string_array(std::string_view name, const std::vector<std::string>& items) {
    key(name);
    begin_array();
    for (const std::string& item : items) value(item);
    end_array();
  }

 private:
  // Before a value: after a key nothing; in an array a separator, a line
  // break and the indentation.
  void next() {
    if (m_after_key) {
      m_after_key = false;
      return;
    }
    if (m_open.empty()) return;
    m_out += m_open.back() ? ",\n" : "\n";
    m_open.back() = true;
    m_out.append(2 * m_open.size(), ' ');
  }
  void open(char bracket) {
    next();
    m_out += bracket;
    m_open.push_back(false);
  }
  void close(char bracket) {
    bool had_items = m_open.back();
    m_open.pop_back();
    if (had_items) {
      m_out += '\n';
      m_out.append(2 * m_open.size(), ' ');
    }
    m_out += bracket;
  }
  void string_text(std::string_view text) {
    bool escapes = false;  // a '"' or '\\' to escape
    for (char c : text) {
      if (auto u = static_cast<unsigned char>(c); u < 0x20 || u >= 0x7f) {
        m_out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
      escapes = escapes || c == '"' || c == '\\';
    }
    m_out += '"';
    if (!escapes) {
      m_out += text;  // the usual case: one append, not one per character
    } else {
      for (char c : text) {
        if (c == '"' || c == '\\') m_out += '\\';
        m_out += c;
      }
    }
    m_out += '"';
  }

  std::string& m_out;
  std::vector<bool> m_open;  // per open object or array: has it a member yet
  bool m_after_key = false;
};

// util::format_location(), with the sanitised file name kept from one call
// to the next: a large project's every edge and probe names the same file.
class LocationText {
 public:
  const std::string& operator()(const util::SourceLocation& where) {
    m_text.clear();
    if (where.file.empty()) return m_text;
    if (where.file != m_file) {
      m_file = where.file;
      m_sanitized = util::sanitize(where.file);
    }
    m_text = m_sanitized;
    if (where.line > 0) {
      (m_text += ':') += std::to_string(where.line);
      if (where.col > 0) (m_text += ':') += std::to_string(where.col);
    }
    return m_text;
  }

 private:
  std::string m_file;
  std::string m_sanitized;
  std::string m_text;
};

}  // namespace

std::string plan_json(const Plan& plan, const ServiceGraph& graph) {
  std::string out;
  JsonWriter w(out);
  LocationText location;
  // Keys in sorted order throughout (see JsonWriter).
  w.begin_object();
  w.string_array("files", plan.files);
  w.key("levels");
  w.begin_array();
  for (const auto& level : plan.levels) {
    w.begin_array();
    for (const std::string& name : level) w.value(name);
    w.end_array();
  }
  w.end_array();
  w.member("project", plan.project);
  w.string_array("release", plan.release);
  w.key("services");
  w.begin_object();
  for (const auto& [name, s] : plan.services) {  // std::map: sorted
    w.key(name);
    w.begin_object();
    w.key("depends_on");
    w.begin_array();
    for (const Edge& e : graph.dependencies(name)) {
      w.begin_object();
      w.member("condition", compose::to_string(e.condition));
      w.member("implicit", e.implicit);
      w.member("required", e.required);
      w.member("service", e.service);
      w.member("via", e.via);
      w.member("where", location(e.where));
      w.end_object();
    }
    w.end_array();
    w.member("family", s.family);
    w.member("job", s.job);
    w.key("level");
    w.value(s.level);
    std::vector<std::string> notes;
    for (const std::string& note : s.notes) notes.push_back(util::sanitize(note));
    w.string_array("notes", notes);
    w.key("probes");
    w.begin_array();
    for (const PlannedProbe& p : s.probes) {
      w.begin_object();
      w.member("kind", p.kind);
      // A key given twice keeps its last source, at its sorted place.
      std::map<std::string, std::string> provenance;
      for (const auto& [key, source] : p.provenance) provenance[key] = util::sanitize(source);
      w.key("provenance");
      w.begin_object();
      for (const auto& [key, source] : provenance) w.member(key, source);
      w.end_object();
      w.member("settings", spec::format_settings(p.settings));
      w.member("target", p.target);
      w.member("type", p.type);
      w.member("where", location(p.where));
      w.end_object();
    }
    w.end_array();
    w.member("release", s.release);
    w.member("skipped", s.skipped);
    w.end_object();
  }
  w.end_object();
  w.end_object();
  out += '\n';
  return out;
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
