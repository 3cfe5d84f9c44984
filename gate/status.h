// Plain values the scheduler hands to reporters: the state of each probe and
// the result of a run. No behaviour beyond naming.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/probe.h"

namespace stackgate::gate {

using Millis = std::chrono::milliseconds;

enum class ProbeState {
  waiting,      // its level has not started (an upstream level is not released)
  probing,      // attempts running, not passing yet
  stabilizing,  // passing, inside its stability window
  ready,        // window complete (or the service has no probe and its level started)
  not_ready,    // gave up: its attempts are used up (smoke, check)
  failed,       // fatal outcome: waiting cannot fix it
  timed_out,    // the overall deadline passed before it was ready
  cancelled,    // SIGINT/SIGTERM
};

std::string_view to_string(ProbeState s);

// One row of the plan: one probe of one service. A service without probes
// has a single row with an empty target.
struct ProbeStatus {
  std::string service;
  int level = 0;
  int index = 0;            // probe index within the service
  std::string type;         // URL scheme: "postgres"; "" for a service without probes
  std::string target;       // redacted URL; never the raw URL
  ProbeState state = ProbeState::waiting;
  int attempts = 0;
  int passes = 0;           // consecutive passes in the current window
  int passes_needed = 0;
  Millis stable_for{0};
  Millis window_span{0};    // time between the first and latest pass of the window
  Millis elapsed{0};        // since its level started
  std::optional<probes::Verdict> last_verdict;
  std::string last_reason;
};

enum class RunStatus {
  released,   // every probe ready (wait: the targets may start)
  not_ready,  // some probe used up its attempts without passing (smoke, check)
  failed,     // a fatal outcome
  timed_out,  // the deadline passed
  cancelled,  // interrupted by a signal
};

std::string_view to_string(RunStatus s);

struct RunResult {
  RunStatus status = RunStatus::released;
  std::string reason;               // one line: what failed, or "timed out after 30s"
  Millis elapsed{0};
  int levels_released = 0;
  std::vector<ProbeStatus> probes;  // final state of every row, in plan order
};

}  // namespace stackgate::gate
