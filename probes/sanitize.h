// Foreign bytes (server replies, container names, health check output) made
// fit for a one-line reason, a log line or a terminal.
#pragma once

#include <string>
#include <string_view>

namespace stackgate::probes {

/// Foreign text cut to this many characters by default.
inline constexpr size_t k_max_foreign_chars = 160;

/// `s` with control characters escaped (\n, \r, \t; other C0 and DEL as
/// \xNN; C1 controls, which terminals also obey, as \u0080..\u009f), every
/// byte that is not part of a valid UTF-8 sequence (bad lead or continuation
/// byte, truncated or overlong sequence, surrogate, beyond U+10FFFF) replaced
/// by U+FFFD, and the result cut to `max_chars` characters (an escape counts
/// as one) with "…" when something was cut.
std::string sanitize(std::string_view s, size_t max_chars = k_max_foreign_chars);

}  // namespace stackgate::probes
