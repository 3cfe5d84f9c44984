// A compose project in a fresh temporary directory, for loader tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

#include "compose/loader.h"

namespace stackgate::compose::testing {

class TempProject {
 public:
  TempProject() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-compose-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
  }
  ~TempProject() {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  TempProject(const TempProject&) = delete;
  TempProject& operator=(const TempProject&) = delete;

  /// Writes `text` to `relative` (creating directories).
  void write(const std::string& relative, std::string_view text) const {
    std::filesystem::path p = std::filesystem::path(m_dir) / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  std::string path(const std::string& relative = "") const {
    return relative.empty() ? m_dir : (std::filesystem::path(m_dir) / relative).string();
  }
  /// Options with cwd = the project directory and an empty environment.
  LoadOptions options() const {
    LoadOptions o;
    o.cwd = m_dir;
    return o;
  }
  std::expected<Project, util::ConfigErrors> load() const { return load_project(options()); }
  std::expected<Project, util::ConfigErrors> load(const LoadOptions& o) const { return load_project(o); }

 private:
  std::string m_dir;
};

/// Loads `yaml` as the compose.yaml of a fresh project, with `environ` as the
/// process environment. Positions in the result name "compose.yaml".
inline std::expected<Project, util::ConfigErrors> load_yaml(std::string_view yaml,
                                                            const std::map<std::string, std::string>& environ = {}) {
  TempProject t;
  t.write("compose.yaml", yaml);
  LoadOptions o = t.options();
  o.environ = environ;
  return t.load(o);
}

/// Every error formatted, one per line, for whole-string comparisons.
inline std::string format_errors(const util::ConfigErrors& errors) {
  std::string out;
  for (const util::ConfigError& e : errors) {
    out += (out.empty() ? "" : "\n") + e.format();
  }
  return out;
}

/// The project, or a test failure that shows every error.
#define SG_REQUIRE_LOADED(result)                                                               \
  do {                                                                                          \
    if (!(result)) {                                                                            \
      FAIL(::stackgate::compose::testing::format_errors((result).error()));                     \
    }                                                                                           \
  } while (false)

}  // namespace stackgate::compose::testing
