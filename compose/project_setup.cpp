#include "compose/project_setup.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compose/dotenv.h"
#include "compose/model_loader.h"
#include "util/strings.h"

namespace stackgate::compose {

namespace fs = std::filesystem;

namespace {

const char* const k_default_files[] = {"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"};
const char* const k_override_files[] = {"compose.override.yml", "compose.override.yaml", "docker-compose.override.yml",
                                        "docker-compose.override.yaml"};

bool exists_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool is_true(const std::string& v) {
  std::string s = util::to_lower(v);
  return s == "1" || s == "t" || s == "true";
}

}  // namespace

std::vector<std::string> find_compose_files(const LoadOptions& options, const std::string& cwd,
                                            const std::map<std::string, std::string>& variables, Diagnostics& diag) {
  std::vector<std::string> files;
  if (!options.files.empty()) {
    for (const std::string& f : options.files) {
      files.push_back(f == k_stdin_path ? f : resolve_path(cwd, f));
    }
    return files;
  }
  if (auto it = variables.find("COMPOSE_FILE"); it != variables.end() && !it->second.empty()) {
    char separator = ':';
    if (auto sep = variables.find("COMPOSE_PATH_SEPARATOR"); sep != variables.end() && !sep->second.empty()) {
      separator = sep->second[0];
    }
    for (const std::string& f : util::split(it->second, separator)) {
      if (!f.empty()) {
        files.push_back(resolve_path(cwd, f));
      }
    }
    return files;
  }
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    std::vector<std::string> found;
    for (const char* name : k_default_files) {
      if (exists_file(dir / name)) {
        found.push_back((dir / name).string());
      }
    }
    if (!found.empty()) {
      if (found.size() > 1) {
        diag.warn(SourceLocation{}, "found multiple config files with supported names: " + found[0] + ", " + found[1] +
                                        "; using " + found[0]);
      }
      files.push_back(found[0]);
      for (const char* name : k_override_files) {
        if (exists_file(dir / name)) {
          files.push_back((dir / name).string());
          break;
        }
      }
      return files;
    }
    if (dir == dir.parent_path() || dir.empty()) {
      break;
    }
  }
  diag.error(SourceLocation{}, "no configuration file provided: not found (looked for compose.yaml, compose.yml, "
                               "docker-compose.yml and docker-compose.yaml in " + cwd + " and its parents)");
  return files;
}

std::map<std::string, std::string> load_variables(const std::vector<std::string>& env_files, const std::string& dir,
                                                  const std::map<std::string, std::string>& environ, Diagnostics& diag) {
  std::vector<std::string> paths = env_files;
  bool explicit_files = !paths.empty();
  if (!explicit_files) {
    auto disabled = environ.find("COMPOSE_DISABLE_ENV_FILE");
    if (disabled == environ.end() || !is_true(disabled->second)) {
      paths.push_back((fs::path(dir) / ".env").string());
    }
  }
  std::map<std::string, std::string> variables;
  VariableLookup lookup = [&](std::string_view name) -> const std::string* {
    if (auto it = environ.find(std::string(name)); it != environ.end()) {
      return &it->second;
    }
    auto it = variables.find(std::string(name));
    return it == variables.end() ? nullptr : &it->second;
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      if (explicit_files) {
        diag.error(SourceLocation{path, 0, 0}, "env file not found");
      }
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = parse_dotenv(text.str(), lookup);
    if (!parsed) {
      diag.error(SourceLocation{path, parsed.error().line, 0}, parsed.error().message);
      continue;
    }
    for (auto& [k, v] : *parsed) {
      variables[k] = v;
    }
  }
  for (const auto& [k, v] : environ) {
    variables[k] = v;
  }
  return variables;
}

std::string normalize_project_name(std::string_view name) {
  std::string out;
  for (char c : util::to_lower(name)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      out += c;
    }
  }
  size_t start = out.find_first_not_of("_-");
  return start == std::string::npos ? "" : out.substr(start);
}

std::vector<std::string> active_profiles(const LoadOptions& options, const std::map<std::string, std::string>& variables) {
  if (!options.profiles.empty()) {
    return options.profiles;
  }
  // As compose-go's WithDefaultProfiles: COMPOSE_PROFILES split on ',' and
  // trimmed, empty items kept. Unset or empty, that is the one profile "":
  // a service whose profiles list "" (`profiles: ["${X:+name}"]` with X
  // unset) is then enabled.
  std::string value;
  if (auto it = variables.find("COMPOSE_PROFILES"); it != variables.end()) {
    value = it->second;
  }
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = value.find(',', start);
    std::string_view item = std::string_view(value).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    out.emplace_back(util::trim(item));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace stackgate::compose
