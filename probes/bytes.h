// Byte counts as people write them in probe options: "512", "64MiB", "1GiB",
// "10GB". Binary units (KiB MiB GiB TiB, powers of 1024) and decimal ones
// (kB MB GB TB, powers of 1000); "K", "M", "G", "T" alone are binary, as in
// df and docker. A bare number is bytes.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace stackgate::probes {

/// Parses `text`; the error is a one-line reason ("unknown unit 'x' in '5x'").
std::expected<uint64_t, std::string> parse_bytes(std::string_view text);

/// Formats for people in binary units with one decimal: "512 B", "1.5 GiB".
std::string format_bytes(uint64_t bytes);

}  // namespace stackgate::probes
