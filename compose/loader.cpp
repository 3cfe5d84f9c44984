// load_project: the recipe. Each step is one call; the steps are those of
// compose-go's ProjectFromOptions: files, project directory, variables,
// project name, model (interpolate, include, extends, merge), services,
// profiles.
#include "compose/loader.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "compose/model_loader.h"
#include "compose/project_setup.h"
#include "compose/service_builder.h"
#include "util/cancel.h"
#include "util/sanitize.h"

extern char** environ;

namespace stackgate::compose {

namespace fs = std::filesystem;

namespace {

// -p > COMPOSE_PROJECT_NAME > top-level name: (last file wins) > directory.
std::string project_name(const LoadOptions& options, const std::map<std::string, std::string>& variables,
                         ModelLoader& loader, const std::vector<std::string>& files, const ModelScope& scope,
                         Diagnostics& diag) {
  std::optional<std::string> name = options.project_name;
  if (!name) {
    if (auto it = variables.find("COMPOSE_PROJECT_NAME"); it != variables.end() && !it->second.empty()) {
      name = it->second;
    }
  }
  if (!name) {
    // A name written in a file is normalised (compose-go's projectName),
    // not rejected: `name: MyApp` is "myapp".
    std::optional<std::string> in_files;
    for (const std::string& file : files) {
      if (auto in_file = loader.project_name_in(file, scope)) {
        in_files = in_file;
      }
    }
    if (in_files && !normalize_project_name(*in_files).empty()) {
      return normalize_project_name(*in_files);
    }
  }
  if (!name) {
    return normalize_project_name(fs::path(scope.project_dir).filename().string());
  }
  if (name->empty()) {
    diag.error(SourceLocation{}, "project name must not be empty");
  } else if (normalize_project_name(*name) != *name) {
    diag.error(SourceLocation{}, "\"" + *name +
                                     "\" is not a valid project name: it must contain only characters from [a-z0-9_-] "
                                     "and start with [a-z0-9]");
  }
  return *name;
}

bool enabled(const Service& s, const std::vector<std::string>& profiles) {
  if (s.profiles.empty()) {
    return true;
  }
  for (const std::string& p : profiles) {
    if (p == "*" || std::find(s.profiles.begin(), s.profiles.end(), p) != s.profiles.end()) {
      return true;
    }
  }
  return false;
}

std::string bracketed(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    out += (i ? " " : "") + items[i];
  }
  return out + "]";
}

// A required dependency on a profiled-out service is an error, as in
// compose-go; optional ones on disabled or missing services are dropped.
void check_disabled_dependencies(Project& project, Diagnostics& diag) {
  for (auto& [name, service] : project.services) {
    std::vector<Dependency> kept;
    for (Dependency& dep : service.depends_on) {
      auto disabled = project.disabled_services.find(dep.service);
      bool missing = disabled == project.disabled_services.end() && !project.services.count(dep.service);
      if (disabled != project.disabled_services.end() && dep.required) {
        diag.error(dep.where, "service \"" + dep.service + "\" is required by \"" + name +
                                  "\" but is disabled. Can be enabled by profiles " +
                                  bracketed(disabled->second.profiles));
        continue;
      }
      if ((disabled != project.disabled_services.end() || missing) && !dep.required) {
        diag.warn(dep.where, "service \"" + name + "\" depends on " + (missing ? "undefined" : "disabled") +
                                 " service \"" + dep.service + "\" (required: false): ignored");
        continue;
      }
      kept.push_back(std::move(dep));
    }
    service.depends_on = std::move(kept);
  }
}

// A signal arrived: what was loaded is incomplete and the process exits
// right after, so the trees are left to the OS. Freeing a model of a few
// million nodes takes longer than the ~10 ms a signal may wait.
std::expected<Project, util::ConfigErrors> interrupted(std::unique_ptr<ModelLoader> loader, std::unique_ptr<Node> model) {
  (void)loader.release();
  (void)model.release();
  return std::unexpected(util::ConfigErrors{util::ConfigError{SourceLocation{}, "interrupted"}});
}

bool valid_service_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

void dedupe_warnings(std::vector<Warning>& warnings) {
  std::set<std::string> seen;
  std::vector<Warning> out;
  for (Warning& w : warnings) {
    if (seen.insert(w.message).second) {
      out.push_back(std::move(w));
    }
  }
  warnings = std::move(out);
}

}  // namespace

std::map<std::string, std::string> current_environ() {
  std::map<std::string, std::string> out;
  for (char** e = ::environ; e && *e; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string::npos) {
      out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return out;
}

std::expected<Project, util::ConfigErrors> load_project(const LoadOptions& options) {
  Diagnostics diag;
  std::error_code ec;
  std::string cwd = options.cwd.empty() ? fs::current_path(ec).string() : resolve_path(fs::current_path(ec), options.cwd);

  // Files: -f, COMPOSE_FILE (which may come from ./.env), discovery.
  std::vector<std::string> env_files;
  for (const std::string& f : options.env_files) {
    env_files.push_back(resolve_path(cwd, f));
  }
  std::map<std::string, std::string> early = load_variables(env_files, cwd, options.environ, diag);
  std::vector<std::string> files = find_compose_files(options, cwd, early, diag);
  if (files.empty()) {
    return std::unexpected(diag.errors);
  }

  // Project directory, then its .env under the OS environment.
  ModelScope scope;
  scope.project_dir = options.project_directory ? resolve_path(cwd, *options.project_directory) : parent_dir(files[0]);
  Diagnostics env_diag;
  scope.variables = env_files.empty() && scope.project_dir != cwd
                        ? load_variables({}, scope.project_dir, options.environ, env_diag)
                        : early;
  diag.errors.insert(diag.errors.end(), env_diag.errors.begin(), env_diag.errors.end());

  // On the heap: after a signal it is left to the OS (see interrupted()).
  auto loader_owner = std::make_unique<ModelLoader>(cwd, diag);
  ModelLoader& loader = *loader_owner;
  Project project;
  project.working_dir = scope.project_dir;
  project.name = project_name(options, scope.variables, loader, files, scope, diag);
  scope.variables.try_emplace("COMPOSE_PROJECT_NAME", project.name);

  auto model = std::make_unique<Node>(loader.load(files, scope));
  if (util::cancel_requested()) {
    return interrupted(std::move(loader_owner), std::move(model));
  }
  for (const std::string& f : loader.files()) {
    project.files.push_back(loader.display_name(f));
  }

  std::vector<std::string> profiles = active_profiles(options, scope.variables);
  project.profiles = profiles;
  if (const Node* services = model->find("services"); services && services->is_mapping()) {
    for (const MapEntry& e : services->entries) {
      if (util::cancel_requested()) {
        break;
      }
      if (!valid_service_name(e.key)) {
        // The Compose Specification's pattern; the name is printed sanitised.
        diag.error(e.key_where, "invalid service name \"" + util::sanitize(e.key) +
                                    "\": only letters, digits, '.', '_' and '-' are allowed");
        continue;
      }
      Service s = build_service(e, scope.variables, diag);
      (enabled(s, profiles) ? project.services : project.disabled_services)[s.name] = std::move(s);
    }
  }
  check_disabled_dependencies(project, diag);
  if (util::cancel_requested()) {
    (void)new Project(std::move(project));
    return interrupted(std::move(loader_owner), std::move(model));
  }

  project.warnings = std::move(diag.warnings);
  dedupe_warnings(project.warnings);
  if (!diag.errors.empty()) {
    return std::unexpected(std::move(diag.errors));
  }
  return project;
}

}  // namespace stackgate::compose
