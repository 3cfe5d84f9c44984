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

/// Formats for people, without losing a millisecond: "0ms", "250ms",
/// "1.25s", "2m5s", "1h2m5s". parse_duration() reads it back exactly.
std::string format_duration(Millis d);

/// Formats in Compose's own units, exactly, as a user would write it:
/// "1250ms", "1m30s", "1h2m5s", "1m30s500ms". For settings
/// shown back to the user (plan) and anything that is parsed again.
std::string format_duration_exact(Millis d);

}  // namespace stackgate::util
