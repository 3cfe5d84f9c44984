// Helpers shared by the real-server probe tests: make a probe from a URL
// through the factory, time one attempt, poll attempts with a bound.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::testing {

using probes::Millis;
using probes::Outcome;
using probes::Probe;
using probes::Verdict;

/// Slack allowed over an attempt's timeout (scheduling on a busy 2-core box).
inline constexpr Millis k_slack{400};

/// Parses `url` and makes its probe (through make_probe); REQUIREs success.
std::unique_ptr<Probe> make(const std::string& url);
/// The config error make_probe reports for `url`; REQUIREs that it fails.
std::string make_error(const std::string& url);

struct Attempt {
  Outcome outcome;
  Millis elapsed{0};
};

/// One check(timeout); CHECKs that it returned within timeout + k_slack.
Attempt attempt(Probe& probe, Millis timeout = Millis(2000));

/// Calls check() until it returns `verdict` or `limit` passes (bounded poll,
/// every 20 ms); returns the last outcome. Each attempt's time is checked.
Outcome poll_for(Probe& probe, Verdict verdict, Millis limit, Millis timeout = Millis(2000));

/// "ready: reason" for failure messages.
std::string describe(const Outcome& outcome);

}  // namespace stackgate::testing
