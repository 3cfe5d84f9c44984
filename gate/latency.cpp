#include "gate/latency.h"

#include "util/duration.h"

namespace stackgate::gate {

probes::Outcome judge_latency(probes::Outcome outcome, std::chrono::milliseconds took,
                              std::optional<std::chrono::milliseconds> max_latency) {
  if (!max_latency || outcome.verdict != probes::Verdict::ready || took <= *max_latency) return outcome;
  // Not cheap: a slow server is busy, polling it faster would not help.
  return probes::Outcome::not_yet("answered in " + util::format_duration(took) + ", slower than max_latency=" +
                                  util::format_duration_exact(*max_latency));
}

}  // namespace stackgate::gate
