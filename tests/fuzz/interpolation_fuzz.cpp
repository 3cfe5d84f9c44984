// libFuzzer entry point for the interpolation engine (compose/interpolation.h).
// Beyond "no crash, no hang", the properties compose files rely on:
//   - text without '$' comes back unchanged, and reports no unset variable;
//   - escaping every '$' as "$$" gives back exactly the original text;
//   - an unset variable is reported by a valid name; the result does not
//     depend on whether the caller asked for the unset names;
//   - an error is one printable line, and "Invalid template" errors are the
//     only ones that may quote the text.
// The variables: A=a, EMPTY="", DOLLAR="$x" (a value is not interpolated
// again), LONG (1 KiB, so nesting shows its cost), the rest unset.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "compose/interpolation.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace stackgate::compose;
using stackgate::fuzz::is_printable;

const std::map<std::string, std::string>& variables() {
  static const std::map<std::string, std::string> vars = {
      {"A", "a"}, {"EMPTY", ""}, {"DOLLAR", "$x"}, {"LONG", std::string(1024, 'l')}};
  return vars;
}

bool valid_name(std::string_view name) {
  if (name.empty() || !(name[0] == '_' || std::isalpha(static_cast<unsigned char>(name[0])))) return false;
  for (char c : name) {
    if (!(c == '_' || std::isalnum(static_cast<unsigned char>(c)))) return false;
  }
  return true;
}

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  VariableLookup lookup = lookup_in(variables());

  std::vector<std::string> unset;
  auto result = substitute(input, lookup, &unset);
  auto without_unset = substitute(input, lookup);
  FUZZ_CHECK(result.has_value() == without_unset.has_value(), "asking for unset names changed the outcome");
  if (result) {
    FUZZ_CHECK(*result == *without_unset, "asking for unset names changed the result");
    for (const std::string& name : unset) FUZZ_CHECK(valid_name(name), "unset name '" + name + "' is not a name");
  } else {
    const std::string& message = result.error().message;
    FUZZ_CHECK(message.starts_with("Invalid template") || message.starts_with("required variable "), message);
    FUZZ_CHECK(message == without_unset.error().message, "asking for unset names changed the error");
  }
  if (input.find('$') == std::string_view::npos) {
    FUZZ_CHECK(result && *result == input && unset.empty(), "text without '$' changed");
  }

  auto literal = substitute(escaped(input), lookup);
  FUZZ_CHECK(literal.has_value(), "escaped text failed: " + literal.error().message);
  FUZZ_CHECK(*literal == input, "\"$$\" escaping does not round-trip");
  return 0;
}
