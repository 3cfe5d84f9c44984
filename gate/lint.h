// `stackgate lint`: gating hazards in a loaded project.
//
// Errors (exit 2, like any config error):
//   - a dependency on an unknown service, a dependency cycle (graph rules);
//   - service_healthy on a dependency whose healthcheck is disabled
//     (Compose fails: "container X has no healthcheck configured");
//   - two services publishing the same host port;
//   - with --host-ports (LintOptions::host_ports): a published host port
//     already in use on this machine (see host_ports.h);
//   - a probe URL that does not parse.
// Warnings (exit 0 unless --strict):
//   - service_healthy on a dependency with no healthcheck in the compose file
//     (fine only if the image defines HEALTHCHECK);
//   - a service nothing can probe (no x-stackgate probe, no known image, no port);
//   - a probe whose options cannot be resolved here (e.g. a password_file
//     that exists only inside the container);
//   - the loader's own warnings (unset variables...);
//   - with --host-ports: a host IP that is not an address of this machine.
#pragma once

#include <string>
#include <vector>

#include "compose/infer.h"
#include "compose/model.h"
#include "util/diagnostics.h"

namespace stackgate::gate {

using util::Severity;
using Finding = util::Diagnostic;

struct LintOptions {
  bool host_ports = false;  // bind() each published host port here (the state of this machine)
};

/// Every finding, errors and warnings, in a stable order.
std::vector<Finding> lint_project(const compose::Project& project, const compose::InferOptions& infer,
                                  const LintOptions& options = {});

}  // namespace stackgate::gate
