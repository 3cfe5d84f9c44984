// The scheduler: drives probes level by level until every probe of every
// level has been ready for its stability window, a probe fails fatally, the
// deadline passes or the run is cancelled.
//
// Defaults (the README's "Semantics and defaults" states them too):
//   attempt timeout          2 s per attempt (ProbeOptions; the CLI gives
//                            kafka:// probes 5 s, and a URL's timeout= wins)
//   stability window         passes=2, stable_for=1s
//   first retry              2 ms, or the probe's interval=
//   backoff                  doubling with up to 25% jitter (never longer
//                            than the computed delay): capped at 4 ms after
//                            a refusal (refused/unreachable: the port opens,
//                            the gate releases within milliseconds), at
//                            100 ms while the name does not resolve (each
//                            retry queries a shared resolver) and at 1 s
//                            after a protocol-level not_yet
//   window re-probe          every clamp(stable_for / passes, 50 ms, 100 ms),
//                            never later than the moment the window can close:
//                            an outage of 100 ms plus one attempt inside a
//                            window is always seen, and restarts it
//   probe's recheck_within   an Outcome may ask for an earlier next attempt
//                            (after a pass or a not_yet); the shorter wins
//   attempt rate             at most 32 attempts in flight and one attempt
//                            start every 2 ms across all probes (<= 500/s)
//   overall deadline         none here; the CLI sets 300 s for wait/exec
//                            (--timeout, 0 = none) and none for smoke
//   stuck attempt            a probe that overruns its timeout by 250 ms is
//                            counted as not_yet; it is not retried until the
//                            late attempt returns
//
// Release is final: once a level is released it stays released, and its
// probes are not re-checked while later levels are probed. For `wait` the
// release of the target is the point of no return anyway (the dependent may
// already have started), and re-probing upstreams would only multiply load.
//
// Thread-safety: run() is called from one thread; probes are called through
// the Executor (possibly on other threads), each probe by one attempt at a
// time. The Reporter is only called from run()'s thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gate/clock.h"
#include "gate/executor.h"
#include "gate/reporter.h"
#include "gate/status.h"
#include "probes/probe.h"
#include "spec/probe_spec.h"

namespace stackgate::gate {

inline constexpr Millis k_default_attempt_timeout{2000};
inline constexpr Millis k_default_kafka_attempt_timeout{5000};
inline constexpr int k_default_window_passes = 2;
inline constexpr Millis k_default_window_stable_for{1000};
inline constexpr Millis k_default_wait_timeout{300'000};

struct ProbeOptions {
  Millis timeout = k_default_attempt_timeout;
  std::optional<Millis> interval;  // first retry delay; default SchedulerOptions::first_delay
  // An answer slower than this is not ready: not_yet (wait, check, smoke),
  // a failure for serve. Measured around the whole attempt.
  std::optional<Millis> max_latency;
  spec::Window window{k_default_window_passes, k_default_window_stable_for};
};

struct ProbeTask {
  std::shared_ptr<probes::Probe> probe;  // shared: a stuck attempt keeps it alive
  std::string type;                      // URL scheme, for reports
  std::string target;                    // redacted URL: the only form ever printed
  ProbeOptions options;
};

struct ServiceTasks {
  std::string name;
  std::vector<ProbeTask> probes;  // none: ready as soon as its level starts
};

using LevelTasks = std::vector<ServiceTasks>;

struct SchedulerOptions {
  std::optional<Millis> timeout;    // overall deadline, counted from the start of run()
  bool fail_fast = true;            // a fatal outcome ends the run at once
  bool gate_levels = true;          // false: probe every level at once (smoke, check)
  std::optional<int> max_attempts;  // per probe (1 for smoke/check without --timeout)
  int max_in_flight = 32;
  Millis min_spacing{2};            // between attempt starts, across all probes
  double jitter = 0.25;
  std::uint64_t seed = 0x5eedULL;
  // Retry delays (gate/backoff.h). With min_spacing they make the attempt
  // budget: at most 250 attempts/s against one refusing target, 10/s
  // against a name that does not resolve, 500/s over all targets.
  Millis first_delay{2};
  Millis refused_cap{4};
  Millis lookup_cap{100};
  Millis slow_cap{1000};
  Millis window_min{50};
  Millis window_max{100};
  Millis stuck_grace{250};
};

class Scheduler {
 public:
  /// `clock`, `executor` and `reporter` must outlive run().
  Scheduler(Clock& clock, Executor& executor, Reporter& reporter, SchedulerOptions options = {});

  /// Runs to completion. `cancel` (may be null) is polled on every turn; set
  /// it and call clock.wake() to interrupt promptly.
  RunResult run(const std::vector<LevelTasks>& levels, const std::atomic<bool>* cancel = nullptr);

 private:
  Clock& m_clock;
  Executor& m_executor;
  Reporter& m_reporter;
  SchedulerOptions m_options;
};

}  // namespace stackgate::gate
