#include "compose/infer_support.h"

#include <charconv>

#include "compose/family_evidence.h"
#include "compose/shell_words.h"

namespace stackgate::compose::infer_detail {

std::optional<EnvHit> env(const Service& service, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    auto it = service.environment.find(std::string(name));
    if (it == service.environment.end() || it->second.empty()) {
      continue;
    }
    EnvHit hit{std::string(name), it->second, {}};
    if (auto w = service.environment_where.find(hit.name); w != service.environment_where.end()) {
      hit.where = w->second;
    }
    return hit;
  }
  return std::nullopt;
}

std::string from_env(const EnvHit& hit) {
  std::string at = util::format_location(hit.where);
  return hit.name + " from environment" + (at.empty() ? "" : " (" + at + ")");
}

namespace {

std::string resolve_container_variable(const Service& service, std::string value) {
  if (!value.starts_with('$')) {
    return value;
  }
  std::string name = value.substr(1);
  if (name.starts_with('{') && name.ends_with('}')) {
    name = name.substr(1, name.size() - 2);
  }
  auto it = service.environment.find(name);
  return it == service.environment.end() ? value : it->second;
}

}  // namespace

std::optional<std::string> flag_value(const Service& service, std::initializer_list<std::string_view> flags) {
  std::vector<std::string> words = command_words(service);
  for (size_t i = 0; i < words.size(); ++i) {
    for (std::string_view flag : flags) {
      if (words[i] == flag && i + 1 < words.size()) {
        return resolve_container_variable(service, words[i + 1]);
      }
      std::string prefix = std::string(flag) + "=";
      if (words[i].starts_with(prefix)) {
        return resolve_container_variable(service, words[i].substr(prefix.size()));
      }
    }
  }
  return std::nullopt;
}

std::string ref_source(const Hints& hints) {
  if (!hints.ref) return "";
  std::string at = util::format_location(hints.ref->where);
  return hints.ref->variable + " of service " + hints.ref_owner + (at.empty() ? "" : " (" + at + ")");
}

std::optional<int> to_port(std::string_view text) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port <= 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::optional<Endpoint> endpoint(const Service& service, int container_port, std::string_view what, AddressMode mode,
                                 Provenance& provenance, std::vector<std::string>& notes) {
  if (mode == AddressMode::service) {
    provenance.emplace_back("host", "service name");
    return Endpoint{service.name, container_port};
  }
  for (const PortMapping& p : service.ports) {
    if (p.target != container_port || p.published == 0 || p.protocol != "tcp") {
      continue;
    }
    // Only an unset host_ip or a wildcard (0.0.0.0, ::) publishes on every
    // interface; a mapping bound to 127.0.0.1 is loopback only.
    bool every_interface = p.host_ip.empty() || p.host_ip == "0.0.0.0" || p.host_ip == "::";
    std::string host = "127.0.0.1";
    if (!every_interface) host = p.host_ip.find(':') != std::string::npos ? "[" + p.host_ip + "]" : p.host_ip;
    provenance.emplace_back("host", every_interface ? "published on all interfaces, probed on 127.0.0.1"
                                                    : "published on host_ip " + p.host_ip);
    provenance.emplace_back("published", "host port " + std::to_string(p.published) + " for container port " +
                                             std::to_string(container_port));
    return Endpoint{host, p.published};
  }
  notes.push_back("service \"" + service.name + "\": port " + std::to_string(container_port) + " (" +
                  std::string(what) + ") is not published: no probe from the host");
  return std::nullopt;
}

}  // namespace stackgate::compose::infer_detail
