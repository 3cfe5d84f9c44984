// Positions and diagnostics, printed as compilers do:
//   compose.yaml:14:7: error: service 'api' depends on unknown service 'dbb' (did you mean 'db'?)
//   compose.yaml:3:9: warning: The "TAG" variable is not set. Defaulting to a blank string.
// One type for config errors, loader warnings and lint findings, and one
// location formatter (format_location) for all of them and for plan output.
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

/// "file:line:col", "file:line", "file" or "" (nothing known), sanitised.
std::string format_location(const SourceLocation& where);

enum class Severity { error, warning };

const char* to_string(Severity s);  // "error", "warning"

struct Diagnostic {
  SourceLocation where;
  std::string message;
  Severity severity = Severity::error;

  /// "file:line:col: error: message" (or "file: warning: ..." / "error: ..."
  /// when the position or file is unknown). The message is redacted.
  std::string format() const;
  /// format() plus the source line and a caret under the column, when the
  /// file can be read. Each file is read once per process (lint quotes
  /// thousands of lines); the line is sanitised (util/sanitize.h).
  std::string format_with_source() const;
};

/// A warning at `where`.
inline Diagnostic warning(SourceLocation where, std::string message) {
  return Diagnostic{std::move(where), std::move(message), Severity::warning};
}

using ConfigError = Diagnostic;  // a Diagnostic of Severity::error
using ConfigErrors = std::vector<Diagnostic>;

/// Registers the text of a source that is not a file on disk (standard
/// input, `-f -`) under the name positions use, so errors can quote it.
void remember_source(const std::string& name, std::string text);

}  // namespace stackgate::util
