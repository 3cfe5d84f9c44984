// Positions and config errors, printed as compilers do:
//   compose.yaml:14:7: error: service 'api' depends on unknown service 'dbb' (did you mean 'db'?)
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace stackgate::util {

// 1-based; line == 0 means "no position known" (then only the file prints).
struct SourceLocation {
  std::string file;
  int line = 0;
  int col = 0;
};

struct ConfigError {
  SourceLocation where;
  std::string message;

  /// "file:line:col: error: message" (or "file: error: ..." / "error: ..."
  /// when the position or file is unknown).
  std::string format() const;
  /// format() plus the source line and a caret under the column, when the
  /// file can be read. Each file is read once per process (lint quotes
  /// thousands of lines); the line is sanitised (util/sanitize.h).
  std::string format_with_source() const;
};

using ConfigErrors = std::vector<ConfigError>;

/// Registers the text of a source that is not a file on disk (standard
/// input, `-f -`) under the name positions use, so errors can quote it.
void remember_source(const std::string& name, std::string text);

}  // namespace stackgate::util
