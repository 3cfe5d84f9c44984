// A probe URL plus the options every scheme takes, as typed values:
//
//   timeout=2s        per attempt
//   interval=10ms     first retry delay
//   max_latency=5s    an answer slower than this does not count as ready
//   passes=N, stable_for=DUR, window=passes=N,stable_for=DUR   the stability window
//   password_file=/run/secrets/pg
//
// Settings come from several places (the URL, the compose file's
// x-stackgate, the command line). Each source fills what it sets and leaves
// the rest unset; overlay() merges them field by field, most specific first,
// so `stable_for` from one source and `passes` from another both hold.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/url.h"

namespace stackgate::spec {

using Millis = std::chrono::milliseconds;

// The stability window: the probe must pass `passes` times in a row, the
// passes spanning at least `stable_for`. A single not_yet restarts it.
struct Window {
  int passes = 2;
  Millis stable_for{1000};
};

// A window as one source gives it: either field may be unset.
struct WindowSettings {
  std::optional<int> passes{};
  std::optional<Millis> stable_for{};

  bool empty() const { return !passes && !stable_for; }
  /// The window with the unset fields taken from `base`.
  Window over(const Window& base) const { return Window{passes.value_or(base.passes), stable_for.value_or(base.stable_for)}; }
};

// The common options of one source; unset fields fall through to the next.
struct ProbeSettings {
  std::optional<Millis> timeout{};      // per attempt
  std::optional<Millis> interval{};     // first retry delay
  std::optional<Millis> max_latency{};  // slower answers are not ready
  WindowSettings window{};

  bool empty() const { return !timeout && !interval && !max_latency && window.empty(); }
};

/// `over` on top of `under`, field by field (window fields one by one).
ProbeSettings overlay(const ProbeSettings& over, const ProbeSettings& under);

// A probe URL plus its common options, ready for make_probe() and the
// scheduler. Unset settings take the gate's defaults (CLI, environment).
struct ProbeSpec : ProbeSettings {
  Url url;
};

/// The common options' names, as written in a URL's query.
const std::vector<std::string>& common_option_names();

/// "passes=N,stable_for=DUR" (either or both, any order). Errors are one
/// line: "passes must be a whole number >= 1, not 'two'".
std::expected<WindowSettings, std::string> parse_window(std::string_view text);

/// "passes=3,stable_for=5s": the fields that are set, durations exactly
/// as parsed (1250ms stays 1250ms), "" when none is.
std::string format_window(const WindowSettings& window);

/// "timeout=1250ms, max_latency=5s, window=passes=3,stable_for=10s": the
/// settings that are set, as a user would write them, exactly; "" when none.
std::string format_settings(const ProbeSettings& settings);

/// Parses a URL with its common options. Resolves password_file (reading the
/// file) so probes only ever see Url::password. The common options are
/// removed from url.query, so a probe sees only its own options there.
/// Errors are one line, e.g. "bad timeout '5x' in tcp://db:5432?timeout=5x:
/// unknown unit 'x' in duration '5x'".
std::expected<ProbeSpec, std::string> parse_probe_spec(std::string_view text);

/// parse_probe_spec for a URL already parsed (the plan parses each once).
std::expected<ProbeSpec, std::string> probe_spec_from(Url url);

}  // namespace stackgate::spec
