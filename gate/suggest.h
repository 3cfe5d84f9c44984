// "Did you mean": util::closest_match (edit distance), plus one swap of
// adjacent letters, the most common typo ("wiat" -> "wait", "wbe" -> "web"),
// which plain Levenshtein counts as two edits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stackgate::gate {

std::optional<std::string> suggest_name(std::string_view word, const std::vector<std::string>& names);

}  // namespace stackgate::gate
