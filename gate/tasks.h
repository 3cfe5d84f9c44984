// From the plan to the scheduler's input: each planned probe URL is parsed
// with its common options (spec::parse_probe_spec) and built into a probe
// (probes::make_probe). Errors are config errors at the place the URL (or
// the value that decided it) was written; all are collected.
//
// Per-probe options are typed values merged field by field (passes and
// stable_for each on its own): each is taken from the first of these that
// sets it.
//   1. the probe URL:            timeout= interval= max_latency= passes= stable_for= window=
//   2. the probe kind's own key: x-stackgate.kafka.stable_for for the group probe,
//                                a single pass for a job's exit code (docker://...?state=exited0)
//   3. the service:              x-stackgate.window / timeout / max_latency
//   4. the command line:         --window (wait, exec)
//   5. the defaults:             timeout 2 s (5 s for kafka://), interval 10 ms,
//                                passes=2,stable_for=1s, no max_latency
// (2 and 3 are merged by compose, InferredProbe::settings.) For `smoke` and
// `check` without --timeout the window is a single pass, whatever 1-3 say.
#pragma once

#include <expected>
#include <optional>
#include <vector>

#include "compose/model.h"
#include "gate/plan.h"
#include "gate/scheduler.h"
#include "spec/probe_spec.h"
#include "util/diagnostics.h"

namespace stackgate::gate {

struct TaskDefaults {
  spec::Window window{k_default_window_passes, k_default_window_stable_for};
  bool force_window = false;  // smoke without --timeout: one pass, whatever the probe says
};

/// Options for one probe: its URL's settings (in `spec`) over what compose
/// gives it (`from_compose`: probe kind over service) over the defaults.
ProbeOptions resolve_options(const spec::ProbeSpec& spec, const spec::ProbeSettings& from_compose,
                             const TaskDefaults& defaults);

/// The scheduler's levels for `plan` (whose services come from `project`).
std::expected<std::vector<LevelTasks>, util::ConfigErrors> build_tasks(const Plan& plan,
                                                                       const compose::Project& project,
                                                                       const TaskDefaults& defaults);

}  // namespace stackgate::gate
