// Loading compose files into a Project, following the Compose Specification
// as compose-go implements it (tests/conformance compares the two).
// yaml-cpp is included only in the loader's .cpp files.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compose/model.h"
#include "util/diagnostics.h"

namespace stackgate::compose {

struct LoadOptions {
  std::vector<std::string> files;               // -f, in order; empty = COMPOSE_FILE, then discovery
  std::optional<std::string> project_directory; // --project-directory
  std::optional<std::string> project_name;      // -p
  std::vector<std::string> env_files;           // --env-file (replaces the default .env)
  std::vector<std::string> profiles;            // --profile; empty = COMPOSE_PROFILES
  std::map<std::string, std::string> environ;   // the process environment (injected for tests)
  std::string cwd;                              // working directory for discovery; "" = getcwd()
};

/// Loads the project. On failure returns every config error found, each with
/// its file:line:col. Dependency targets are *not* validated here (the graph
/// does that, with "did you mean"), except that a required dependency on a
/// profiled-out service is an error, as in Compose.
std::expected<Project, util::ConfigErrors> load_project(const LoadOptions& options);

/// The environment of the current process as a map.
std::map<std::string, std::string> current_environ();

}  // namespace stackgate::compose
