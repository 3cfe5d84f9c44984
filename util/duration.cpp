#include "util/duration.h"

#include <cmath>
#include <cstdio>
#include <string>

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

namespace {

// "1.25s", "30s", "30.5s": whole milliseconds, trailing zeros dropped.
std::string seconds_text(long long ms) {
  std::string out = std::to_string(ms / 1000);
  if (long long frac = ms % 1000; frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03lld", frac);
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "s";
}

}  // namespace

std::string format_duration(Millis d) {
  long long ms = d.count();
  if (ms < 0) return "-" + format_duration(Millis(-ms));
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60000) return seconds_text(ms);
  long long s = ms / 1000;
  std::string rest = seconds_text(ms % 60000);
  if (s < 3600) return std::to_string(s / 60) + "m" + rest;
  std::string out = std::to_string(s / 3600) + "h" + std::to_string((s % 3600) / 60) + "m";
  return ms % 60000 == 0 ? out : out + rest;
}

std::string format_duration_exact(Millis d) {
  long long ms = d.count();
  if (ms < 0) return "-" + format_duration_exact(Millis(-ms));
  if (ms == 0) return "0s";
  // Below a minute a fraction stays in milliseconds: 1250ms, not 1s250ms.
  if (ms % 1000 != 0 && ms < 60000) return std::to_string(ms) + "ms";
  std::string out;
  long long h = ms / 3'600'000, m = ms / 60'000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (rest) out += std::to_string(rest) + "ms";
  return out;
}

}  // namespace stackgate::util
