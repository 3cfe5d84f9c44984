#include "compose/node_values.h"

#include <charconv>

#include "util/duration.h"
#include "util/strings.h"

namespace stackgate::compose {

std::optional<std::string> read_string(const Node& node, const std::string& path, Diagnostics& diag) {
  if (!node.is_scalar()) {
    diag.error(node.where, path + " must be a string, not a " + kind_name(node));
    return std::nullopt;
  }
  return node.value;
}

std::optional<bool> read_bool(const Node& node, const std::string& path, Diagnostics& diag) {
  if (!node.is_scalar()) {
    diag.error(node.where, path + " must be a boolean (true or false), not a " + kind_name(node));
    return std::nullopt;
  }
  std::string v = util::to_lower(node.value);
  if (v == "true") {
    return true;
  }
  if (v == "false") {
    return false;
  }
  bool yes = v == "y" || v == "yes" || v == "on";
  bool no = v == "n" || v == "no" || v == "off";
  if (yes || no) {
    diag.warn(node.where, "\"" + node.value + "\" for boolean is not supported by YAML 1.2, please use \"" +
                              (yes ? "true" : "false") + "\" (" + path + ")");
    return yes;
  }
  diag.error(node.where, path + " must be a boolean (true or false), not \"" + node.value + "\"");
  return std::nullopt;
}

std::optional<int> read_int(const Node& node, const std::string& path, Diagnostics& diag) {
  if (node.is_scalar()) {
    int value = 0;
    const std::string& s = node.value;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size()) {
      return value;
    }
  }
  diag.error(node.where, path + " must be an integer, not " +
                             (node.is_scalar() ? "\"" + node.value + "\"" : std::string("a ") + kind_name(node)));
  return std::nullopt;
}

std::optional<Millis> read_duration(const Node& node, const std::string& path, Diagnostics& diag) {
  if (!node.is_scalar()) {
    diag.error(node.where, path + " must be a duration such as \"10s\" or \"1m30s\", not a " + kind_name(node));
    return std::nullopt;
  }
  auto d = util::parse_duration(node.value);
  if (!d) {
    diag.error(node.where, path + ": " + d.error());
    return std::nullopt;
  }
  return *d;
}

std::optional<std::vector<std::string>> read_string_list(const Node& node, const std::string& path, Diagnostics& diag,
                                                         bool allow_single) {
  std::vector<std::string> out;
  if (allow_single && node.is_scalar()) {
    out.push_back(node.value);
    return out;
  }
  if (node.is_null()) {
    return out;
  }
  if (!node.is_sequence()) {
    diag.error(node.where, path + " must be a list of strings, not a " + kind_name(node));
    return std::nullopt;
  }
  bool ok = true;
  for (size_t i = 0; i < node.items.size(); ++i) {
    auto s = read_string(node.items[i], path + "[" + std::to_string(i) + "]", diag);
    if (s) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

namespace {

// Keys whose loss changes the dependency graph (or which services exist).
bool shapes_graph(std::string_view key) {
  for (std::string_view k : {"depends_on", "links", "volumes_from", "network_mode", "profiles", "extends", "include",
                             "services", "condition", "required", "service", "file", "path", "project_directory"}) {
    if (k == key) {
      return true;
    }
  }
  return false;
}

}  // namespace

void check_keys(const Node& mapping, const std::string& path, const std::vector<std::string>& known, Diagnostics& diag,
                UnknownKeys severity) {
  for (const MapEntry& e : mapping.entries) {
    if (e.key.starts_with("x-")) {
      continue;
    }
    bool found = false;
    for (const std::string& k : known) {
      found = found || k == e.key;
    }
    if (found) {
      continue;
    }
    std::string message = path + ": unknown key \"" + e.key + "\"";
    auto suggestion = util::closest_match(e.key, known);
    if (suggestion) {
      message += " (did you mean \"" + *suggestion + "\"?)";
    }
    if (severity == UnknownKeys::error || (suggestion && shapes_graph(*suggestion))) {
      diag.error(e.key_where, message);
    } else {
      diag.warn(e.key_where, message + "; ignored");
    }
  }
}

}  // namespace stackgate::compose
