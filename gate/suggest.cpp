#include "gate/suggest.h"

#include <utility>

#include "util/strings.h"

namespace stackgate::gate {

std::optional<std::string> suggest_name(std::string_view word, const std::vector<std::string>& names) {
  if (auto guess = util::closest_match(word, names)) return guess;
  for (const std::string& name : names) {
    if (name.size() != word.size()) continue;
    std::string swapped(word);
    for (size_t i = 0; i + 1 < swapped.size(); ++i) {
      std::swap(swapped[i], swapped[i + 1]);
      if (swapped == name) return name;
      std::swap(swapped[i], swapped[i + 1]);
    }
  }
  return std::nullopt;
}

}  // namespace stackgate::gate
