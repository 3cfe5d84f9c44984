// Reading typed values out of Nodes, with compose-go's casting of
// interpolated strings, and errors that name the path and the position.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compose/model.h"
#include "compose/node.h"

namespace stackgate::compose {

// Where problems found while reading a tree go.
struct Diagnostics {
  util::ConfigErrors errors;
  std::vector<Warning> warnings;

  void error(const SourceLocation& where, std::string message) {
    errors.push_back(util::ConfigError{where, std::move(message)});
  }
  void warn(const SourceLocation& where, std::string message) {
    warnings.push_back(util::warning(where, std::move(message)));
  }
};

/// A scalar as a string (numbers and booleans as written); error otherwise.
std::optional<std::string> read_string(const Node& node, const std::string& path, Diagnostics& diag);

/// true/false (any case); y/yes/on/n/no/off with a YAML 1.2 warning, as
/// compose-go's toBoolean.
std::optional<bool> read_bool(const Node& node, const std::string& path, Diagnostics& diag);

std::optional<int> read_int(const Node& node, const std::string& path, Diagnostics& diag);

/// A duration string ("1m30s"); a bare number is seconds.
std::optional<Millis> read_duration(const Node& node, const std::string& path, Diagnostics& diag);

/// A list of scalars, or one scalar as a list of one (`allow_single`).
std::optional<std::vector<std::string>> read_string_list(const Node& node, const std::string& path, Diagnostics& diag,
                                                         bool allow_single = false);

enum class UnknownKeys {
  error,    // our own extensions (x-stackgate): every unknown key is an error
  warning,  // compose-spec mappings: a key from a newer spec must not fail the load
};

/// Unknown keys of a mapping, with a did-you-mean suggestion. x-* keys are
/// always allowed. With UnknownKeys::warning an unknown key is a warning,
/// except a near-typo of a key that shapes the dependency graph
/// ("depend_on", "link", "profile"...): ignoring that one would silently
/// change the levels, and Docker Compose rejects it too.
void check_keys(const Node& mapping, const std::string& path, const std::vector<std::string>& known, Diagnostics& diag,
                UnknownKeys severity = UnknownKeys::error);

}  // namespace stackgate::compose
