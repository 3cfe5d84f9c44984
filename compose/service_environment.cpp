// A service's container environment: env_file entries in order, then
// `environment` on top. Relative env_file paths were resolved by the loader.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compose/dotenv.h"
#include "compose/service_builder.h"

namespace stackgate::compose {

namespace {

struct EnvFileRef {
  std::string path;
  bool required = true;
  SourceLocation where;
};

std::vector<EnvFileRef> env_file_refs(const Node& node, const std::string& path, Diagnostics& diag) {
  std::vector<EnvFileRef> out;
  auto add = [&](const Node& item, const std::string& item_path) {
    if (item.is_scalar()) {
      out.push_back(EnvFileRef{item.value, true, item.where});
      return;
    }
    if (!item.is_mapping()) {
      diag.error(item.where, item_path + " must be a path or a mapping with path and required");
      return;
    }
    check_keys(item, item_path, {"path", "required", "format"}, diag, UnknownKeys::warning);
    const Node* p = item.find("path");
    if (!p || !p->is_scalar()) {
      diag.error(item.where, item_path + " must set path");
      return;
    }
    bool required = true;
    if (const Node* r = item.find("required")) {
      required = read_bool(*r, item_path + ".required", diag).value_or(true);
    }
    out.push_back(EnvFileRef{p->value, required, p->where});
  };
  if (node.is_sequence()) {
    for (size_t i = 0; i < node.items.size(); ++i) {
      add(node.items[i], path + "[" + std::to_string(i) + "]");
    }
  } else if (!node.is_null()) {
    add(node, path);
  }
  return out;
}

void read_env_file(const EnvFileRef& ref, const std::string& path, const std::map<std::string, std::string>& variables,
                   Service& out, Diagnostics& diag) {
  std::ifstream in(ref.path, std::ios::binary);
  if (!in || std::filesystem::is_directory(ref.path)) {
    if (ref.required) {
      diag.error(ref.where, path + ": env file " + ref.path + " not found");
    }
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto entries = parse_dotenv(text.str(), lookup_in(variables));
  if (!entries) {
    diag.error(SourceLocation{ref.path, entries.error().line, 0}, entries.error().message);
    return;
  }
  for (const auto& [key, value] : *entries) {
    out.environment[key] = value;
    out.environment_where[key] = SourceLocation{ref.path, 0, 0};
  }
}

void set_variable(std::string_view item, const SourceLocation& where, const std::map<std::string, std::string>& variables,
                  Service& out) {
  size_t eq = item.find('=');
  std::string key(item.substr(0, eq));
  if (eq != std::string_view::npos) {
    out.environment[key] = std::string(item.substr(eq + 1));
    out.environment_where[key] = where;
    return;
  }
  // A bare KEY takes its value from the environment, or is absent.
  if (auto it = variables.find(key); it != variables.end()) {
    out.environment[key] = it->second;
    out.environment_where[key] = where;
  } else {
    out.environment.erase(key);
    out.environment_where.erase(key);
  }
}

}  // namespace

void read_environment(const Node& service, const std::string& path, const std::map<std::string, std::string>& variables,
                      Service& out, Diagnostics& diag) {
  if (const Node* env_file = service.find("env_file")) {
    for (const EnvFileRef& ref : env_file_refs(*env_file, path + ".env_file", diag)) {
      read_env_file(ref, path + ".env_file", variables, out, diag);
    }
  }
  const Node* env = service.find("environment");
  if (!env || env->is_null()) {
    return;
  }
  if (env->is_sequence()) {
    for (size_t i = 0; i < env->items.size(); ++i) {
      const Node& item = env->items[i];
      if (!item.is_scalar()) {
        diag.error(item.where, path + ".environment[" + std::to_string(i) + "] must be a string (\"KEY=value\")");
        continue;
      }
      set_variable(item.value, item.where, variables, out);
    }
  } else if (env->is_mapping()) {
    for (const MapEntry& e : env->entries) {
      if (e.value.is_null()) {
        set_variable(e.key, e.key_where, variables, out);
      } else if (e.value.is_scalar()) {
        out.environment[e.key] = e.value.value;
        out.environment_where[e.key] = e.value.where;
      } else {
        diag.error(e.value.where, path + ".environment." + e.key + " must be a string, a number or a boolean");
      }
    }
  } else {
    diag.error(env->where, path + ".environment must be a list or a mapping");
  }
}

}  // namespace stackgate::compose
