// What Docker Compose works out before it reads a compose file: which files,
// the project directory, the variables (.env / --env-file under the OS
// environment), the project name and the active profiles.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compose/loader.h"
#include "compose/node_values.h"

namespace stackgate::compose {

/// -f files (relative to cwd), else COMPOSE_FILE (split on
/// COMPOSE_PATH_SEPARATOR or ':'), else compose.yaml | compose.yml |
/// docker-compose.yml | docker-compose.yaml in cwd or the nearest parent,
/// plus the first override file next to it. Absolute paths.
std::vector<std::string> find_compose_files(const LoadOptions& options, const std::string& cwd,
                                            const std::map<std::string, std::string>& variables, Diagnostics& diag);

/// The variables for interpolation: the env files (--env-file, else
/// <dir>/.env unless COMPOSE_DISABLE_ENV_FILE is true) under `environ`.
std::map<std::string, std::string> load_variables(const std::vector<std::string>& env_files, const std::string& dir,
                                                  const std::map<std::string, std::string>& environ, Diagnostics& diag);

/// Lowercase, only [a-z0-9_-], no leading '_' or '-'.
std::string normalize_project_name(std::string_view name);

/// --profile, else COMPOSE_PROFILES (comma-separated, trimmed, empty items
/// kept: unset or empty is the single profile "").
std::vector<std::string> active_profiles(const LoadOptions& options, const std::map<std::string, std::string>& variables);

}  // namespace stackgate::compose
