// From the plan to the scheduler's input: each planned probe URL is parsed
// with its common options (probes::parse_probe_spec) and built into a probe
// (probes::make_probe). Errors are config errors at the place the URL (or
// the value that decided it) was written; all are collected.
//
// Per-probe options, most specific first:
//   timeout   URL timeout= > x-stackgate.timeout > 2 s (5 s for kafka://)
//   interval  URL interval= > 10 ms
//   window    URL window=/passes=/stable_for= > x-stackgate.window >
//             --window > passes=2,stable_for=1s
// For `smoke` and `check` the default window is a single pass.
#pragma once

#include <expected>
#include <optional>
#include <vector>

#include "compose/model.h"
#include "gate/plan.h"
#include "gate/scheduler.h"
#include "probes/url.h"
#include "util/diagnostics.h"

namespace stackgate::gate {

struct TaskDefaults {
  probes::Window window{k_default_window_passes, k_default_window_stable_for};
  bool force_window = false;  // smoke without --timeout: one pass, whatever the probe says
};

/// Options for one probe, from its spec, its service's x-stackgate and the
/// defaults. The error is one line.
std::expected<ProbeOptions, std::string> resolve_options(const probes::ProbeSpec& spec,
                                                         const compose::StackgateExtension& extension,
                                                         const TaskDefaults& defaults);

/// The scheduler's levels for `plan` (whose services come from `project`).
std::expected<std::vector<LevelTasks>, util::ConfigErrors> build_tasks(const Plan& plan,
                                                                       const compose::Project& project,
                                                                       const TaskDefaults& defaults);

}  // namespace stackgate::gate
