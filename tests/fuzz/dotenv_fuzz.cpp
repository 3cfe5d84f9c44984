// libFuzzer entry point for the `.env` parser (compose/dotenv.h). Beyond
// "no crash, no hang":
//   - keys are unique, non-empty, without spaces, '=' or newlines;
//   - an error names a line that exists and is one printable line;
//   - what was parsed, written back as KEY='value' lines, parses to the same
//     entries (for values a single-quoted form can hold: no "'", no
//     trailing backslash, no CRLF).
// Lookup: A=a and EMPTY="" are set (bare keys inherit them), the rest unset.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "compose/dotenv.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace stackgate::compose;
using stackgate::fuzz::is_printable;

const std::map<std::string, std::string>& variables() {
  static const std::map<std::string, std::string> vars = {{"A", "a"}, {"EMPTY", ""}};
  return vars;
}

// "\r\n" too: the parser reads it as "\n" (a value can hold one when the
// input had "\r\r\n").
bool single_quotable(std::string_view value) {
  return value.find('\'') == std::string_view::npos && !value.ends_with('\\') &&
         value.find("\r\n") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  VariableLookup lookup = lookup_in(variables());
  auto entries = parse_dotenv(input, lookup);
  if (!entries) {
    int lines = 1 + static_cast<int>(std::count(input.begin(), input.end(), '\n'));
    FUZZ_CHECK(entries.error().line >= 1 && entries.error().line <= lines,
               "error on line " + std::to_string(entries.error().line) + " of " + std::to_string(lines));
    FUZZ_CHECK(is_printable(entries.error().message), "error not printable: " + entries.error().message);
    return 0;
  }

  std::set<std::string> keys;
  std::string written = "\n";  // so a key starting with a BOM is not read as a file's BOM
  DotenvEntries quotable;
  for (const auto& [key, value] : *entries) {
    FUZZ_CHECK(!key.empty(), "empty key");
    FUZZ_CHECK(key.find_first_of(" \t\n=") == std::string::npos, "bad key '" + key + "'");
    FUZZ_CHECK(keys.insert(key).second, "duplicate key '" + key + "'");
    if (single_quotable(value)) {
      written += key + "='" + value + "'\n";
      quotable.emplace_back(key, value);
    }
  }
  std::map<std::string, std::string> none;
  auto reparsed = parse_dotenv(written, lookup_in(none));
  FUZZ_CHECK(reparsed.has_value(), "written back, the entries fail to parse: " + reparsed.error().message);
  FUZZ_CHECK(*reparsed == quotable, "written back, the entries parse differently");
  return 0;
}
