#include "compose/model_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compose/dotenv.h"
#include "compose/interpolation.h"
#include "compose/merge.h"
#include "compose/yaml_reader.h"
#include "util/strings.h"

namespace stackgate::compose {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> k_top_level_keys = {"version", "name",    "include", "services", "networks",
                                                    "volumes", "secrets", "configs", "models"};

std::optional<std::string> read_text(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool is_remote(std::string_view path) {
  return path.find("://") != std::string_view::npos || path.starts_with("git@") || path.starts_with("github.com/");
}

// env_file and build context are relative to the project directory (or,
// for another file's services, to that file's directory).
void resolve_service_paths(Node& service, const std::string& dir) {
  if (Node* env_file = service.find("env_file")) {
    auto fix = [&](Node& item) {
      Node* path = item.is_mapping() ? item.find("path") : &item;
      if (path && path->is_scalar()) {
        path->value = resolve_path(dir, path->value);
      }
    };
    if (env_file->is_sequence()) {
      std::for_each(env_file->items.begin(), env_file->items.end(), fix);
    } else {
      fix(*env_file);
    }
  }
  if (Node* build = service.find("build")) {
    Node* context = build->is_mapping() ? build->find("context") : build;
    if (context && context->is_scalar() && !is_remote(context->value)) {
      context->value = resolve_path(dir, context->value);
    }
  }
}

std::vector<std::string> string_or_list(const Node* node) {
  std::vector<std::string> out;
  if (!node) {
    return out;
  }
  if (node->is_scalar()) {
    out.push_back(node->value);
  }
  for (const Node& item : node->items) {
    if (item.is_scalar()) {
      out.push_back(item.value);
    }
  }
  return out;
}

}  // namespace

std::string resolve_path(const std::string& dir, const std::string& path) {
  if (path.empty()) {
    return dir;
  }
  fs::path p(path);
  if (path.starts_with("~/")) {
    return path;  // left as written: no HOME lookups here
  }
  if (p.is_absolute()) {
    return p.lexically_normal().string();
  }
  std::string out = (fs::path(dir) / p).lexically_normal().string();
  if (out.size() > 1 && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

std::string parent_dir(const std::string& file) { return fs::path(file).parent_path().string(); }

std::string ModelLoader::display_name(const std::string& absolute) const {
  fs::path relative = fs::path(absolute).lexically_relative(m_cwd);
  if (relative.empty() || relative.begin()->string() == "..") {
    return absolute;
  }
  return relative.string();
}

const std::vector<Node>* ModelLoader::documents(const std::string& file, const SourceLocation& referenced_from) {
  if (auto it = m_documents.find(file); it != m_documents.end()) {
    return &it->second;
  }
  std::optional<std::string> text = read_text(file);
  if (!text) {
    if (!m_missing.insert(file).second) {
      return nullptr;  // reported already
    }
    if (referenced_from.line > 0) {
      m_diag.error(referenced_from, "file " + display_name(file) + " not found");
    } else {
      m_diag.error(SourceLocation{display_name(file), 0, 0}, "compose file not found");
    }
    return nullptr;
  }
  m_files.push_back(file);
  YamlDocuments parsed = read_yaml(*text, display_name(file));
  m_diag.errors.insert(m_diag.errors.end(), parsed.errors.begin(), parsed.errors.end());
  for (const Node& doc : parsed.documents) {
    if (!doc.is_mapping()) {
      m_diag.error(doc.where, "a compose file must be a mapping (services, networks, ...), not a " +
                                  std::string(kind_name(doc)));
    }
  }
  std::erase_if(parsed.documents, [](const Node& doc) { return !doc.is_mapping(); });
  return &(m_documents[file] = std::move(parsed.documents));
}

std::optional<std::string> ModelLoader::project_name_in(const std::string& file, const ModelScope& scope) {
  const std::vector<Node>* docs = documents(file, {});
  std::optional<std::string> name;
  for (const Node& doc : docs ? *docs : std::vector<Node>{}) {
    if (const Node* n = doc.find("name"); n && n->is_scalar()) {
      Node copy = *n;
      util::ConfigErrors ignored;
      std::vector<Warning> unused;
      interpolate_tree(copy, lookup_in(scope.variables), "name", ignored, unused);
      name = copy.value;
    }
  }
  return name;
}

Node ModelLoader::load(const std::vector<std::string>& files, const ModelScope& scope,
                       const SourceLocation& referenced_from) {
  Node model = Node::mapping();
  for (const std::string& file : files) {
    const std::vector<Node>* docs = documents(file, referenced_from);
    if (!docs) {
      continue;
    }
    m_include_stack.push_back(file);
    for (Node doc : *docs) {
      process(doc, file, scope);
      merge_documents(model, doc);
    }
    m_include_stack.pop_back();
  }
  strip_tags(model);
  return model;
}

void ModelLoader::process(Node& doc, const std::string& file, const ModelScope& scope) {
  // An unknown top-level key is a warning (a newer spec), except in the
  // v1 format (services at the top level, no `services:`), which Compose
  // rejects too: ignoring it would give an empty plan.
  bool v1_format = false;
  if (!doc.find("services")) {
    for (const MapEntry& e : doc.entries) {
      bool known = e.key.starts_with("x-") ||
                   std::find(k_top_level_keys.begin(), k_top_level_keys.end(), e.key) != k_top_level_keys.end();
      if (!known && e.value.is_mapping() && (e.value.find("image") || e.value.find("build"))) {
        v1_format = true;
        m_diag.error(e.key_where, "(root): unknown key \"" + e.key +
                                      "\": services must be under `services:` (the Compose file format v1 is not "
                                      "supported)");
      }
    }
  }
  if (!v1_format) {
    check_keys(doc, "(root)", k_top_level_keys, m_diag, UnknownKeys::warning);
  }
  if (const Node* version = doc.find("version")) {
    m_diag.warn(version->where, "the attribute `version` is obsolete, it will be ignored");
    doc.erase("version");
  }
  interpolate_tree(doc, lookup_in(scope.variables), "", m_diag.errors, m_diag.warnings);
  Node* services = doc.find("services");
  if (services && !services->is_mapping() && !services->is_null()) {
    m_diag.error(services->where, "services must be a mapping");
    doc.erase("services");
    services = nullptr;
  }
  if (services) {
    for (MapEntry& e : services->entries) {
      resolve_service_paths(e.value, scope.project_dir);
    }
  }
  apply_includes(doc, file, scope);
  apply_extends(doc, file, scope);
}

// include: [path, ...] or [{path: str|[str], project_directory, env_file: str|[str]}].
// Each entry is a model of its own; the including file overrides it.
void ModelLoader::apply_includes(Node& doc, const std::string& file, const ModelScope& scope) {
  const Node* include = doc.find("include");
  if (!include) {
    return;
  }
  if (!include->is_sequence()) {
    if (!include->is_null()) {
      m_diag.error(include->where, "include must be a list");
    }
    doc.erase("include");
    return;
  }
  Node included_model = Node::mapping();
  for (size_t i = 0; i < include->items.size(); ++i) {
    const Node& entry = include->items[i];
    std::string path = "include[" + std::to_string(i) + "]";
    std::vector<std::string> paths;
    std::string project_dir;
    std::vector<std::string> env_files;
    if (entry.is_scalar()) {
      paths.push_back(entry.value);
    } else if (entry.is_mapping()) {
      check_keys(entry, path, {"path", "project_directory", "env_file"}, m_diag, UnknownKeys::warning);
      paths = string_or_list(entry.find("path"));
      if (const Node* dir = entry.find("project_directory"); dir && dir->is_scalar()) {
        project_dir = resolve_path(scope.project_dir, dir->value);
      }
      env_files = string_or_list(entry.find("env_file"));
    }
    if (paths.empty()) {
      m_diag.error(entry.where, path + " must be a path or a mapping with path");
      continue;
    }
    for (std::string& p : paths) {
      p = resolve_path(scope.project_dir, p);
      if (std::find(m_include_stack.begin(), m_include_stack.end(), p) != m_include_stack.end()) {
        std::string cycle;
        for (const std::string& f : m_include_stack) {
          cycle += display_name(f) + " -> ";
        }
        m_diag.error(entry.where, "include cycle detected: " + cycle + display_name(p));
        return;
      }
    }
    ModelScope inner;
    inner.project_dir = project_dir.empty() ? parent_dir(paths.front()) : project_dir;
    if (env_files.empty()) {
      env_files.push_back(".env");
    }
    std::map<std::string, std::string> from_files;
    for (const std::string& env_file : env_files) {
      std::string env_path = resolve_path(entry.is_mapping() && entry.find("env_file") ? scope.project_dir : inner.project_dir, env_file);
      std::optional<std::string> text = read_text(env_path);
      if (!text) {
        if (entry.is_mapping() && entry.find("env_file")) {
          m_diag.error(entry.find("env_file")->where, path + ": env file " + display_name(env_path) + " not found");
        }
        continue;
      }
      auto parsed = parse_dotenv(*text, lookup_in(scope.variables));
      if (!parsed) {
        m_diag.error(SourceLocation{display_name(env_path), parsed.error().line, 0}, parsed.error().message);
        continue;
      }
      for (auto& [k, v] : *parsed) {
        from_files[k] = v;
      }
    }
    // The including model's variables win over the included .env.
    inner.variables = from_files;
    for (const auto& [k, v] : scope.variables) {
      inner.variables[k] = v;
    }
    Node loaded = load(paths, inner, entry.where);
    merge_documents(included_model, loaded);
  }
  doc.erase("include");
  merge_documents(included_model, doc);
  doc = std::move(included_model);
}

void ModelLoader::apply_extends(Node& doc, const std::string& file, const ModelScope& scope) {
  Node* services = doc.find("services");
  if (!services || !services->is_mapping()) {
    return;
  }
  Node original = *services;
  for (MapEntry& e : services->entries) {
    if (e.value.find("extends")) {
      std::vector<std::string> chain;
      e.value = resolve_extends(e.key, original, file, scope, chain);
    }
  }
}

std::optional<Node> ModelLoader::services_of_file(const std::string& file, const ModelScope& scope,
                                                  const SourceLocation& from) {
  const std::vector<Node>* docs = documents(file, from);
  if (!docs) {
    return std::nullopt;
  }
  Node merged = Node::mapping();
  for (Node doc : *docs) {
    interpolate_tree(doc, lookup_in(scope.variables), "", m_diag.errors, m_diag.warnings);
    if (Node* services = doc.find("services"); services && services->is_mapping()) {
      for (MapEntry& e : services->entries) {
        resolve_service_paths(e.value, scope.project_dir);
      }
    }
    merge_documents(merged, doc);
  }
  const Node* services = merged.find("services");
  return services && services->is_mapping() ? *services : Node::mapping();
}

// The service `name` of `services` (from `file`) with its extends chain
// applied: base first, the local definition on top.
Node ModelLoader::resolve_extends(const std::string& name, const Node& services, const std::string& file,
                                  const ModelScope& scope, std::vector<std::string>& chain) {
  const Node* local = services.find(name);
  if (!local) {
    return Node::mapping();
  }
  const Node* extends = local->find("extends");
  if (!extends) {
    return *local;
  }
  Node result = *local;
  result.erase("extends");
  std::string path = "services." + name + ".extends";
  std::string base_name;
  std::string base_file = file;
  if (extends->is_scalar()) {
    base_name = extends->value;
  } else if (extends->is_mapping()) {
    check_keys(*extends, path, {"service", "file"}, m_diag, UnknownKeys::warning);
    if (const Node* s = extends->find("service"); s && s->is_scalar()) {
      base_name = s->value;
    }
    if (const Node* f = extends->find("file"); f && f->is_scalar()) {
      base_file = resolve_path(parent_dir(file), f->value);
    }
  }
  if (base_name.empty()) {
    m_diag.error(extends->where, path + " must name a service: `extends: base` or `extends: {service: base, file: ...}`");
    return result;
  }
  std::string key = base_file + "#" + base_name;
  std::string here = file + "#" + name;
  if (chain.empty()) {
    chain.push_back(here);
  }
  if (std::find(chain.begin(), chain.end(), key) != chain.end()) {
    std::string cycle;
    for (const std::string& link : chain) {
      cycle += link.substr(link.rfind('#') + 1) + " -> ";
    }
    m_diag.error(extends->where, "extends cycle detected: " + cycle + base_name);
    return result;
  }
  Node base;
  if (base_file == file) {
    if (!services.find(base_name)) {
      std::string message = path + ": service \"" + base_name + "\" not found";
      std::vector<std::string> names;
      for (const MapEntry& e : services.entries) {
        names.push_back(e.key);
      }
      if (auto suggestion = util::closest_match(base_name, names)) {
        message += " (did you mean \"" + *suggestion + "\"?)";
      }
      m_diag.error(extends->where, message);
      return result;
    }
    chain.push_back(key);
    base = resolve_extends(base_name, services, file, scope, chain);
  } else {
    ModelScope other{scope.variables, parent_dir(base_file)};
    const Node* file_node = extends->find("file");
    std::optional<Node> other_services = services_of_file(base_file, other, file_node->where);
    if (!other_services) {
      return result;
    }
    if (!other_services->find(base_name)) {
      m_diag.error(extends->where,
                   path + ": service \"" + base_name + "\" not found in " + display_name(base_file));
      return result;
    }
    chain.push_back(key);
    base = resolve_extends(base_name, *other_services, base_file, other, chain);
  }
  chain.pop_back();
  return merge_service(base, result);
}

}  // namespace stackgate::compose
