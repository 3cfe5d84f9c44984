// Duration strings as Compose writes them: "{value}{unit}" pairs concatenated
// without separators ("10ms", "1m30s", "1h5m30s20ms"), units ns us µs ms s m h
// d w, an optional fractional value ("1.5s") and, for convenience on the
// command line, a bare number meaning seconds.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

namespace stackgate::util {

using Millis = std::chrono::milliseconds;

/// Parses `text`; the error is a one-line reason ("unknown unit 'x' in '5x'").
std::expected<Millis, std::string> parse_duration(std::string_view text);

/// Formats for people: "0s", "250ms", "1.5s", "2m5s".
std::string format_duration(Millis d);

}  // namespace stackgate::util
