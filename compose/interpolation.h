// Variable interpolation as compose-go's template package does it:
//   $VAR ${VAR} ${VAR:-d} ${VAR-d} ${VAR:?e} ${VAR?e} ${VAR:+a} ${VAR+a} $$
// Defaults and messages are interpolated themselves (${A:-${B:-x}}); the
// closing brace is found by counting "${" openings, so ${x:-{"json":1}}
// gives {"json":1}; the operator written first wins (${V-a:-b} is "-" with
// default "a:-b"); a `$` not followed by `$`, a name or `{` stays literal.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compose/model.h"
#include "compose/node.h"

namespace stackgate::compose {

/// Returns the variable's value, or nullptr when it is unset.
using VariableLookup = std::function<const std::string*(std::string_view name)>;

VariableLookup lookup_in(const std::map<std::string, std::string>& variables);

struct TemplateError {
  std::string message;  // "Invalid template: ..." or "required variable V is missing a value: e"
};

/// Substitutes every variable in `text`. Names of variables that were unset
/// and had no default are appended to `unset` (when given).
std::expected<std::string, TemplateError> substitute(std::string_view text, const VariableLookup& lookup,
                                                     std::vector<std::string>* unset = nullptr);

/// Interpolates every scalar value below `node` (never mapping keys).
/// `path` names `node` in messages ("services.api"). Errors and "variable
/// is not set" warnings carry the position of the scalar.
void interpolate_tree(Node& node, const VariableLookup& lookup, const std::string& path, util::ConfigErrors& errors,
                      std::vector<Warning>& warnings);

}  // namespace stackgate::compose
