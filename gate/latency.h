// max_latency: an answer slower than the limit does not count as ready.
// Judged where attempts are timed (the scheduler, serve's monitor), not in
// each probe, so every scheme honours it the same way.
#pragma once

#include <chrono>
#include <optional>

#include "probes/probe.h"

namespace stackgate::gate {

/// `outcome` unchanged, unless it is ready and `took` exceeds `max_latency`:
/// then not_yet, "answered in 5.3s, slower than max_latency=5s". A not_yet
/// or fatal answer keeps its own reason.
probes::Outcome judge_latency(probes::Outcome outcome, std::chrono::milliseconds took,
                              std::optional<std::chrono::milliseconds> max_latency);

}  // namespace stackgate::gate
