#include "probes/bytes.h"

#include <array>
#include <cstdio>
#include <limits>
#include <utility>

#include "util/strings.h"

namespace stackgate::probes {

std::expected<uint64_t, std::string> parse_bytes(std::string_view text) {
  auto fail = [&](const std::string& why) { return std::unexpected(why + " in '" + std::string(text) + "'"); };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return fail("expected a number of bytes such as 512, 64MiB or 1GiB");
  if (digits > 15) return fail("number too large");
  uint64_t value = std::stoull(std::string(text.substr(0, digits)));
  std::string unit = util::to_lower(util::trim(text.substr(digits)));
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 16> k_units = {{
      {"", 1}, {"b", 1},
      {"k", 1ull << 10}, {"kib", 1ull << 10}, {"m", 1ull << 20}, {"mib", 1ull << 20},
      {"g", 1ull << 30}, {"gib", 1ull << 30}, {"t", 1ull << 40}, {"tib", 1ull << 40},
      {"kb", 1000ull}, {"mb", 1000ull * 1000}, {"gb", 1000ull * 1000 * 1000},
      {"tb", 1000ull * 1000 * 1000 * 1000}, {"p", 1ull << 50}, {"pib", 1ull << 50},
  }};
  for (const auto& [name, factor] : k_units) {
    if (unit != name) continue;
    if (value > std::numeric_limits<uint64_t>::max() / factor) return fail("number too large");
    return value * factor;
  }
  return fail("unknown unit '" + std::string(util::trim(text.substr(digits))) + "' (expected B, KiB, MiB, GiB, TiB, kB, MB, GB or TB)");
}

std::string format_bytes(uint64_t bytes) {
  static constexpr std::array<const char*, 6> k_names = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < k_names.size()) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, k_names[unit]);
  return buf;
}

}  // namespace stackgate::probes
