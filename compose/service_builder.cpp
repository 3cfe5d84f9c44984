#include "compose/service_builder.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "compose/ports.h"
#include "compose/shell_words.h"

namespace stackgate::compose {

namespace {

// compose-spec schema, service properties.
const std::vector<std::string> k_service_keys = {
    "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "command",
    "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
    "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on", "deploy", "develop",
    "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint", "env_file",
    "environment", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add", "healthcheck",
    "hostname", "image", "init", "ipc", "isolation", "label_file", "labels", "links", "logging", "mac_address",
    "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode", "networks",
    "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start", "pre_stop",
    "privileged", "profiles", "provider", "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime",
    "scale", "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt",
    "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user", "userns_mode", "uts", "volumes",
    "volumes_from", "working_dir",
    // Removed from the spec but still accepted by Docker Compose.
    "volume_driver", "cpu_count", "dockerfile", "net"};

// compose-go's format.ParseVolume, errors only: a short volume spec is
// split on ':' (not inside ${...}, not after a one-letter drive) into
// source:target:options; an empty section or a fourth one is an error.
std::optional<std::string> volume_spec_error(std::string_view spec) {
  if (spec.empty()) {
    return "invalid empty volume spec";
  }
  if (spec.size() <= 2) {
    return std::nullopt;
  }
  int sections = 0;
  std::string buffer;
  int in_substitution = 0;
  for (size_t i = 0; i <= spec.size(); ++i) {
    char c = i < spec.size() ? spec[i] : '\0';
    bool end = i == spec.size();
    if (!end && c == '$' && i + 1 < spec.size() && spec[i + 1] == '{') {
      ++in_substitution;
      buffer += c;
      continue;
    }
    if (!end && c == '}' && in_substitution > 0) {
      --in_substitution;
      buffer += c;
      continue;
    }
    bool drive = c == ':' && buffer.size() == 1 && std::isalpha(static_cast<unsigned char>(buffer[0]));
    if (!drive && (c == ':' || end) && in_substitution == 0) {
      if (buffer.empty()) {
        return "invalid spec: " + std::string(spec) + ": empty section between colons";
      }
      if (sections >= 2 && !end) {
        return "invalid spec: " + std::string(spec) + ": too many colons";
      }
      ++sections;
      buffer.clear();
    } else {
      buffer += c;
    }
  }
  return std::nullopt;
}

void check_volumes(const Node& node, const std::string& path, Diagnostics& diag) {
  if (!node.is_sequence()) {
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    const Node& item = node.items[i];
    if (!item.is_scalar()) {
      continue;
    }
    if (auto error = volume_spec_error(item.value)) {
      diag.error(item.where, path + "[" + std::to_string(i) + "]: " + *error);
    }
  }
}

// The schema's uniqueItems on lists that compose-go neither merges into a
// mapping nor de-duplicates (override.EnforceUnicity): two equal items fail
// validation, "services.a.depends_on items at 0 and 1 are equal".
void check_unique_items(const Node& service, const std::string& path, Diagnostics& diag) {
  for (const char* key : {"depends_on", "volumes_from", "external_links", "group_add", "security_opt",
                          "device_cgroup_rules"}) {
    const Node* list = service.find(key);
    if (!list || !list->is_sequence()) {
      continue;
    }
    for (size_t j = 1; j < list->items.size(); ++j) {
      for (size_t i = 0; i < j; ++i) {
        const Node& a = list->items[i];
        const Node& b = list->items[j];
        if (a.is_scalar() && b.is_scalar() && a.value == b.value) {
          diag.error(b.where, path + "." + key + " items at " + std::to_string(i) + " and " + std::to_string(j) +
                                  " are equal");
          i = j;  // one error per duplicate
        }
      }
    }
  }
}

std::vector<std::string> read_command(const Node& node, const std::string& path, Diagnostics& diag) {
  if (node.is_null()) {
    return {};
  }
  if (node.is_scalar()) {
    auto words = split_shell_words(node.value);
    if (!words) {
      diag.error(node.where, path + ": " + words.error() + " in \"" + node.value + "\"");
      return {};
    }
    return *words;
  }
  auto list = read_string_list(node, path, diag);
  return list ? *list : std::vector<std::string>{};
}

void read_build(const Node& node, const std::string& path, Service& out, Diagnostics& diag) {
  if (node.is_scalar()) {
    out.build_context = node.value;
  } else if (node.is_mapping()) {
    const Node* context = node.find("context");
    out.build_context = context && context->is_scalar() ? context->value : ".";
    if (const Node* dockerfile = node.find("dockerfile"); dockerfile && dockerfile->is_scalar()) {
      out.build_dockerfile = dockerfile->value;
    }
    if (const Node* inline_text = node.find("dockerfile_inline"); inline_text && inline_text->is_scalar()) {
      out.build_dockerfile_inline = inline_text->value;
    }
    if (const Node* target = node.find("target"); target && target->is_scalar()) {
      out.build_target = target->value;
    }
    if (const Node* args = node.find("args")) {
      if (args->is_mapping()) {
        for (const MapEntry& e : args->entries) {
          if (e.value.is_scalar()) out.build_args[e.key] = e.value.value;
        }
      } else if (args->is_sequence()) {
        for (const Node& item : args->items) {
          size_t eq = item.is_scalar() ? item.value.find('=') : std::string::npos;
          if (eq != std::string::npos) out.build_args[item.value.substr(0, eq)] = item.value.substr(eq + 1);
        }
      }
    }
  } else if (!node.is_null()) {
    diag.error(node.where, path + " must be a string or a mapping");
  }
}

void read_ports(const Node& node, const std::string& path, Service& out, Diagnostics& diag) {
  if (!node.is_sequence()) {
    if (!node.is_null()) {
      diag.error(node.where, path + " must be a list");
    }
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    auto mappings = parse_port(node.items[i]);
    if (!mappings) {
      diag.error(node.items[i].where, path + "[" + std::to_string(i) + "]: " + mappings.error());
      continue;
    }
    for (PortMapping& m : *mappings) m.where = node.items[i].where;
    out.ports.insert(out.ports.end(), mappings->begin(), mappings->end());
  }
}

void read_expose(const Node& node, const std::string& path, Service& out, Diagnostics& diag) {
  if (!node.is_sequence()) {
    if (!node.is_null()) {
      diag.error(node.where, path + " must be a list");
    }
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    auto port = node.items[i].is_scalar() ? parse_expose(node.items[i].value)
                                          : std::expected<int, std::string>(std::unexpected("must be a port"));
    if (!port) {
      diag.error(node.items[i].where, path + "[" + std::to_string(i) + "]: " + port.error());
      continue;
    }
    out.expose.push_back(*port);
  }
}

void read_healthcheck(const Node& node, const std::string& path, Service& out, Diagnostics& diag) {
  if (node.is_null()) {
    return;
  }
  if (!node.is_mapping()) {
    diag.error(node.where, path + " must be a mapping");
    return;
  }
  Healthcheck hc;
  if (const Node* test = node.find("test")) {
    if (test->is_scalar()) {
      hc.test = {"CMD-SHELL", test->value};
    } else if (auto list = read_string_list(*test, path + ".test", diag)) {
      hc.test = *list;
      if (!hc.test.empty() && hc.test[0] != "CMD" && hc.test[0] != "CMD-SHELL" && hc.test[0] != "NONE") {
        diag.error(test->where, path + ".test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"");
      }
    }
  }
  if (const Node* disable = node.find("disable")) {
    hc.disabled = read_bool(*disable, path + ".disable", diag).value_or(false);
  }
  if (!hc.test.empty() && hc.test[0] == "NONE") {
    hc.disabled = true;
  }
  if (hc.disabled) {
    hc.test = {"NONE"};
  }
  auto duration = [&](const char* key, std::optional<Millis>& into) {
    if (const Node* n = node.find(key); n && !n->is_null()) {
      into = read_duration(*n, path + "." + key, diag);
    }
  };
  duration("interval", hc.interval);
  duration("timeout", hc.timeout);
  duration("start_period", hc.start_period);
  duration("start_interval", hc.start_interval);
  if (const Node* retries = node.find("retries"); retries && !retries->is_null()) {
    hc.retries = read_int(*retries, path + ".retries", diag);
  }
  out.healthcheck = hc;
}

void read_labels(const Node& node, const std::string& path, Service& out, Diagnostics& diag) {
  if (node.is_sequence()) {
    for (const Node& item : node.items) {
      if (!item.is_scalar()) {
        diag.error(item.where, path + " entries must be strings (\"key=value\")");
        continue;
      }
      size_t eq = item.value.find('=');
      out.labels[item.value.substr(0, eq)] = eq == std::string::npos ? "" : item.value.substr(eq + 1);
    }
  } else if (node.is_mapping()) {
    for (const MapEntry& e : node.entries) {
      out.labels[e.key] = e.value.is_scalar() ? e.value.value : "";
    }
  } else if (!node.is_null()) {
    diag.error(node.where, path + " must be a list or a mapping");
  }
}

void read_networks(const Node& node, const std::string& path, Service& out, Diagnostics& diag) {
  if (node.is_sequence() || node.is_null()) {
    return;
  }
  if (!node.is_mapping()) {
    diag.error(node.where, path + " must be a list or a mapping");
    return;
  }
  for (const MapEntry& e : node.entries) {
    if (const Node* aliases = e.value.find("aliases")) {
      if (auto list = read_string_list(*aliases, path + "." + e.key + ".aliases", diag)) {
        for (const std::string& alias : *list) {
          if (std::find(out.network_aliases.begin(), out.network_aliases.end(), alias) == out.network_aliases.end()) {
            out.network_aliases.push_back(alias);
          }
        }
      }
    }
  }
}

void read_replicas(const Node& node, const std::string& path, Service& out, Diagnostics& diag) {
  std::optional<int> scale;
  if (const Node* n = node.find("scale"); n && !n->is_null()) {
    scale = read_int(*n, path + ".scale", diag);
  }
  std::optional<int> replicas;
  if (const Node* deploy = node.find("deploy")) {
    if (const Node* n = deploy->find("replicas"); n && !n->is_null()) {
      replicas = read_int(*n, path + ".deploy.replicas", diag);
    }
  }
  if (scale && replicas && *scale != *replicas) {
    diag.error(node.find("scale")->where, path + ": can't set distinct values on 'scale' and 'deploy.replicas'");
  }
  out.replicas = replicas ? replicas : scale;
}

void read_scalar(const Node& node, const char* key, const std::string& path, std::string& into, Diagnostics& diag) {
  if (const Node* n = node.find(key); n && !n->is_null()) {
    into = read_string(*n, path + "." + key, diag).value_or("");
  }
}

}  // namespace

Service build_service(const MapEntry& entry, const std::map<std::string, std::string>& variables, Diagnostics& diag) {
  Service out;
  out.name = entry.key;
  out.where = entry.key_where;
  std::string path = "services." + entry.key;
  const Node& node = entry.value;
  if (node.is_null()) {
    return out;
  }
  if (!node.is_mapping()) {
    diag.error(node.where, path + " must be a mapping");
    return out;
  }
  check_keys(node, path, k_service_keys, diag, UnknownKeys::warning);
  check_unique_items(node, path, diag);
  read_scalar(node, "image", path, out.image, diag);
  read_scalar(node, "hostname", path, out.hostname, diag);
  read_scalar(node, "container_name", path, out.container_name, diag);
  if (const Node* n = node.find("build")) {
    read_build(*n, path + ".build", out, diag);
  }
  if (const Node* n = node.find("command")) {
    out.command = read_command(*n, path + ".command", diag);
  }
  if (const Node* n = node.find("entrypoint")) {
    out.entrypoint = read_command(*n, path + ".entrypoint", diag);
  }
  if (const Node* n = node.find("expose")) {
    read_expose(*n, path + ".expose", out, diag);
  }
  if (const Node* n = node.find("ports")) {
    read_ports(*n, path + ".ports", out, diag);
  }
  if (const Node* n = node.find("volumes")) {
    check_volumes(*n, path + ".volumes", diag);
  }
  if (const Node* n = node.find("profiles")) {
    out.profiles = read_string_list(*n, path + ".profiles", diag).value_or(std::vector<std::string>{});
  }
  if (const Node* n = node.find("healthcheck")) {
    read_healthcheck(*n, path + ".healthcheck", out, diag);
  }
  if (const Node* n = node.find("labels")) {
    read_labels(*n, path + ".labels", out, diag);
  }
  if (const Node* n = node.find("networks")) {
    read_networks(*n, path + ".networks", out, diag);
  }
  read_replicas(node, path, out, diag);
  read_environment(node, path, variables, out, diag);
  read_depends_on(node, path, out, diag);
  read_stackgate(node, path, out, diag);
  return out;
}

}  // namespace stackgate::compose
