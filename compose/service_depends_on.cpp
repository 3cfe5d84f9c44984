// depends_on (short and long syntax) and the implicit dependencies compose-go
// adds in loader/normalize.go: links, network_mode|ipc|pid|uts|cgroup
// `service:X` and volumes_from (not `container:`), each only when no entry
// for that target exists yet.
#include "compose/service_builder.h"

#include "util/strings.h"

namespace stackgate::compose {

namespace {

const std::vector<std::string> k_conditions = {"service_started", "service_healthy", "service_completed_successfully"};

std::optional<Condition> parse_condition(const Node& node, const std::string& path, Diagnostics& diag) {
  auto text = read_string(node, path, diag);
  if (!text) {
    return std::nullopt;
  }
  if (*text == "service_started") {
    return Condition::service_started;
  }
  if (*text == "service_healthy") {
    return Condition::service_healthy;
  }
  if (*text == "service_completed_successfully") {
    return Condition::service_completed_successfully;
  }
  std::string message = path + ": unknown condition \"" + *text + "\"";
  if (auto suggestion = util::closest_match(*text, k_conditions)) {
    message += " (did you mean \"" + *suggestion + "\"?)";
  } else {
    message += "; use service_started, service_healthy or service_completed_successfully";
  }
  diag.error(node.where, message);
  return std::nullopt;
}

void read_long_entry(const MapEntry& e, const std::string& path, Service& out, Diagnostics& diag) {
  Dependency dep;
  dep.service = e.key;
  dep.via = "depends_on";
  dep.where = e.key_where;
  const Node& spec = e.value;
  if (!spec.is_mapping() && !spec.is_null()) {
    diag.error(spec.where, path + " must be a mapping with condition, required and restart");
    return;
  }
  check_keys(spec, path, {"condition", "required", "restart"}, diag, UnknownKeys::warning);
  const Node* condition = spec.find("condition");
  if (!condition) {
    diag.error(e.key_where, path +
                                " must set condition (service_started, service_healthy or "
                                "service_completed_successfully) in the long syntax");
  } else if (auto c = parse_condition(*condition, path + ".condition", diag)) {
    dep.condition = *c;
  }
  if (const Node* required = spec.find("required"); required && !required->is_null()) {
    dep.required = read_bool(*required, path + ".required", diag).value_or(true);
  }
  if (const Node* restart = spec.find("restart"); restart && !restart->is_null()) {
    dep.restart = read_bool(*restart, path + ".restart", diag).value_or(false);
  }
  out.depends_on.push_back(std::move(dep));
}

bool has_dependency(const Service& s, std::string_view target) {
  for (const Dependency& d : s.depends_on) {
    if (d.service == target) {
      return true;
    }
  }
  return false;
}

void add_implicit(Service& s, std::string target, const char* via, bool restart, const SourceLocation& where) {
  if (target.empty() || has_dependency(s, target)) {
    return;
  }
  Dependency dep;
  dep.service = std::move(target);
  dep.required = true;
  dep.restart = restart;
  dep.implicit = true;
  dep.via = via;
  dep.where = where;
  s.depends_on.push_back(std::move(dep));
}

void add_implicit_dependencies(const Node& node, Service& out) {
  if (const Node* links = node.find("links"); links && links->is_sequence()) {
    for (const Node& link : links->items) {
      if (link.is_scalar()) {
        add_implicit(out, link.value.substr(0, link.value.find(':')), "links", true, link.where);
      }
    }
  }
  for (const char* key : {"network_mode", "ipc", "pid", "uts", "cgroup"}) {
    const Node* n = node.find(key);
    if (n && n->is_scalar() && n->value.starts_with("service:")) {
      add_implicit(out, n->value.substr(8), key, true, n->where);
    }
  }
  if (const Node* volumes = node.find("volumes_from"); volumes && volumes->is_sequence()) {
    for (const Node& v : volumes->items) {
      if (v.is_scalar() && !v.value.starts_with("container:")) {
        add_implicit(out, v.value.substr(0, v.value.find(':')), "volumes_from", false, v.where);
      }
    }
  }
}

}  // namespace

void read_depends_on(const Node& service, const std::string& path, Service& out, Diagnostics& diag) {
  const Node* node = service.find("depends_on");
  std::string dpath = path + ".depends_on";
  if (node && node->is_sequence()) {
    for (size_t i = 0; i < node->items.size(); ++i) {
      const Node& item = node->items[i];
      if (!item.is_scalar()) {
        diag.error(item.where, dpath + "[" + std::to_string(i) + "] must be a service name");
        continue;
      }
      if (has_dependency(out, item.value)) {
        continue;
      }
      Dependency dep;
      dep.service = item.value;
      dep.via = "depends_on";
      dep.where = item.where;
      out.depends_on.push_back(std::move(dep));
    }
  } else if (node && node->is_mapping()) {
    for (const MapEntry& e : node->entries) {
      read_long_entry(e, dpath + "." + e.key, out, diag);
    }
  } else if (node && !node->is_null()) {
    diag.error(node->where, dpath + " must be a list or a mapping");
  }
  add_implicit_dependencies(service, out);
}

}  // namespace stackgate::compose
