#include "compose/model_loader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <expected>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "compose/dotenv.h"
#include "compose/interpolation.h"
#include "compose/merge.h"
#include "compose/yaml_reader.h"
#include "util/cancel.h"
#include "util/diagnostics.h"
#include "util/strings.h"

namespace stackgate::compose {

namespace fs = std::filesystem;

namespace {

// Real projects include a handful of files; this bounds the work (and the
// include nesting, hence the stack) whatever the files do.
constexpr size_t k_max_include_loads = 1000;

const std::vector<std::string> k_top_level_keys = {"version", "name",    "include", "services", "networks",
                                                    "volumes", "secrets", "configs", "models"};

// The text of `path`, or why it cannot be had. Pipes (`-f <(...)`) and
// character devices are read like files, as Compose does; "-" is standard
// input.
// "Permission denied" -> "permission denied", to sit inside a sentence.
std::string reason_of(const std::error_code& ec) {
  std::string text = ec.message();
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

std::expected<std::string, std::string> read_source(const std::string& path) {
  if (path == k_stdin_path) {
    std::stringstream text;
    text << std::cin.rdbuf();
    return text.str();
  }
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      return std::unexpected("not found");
    }
    return std::unexpected("cannot read: " + reason_of(ec));
  }
  if (fs::is_directory(status)) {
    return std::unexpected("is a directory");
  }
  if (!fs::is_regular_file(status) && !fs::is_fifo(status) && !fs::is_character_file(status)) {
    return std::unexpected("is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::unexpected("cannot read: " + reason_of(std::error_code(errno, std::generic_category())));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::string> read_text(const std::string& path) {
  auto text = read_source(path);
  if (!text) {
    return std::nullopt;
  }
  return std::move(*text);
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

std::string parent_dir(const std::string& file) {
  if (file == k_stdin_path) {
    std::error_code ec;
    return fs::current_path(ec).string();  // as Compose: standard input lives in the working directory
  }
  return fs::path(file).parent_path().string();
}

std::string ModelLoader::display_name(const std::string& absolute) const {
  if (absolute == k_stdin_path) {
    return "stdin";
  }
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
  auto text = read_source(file);
  if (!text) {
    if (!m_missing.insert(file).second) {
      return nullptr;  // reported already
    }
    // "not found", "is a directory", "cannot read: permission denied", ...
    std::string why = text.error();
    if (referenced_from.line > 0) {
      m_diag.error(referenced_from, "file " + display_name(file) + (why.starts_with("cannot") ? ": " : " ") + why);
    } else {
      m_diag.error(SourceLocation{display_name(file), 0, 0},
                   why.starts_with("cannot") ? "cannot read compose file: " + why.substr(13) : "compose file " + why);
    }
    return nullptr;
  }
  m_files.push_back(file);
  if (file == k_stdin_path) {
    util::remember_source(display_name(file), *text);  // so errors can show its lines
  }
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
  // Both branches lvalues: `docs ? *docs : std::vector<Node>{}` would copy
  // every document (a large file's whole tree) only to read its name.
  static const std::vector<Node> k_no_documents;
  for (const Node& doc : docs ? *docs : k_no_documents) {
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
      if (util::cancel_requested()) {
        break;
      }
      process(doc, file, scope);
      merge_documents(model, std::move(doc));
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
  if (util::cancel_requested()) {
    return;
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
    std::string key;
    for (const std::string& p : paths) key += p + '\n';
    key += inner.project_dir + '\n';
    for (const auto& [k, v] : inner.variables) key += k + '=' + v + '\0';
    auto cached = m_included.find(key);
    if (cached == m_included.end()) {
      if (++m_include_loads > k_max_include_loads) {
        if (!m_include_limit_reported) {
          m_diag.error(entry.where, "include: more than " + std::to_string(k_max_include_loads) +
                                        " distinct files or environments included; stopping (an include bomb?)");
          m_include_limit_reported = true;
        }
        continue;
      }
      cached = m_included.emplace(key, load(paths, inner, entry.where)).first;
    }
    merge_documents(included_model, cached->second);
  }
  doc.erase("include");
  merge_documents(included_model, std::move(doc));
  doc = std::move(included_model);
}

// What one document's extends resolution shares: services resolved so far
// (each once, however many services extend it) and the services of other
// files, each read and interpolated once.
struct ModelLoader::ExtendsContext {
  std::map<std::string, Node> resolved;                     // "file#service" -> merged service
  std::map<std::string, std::optional<Node>> other_files;  // file -> its services
  // Each services mapping's entries by name, built on first use: a lookup
  // per link of every chain was a scan of all services (quadratic when many
  // services extend others).
  std::map<const Node*, std::unordered_map<std::string_view, const Node*>> by_name;

  /// services.find(name), through the index. `services` must not change
  /// while the context is in use.
  const Node* find(const Node& services, std::string_view name) {
    auto [it, added] = by_name.try_emplace(&services);
    if (added) {
      it->second.reserve(services.entries.size());
      for (const MapEntry& e : services.entries) {
        it->second.try_emplace(e.key, &e.value);  // the first of a key, as Node::find
      }
    }
    auto found = it->second.find(name);
    return found == it->second.end() ? nullptr : found->second;
  }
};

void ModelLoader::apply_extends(Node& doc, const std::string& file, const ModelScope& scope) {
  Node* services = doc.find("services");
  if (!services || !services->is_mapping()) {
    return;
  }
  // Every chain is resolved against the services as written, so the results
  // are kept aside and stored once all are made (no copy of the mapping).
  ExtendsContext context;
  std::vector<std::pair<size_t, Node>> results;
  for (size_t i = 0; i < services->entries.size(); ++i) {
    if (util::cancel_requested()) {
      return;
    }
    const MapEntry& e = services->entries[i];
    if (e.value.find("extends")) {
      results.emplace_back(i, resolve_extends(e.key, *services, file, scope, context));
    }
  }
  for (auto& [i, value] : results) {
    services->entries[i].value = std::move(value);
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
    merge_documents(merged, std::move(doc));
  }
  const Node* services = merged.find("services");
  return services && services->is_mapping() ? *services : Node::mapping();
}

// The service `name` of `services` (from `file`) with its extends chain
// applied: base first, the local definition on top. The chain is walked up
// on an explicit list (no recursion, so any length fits) until a service
// without extends, one already resolved, or an error; then merged back down.
// Chains that met no error are remembered, so each service is resolved once.
Node ModelLoader::resolve_extends(const std::string& name, const Node& services, const std::string& file,
                                  const ModelScope& scope, ExtendsContext& context) {
  struct Link {
    std::string key;  // "file#service"
    Node local;       // the service without its extends
  };
  std::vector<Link> links;
  std::vector<std::string> chain{file + "#" + name};
  std::set<std::string> on_chain{chain.front()};
  bool clean = true;
  Node base;
  const Node* resolved_base = nullptr;  // the chain met a service resolved before: its result, not a copy

  std::string cur_name = name;
  std::string cur_file = file;
  const Node* cur_services = &services;
  ModelScope cur_scope = scope;
  for (;;) {
    std::string here = cur_file + "#" + cur_name;
    if (auto done = context.resolved.find(here); done != context.resolved.end()) {
      resolved_base = &done->second;
      break;
    }
    const Node* local = context.find(*cur_services, cur_name);
    if (!local) {
      base = Node::mapping();
      break;
    }
    const Node* extends = local->find("extends");
    if (!extends) {
      base = *local;
      break;
    }
    Node result = *local;
    result.erase("extends");
    std::string path = "services." + cur_name + ".extends";
    std::string base_name;
    std::string base_file = cur_file;
    if (extends->is_scalar()) {
      base_name = extends->value;
    } else if (extends->is_mapping()) {
      check_keys(*extends, path, {"service", "file"}, m_diag, UnknownKeys::warning);
      if (const Node* s = extends->find("service"); s && s->is_scalar()) {
        base_name = s->value;
      }
      if (const Node* f = extends->find("file"); f && f->is_scalar()) {
        base_file = resolve_path(parent_dir(cur_file), f->value);
      }
    }
    // On an error this link's own definition is the result, as if it had
    // no extends.
    auto stop = [&](const SourceLocation& where, std::string message) {
      m_diag.error(where, std::move(message));
      clean = false;
      base = std::move(result);
    };
    if (base_name.empty()) {
      stop(extends->where, path + " must name a service: `extends: base` or `extends: {service: base, file: ...}`");
      break;
    }
    std::string key = base_file + "#" + base_name;
    if (on_chain.contains(key)) {
      std::string cycle;
      for (const std::string& link : chain) {
        cycle += link.substr(link.rfind('#') + 1) + " -> ";
      }
      stop(extends->where, "extends cycle detected: " + cycle + base_name);
      break;
    }
    const Node* next_services = cur_services;
    ModelScope next_scope = cur_scope;
    if (base_file == cur_file) {
      if (!context.find(*cur_services, base_name)) {
        std::string message = path + ": service \"" + base_name + "\" not found";
        std::vector<std::string> names;
        for (const MapEntry& e : cur_services->entries) {
          names.push_back(e.key);
        }
        if (auto suggestion = util::closest_match(base_name, names)) {
          message += " (did you mean \"" + *suggestion + "\"?)";
        }
        stop(extends->where, message);
        break;
      }
    } else {
      next_scope = ModelScope{cur_scope.variables, parent_dir(base_file)};
      auto other = context.other_files.find(base_file);
      if (other == context.other_files.end()) {
        other = context.other_files
                    .emplace(base_file, services_of_file(base_file, next_scope, extends->find("file")->where))
                    .first;
      }
      if (!other->second) {
        clean = false;
        base = std::move(result);
        break;
      }
      if (!context.find(*other->second, base_name)) {
        stop(extends->where, path + ": service \"" + base_name + "\" not found in " + display_name(base_file));
        break;
      }
      next_services = &*other->second;
    }
    links.push_back(Link{here, std::move(result)});
    chain.push_back(key);
    on_chain.insert(key);
    cur_name = base_name;
    cur_file = base_file;
    cur_services = next_services;
    cur_scope = std::move(next_scope);
  }
  // Each result is stored once (in the context when clean) and the next
  // link merges onto it there: no copy of a growing service per link.
  const Node* current = resolved_base ? resolved_base : &base;
  for (auto link = links.rbegin(); link != links.rend(); ++link) {
    Node merged = merge_service(*current, link->local);
    if (clean) {
      Node& stored = context.resolved[link->key];  // a new entry: each key is resolved once
      stored = std::move(merged);
      current = &stored;
    } else {
      base = std::move(merged);
      current = &base;
    }
  }
  if (current == &base) {
    return base;
  }
  return *current;
}

}  // namespace stackgate::compose
