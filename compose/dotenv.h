// `.env` / env_file parsing as compose-go's dotenv package does it:
//   # comment            export KEY=value       KEY: value (yaml style)
//   KEY=value # comment  (an unquoted value ends at " #")
//   KEY='literal $x \n'  KEY="escapes \n \t \\ \" and ${INTERPOLATION}"
//   KEY=                 (empty)                KEY  (bare: inherits, or stays unset)
// Unquoted and double-quoted values are interpolated from `lookup` first,
// then from the keys defined earlier in the same file. A UTF-8 BOM and CRLF
// line ends are accepted.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compose/interpolation.h"

namespace stackgate::compose {

struct DotenvError {
  int line = 0;  // 1-based
  std::string message;
};

using DotenvEntries = std::vector<std::pair<std::string, std::string>>;  // in file order, keys unique

std::expected<DotenvEntries, DotenvError> parse_dotenv(std::string_view text, const VariableLookup& lookup);

}  // namespace stackgate::compose
