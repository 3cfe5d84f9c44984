#include "util/duration.h"

#include <cmath>
#include <cstdio>

namespace stackgate::util {

namespace {

// Nanoseconds per unit; "µs" is two bytes in UTF-8 plus 's'.
double unit_ns(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  if (unit == "d") return 86400e9;
  if (unit == "w") return 7 * 86400e9;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::expected<Millis, std::string> parse_duration(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::unexpected("empty duration");
  bool all_digits = true;
  for (char c : s) all_digits = all_digits && is_digit(c);
  if (all_digits) {
    if (s.size() > 12) return std::unexpected("duration out of range: '" + std::string(text) + "'");
    return Millis(std::stoll(std::string(s)) * 1000);
  }
  double total_ns = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) ++i;
    if (i == start) return std::unexpected("expected a number in duration '" + std::string(text) + "'");
    std::string number(s.substr(start, i - start));
    size_t unit_start = i;
    while (i < s.size() && !is_digit(s[i]) && s[i] != '.') ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    if (unit.empty()) return std::unexpected("missing unit in duration '" + std::string(text) + "'");
    double per = unit_ns(unit);
    if (per < 0) {
      return std::unexpected("unknown unit '" + std::string(unit) + "' in duration '" + std::string(text) + "'");
    }
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end == nullptr || *end != '\0') return std::unexpected("bad number '" + number + "' in duration '" + std::string(text) + "'");
    total_ns += value * per;
    if (total_ns > 1e18) return std::unexpected("duration out of range: '" + std::string(text) + "'");
  }
  return Millis(static_cast<long long>(std::llround(total_ns / 1e6)));
}

std::string format_duration(Millis d) {
  long long ms = d.count();
  char buf[64];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lldms", ms);
  } else if (ms < 60000) {
    if (ms % 1000 == 0) {
      std::snprintf(buf, sizeof buf, "%llds", ms / 1000);
    } else {
      std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
    }
  } else {
    long long s = ms / 1000;
    if (s < 3600) {
      std::snprintf(buf, sizeof buf, "%lldm%llds", s / 60, s % 60);
    } else {
      std::snprintf(buf, sizeof buf, "%lldh%lldm", s / 3600, (s % 3600) / 60);
    }
  }
  return buf;
}

}  // namespace stackgate::util
