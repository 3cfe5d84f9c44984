// Files -> one merged compose tree, per compose-go's loadYamlFile:
// for each file, for each YAML document: interpolate (values only) ->
// resolve relative paths -> include -> extends -> merge into what the
// earlier files produced. !reset / !override apply during the merges and
// are stripped at the end.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compose/node.h"
#include "compose/node_values.h"

namespace stackgate::compose {

/// The file name that means standard input (`-f -`).
inline constexpr const char* k_stdin_path = "-";

struct ModelScope {
  std::map<std::string, std::string> variables;  // interpolation variables
  std::string project_dir;                       // absolute; relative paths resolve here
};

class ModelLoader {
 public:
  /// `cwd` is absolute; positions name files relative to it when below it.
  ModelLoader(std::string cwd, Diagnostics& diag) : m_cwd(std::move(cwd)), m_diag(diag) {}

  /// Loads and merges `files` (absolute paths). `referenced_from` is where a
  /// missing file is reported (an include entry), or {} for -f files.
  Node load(const std::vector<std::string>& files, const ModelScope& scope, const SourceLocation& referenced_from = {});

  /// The top-level `name:` of `file`, interpolated, if it has one.
  std::optional<std::string> project_name_in(const std::string& file, const ModelScope& scope);

  /// Every file read, in the order first read.
  const std::vector<std::string>& files() const { return m_files; }

  /// How files are named in positions.
  std::string display_name(const std::string& absolute) const;

 private:
  const std::vector<Node>* documents(const std::string& file, const SourceLocation& referenced_from);
  void process(Node& doc, const std::string& file, const ModelScope& scope);
  void apply_includes(Node& doc, const std::string& file, const ModelScope& scope);
  void apply_extends(Node& doc, const std::string& file, const ModelScope& scope);
  struct ExtendsContext;
  Node resolve_extends(const std::string& name, const Node& services, const std::string& file,
                       const ModelScope& scope, ExtendsContext& context);
  std::optional<Node> services_of_file(const std::string& file, const ModelScope& scope, const SourceLocation& from);

  std::string m_cwd;
  Diagnostics& m_diag;
  std::map<std::string, std::vector<Node>> m_documents;  // parsed, not interpolated; by absolute path
  std::set<std::string> m_missing;
  std::vector<std::string> m_files;
  std::vector<std::string> m_include_stack;
  // Included models by (files, project directory, variables): a file reached
  // along many include paths is loaded once per distinct environment.
  std::map<std::string, Node> m_included;
  size_t m_include_loads = 0;  // distinct include loads, bounded (include bombs)
  bool m_include_limit_reported = false;
};

/// Absolute, lexically normal `path` relative to `dir` (unchanged if absolute).
std::string resolve_path(const std::string& dir, const std::string& path);
std::string parent_dir(const std::string& file);

}  // namespace stackgate::compose
