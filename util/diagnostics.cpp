#include "util/diagnostics.h"

#include <fstream>

namespace stackgate::util {

std::string ConfigError::format() const {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) {
      out += ":" + std::to_string(where.line);
      if (where.col > 0) out += ":" + std::to_string(where.col);
    }
    out += ": ";
  }
  out += "error: " + message;
  return out;
}

std::string ConfigError::format_with_source() const {
  std::string out = format();
  if (where.file.empty() || where.line <= 0) return out;
  std::ifstream in(where.file);
  std::string line;
  for (int n = 1; n <= where.line && std::getline(in, line); ++n) {
    if (n == where.line) {
      out += "\n" + line;
      if (where.col > 0) out += "\n" + std::string(static_cast<size_t>(where.col - 1), ' ') + "^";
      return out;
    }
  }
  return out;
}

}  // namespace stackgate::util
