// `stackgate plan` output: text for people, one JSON object for tools, and
// Graphviz dot. Every target printed is the redacted one.
#pragma once

#include <string>

#include "gate/graph.h"
#include "gate/plan.h"

namespace stackgate::gate {

std::string plan_text(const Plan& plan, const ServiceGraph& graph);

/// One object: {"project", "files", "levels": [[names]], "release": [names],
/// "services": {name: {"level", "release", "skipped", "depends_on":
/// [{"service","condition","required","implicit","via","where"}], "probes":
/// [{"type","target","kind","where","provenance":{key: source}}]}}}.
std::string plan_json(const Plan& plan, const ServiceGraph& graph);

std::string plan_dot(const Plan& plan, const ServiceGraph& graph);

using util::format_location;  // the one location formatter (util/diagnostics.h)

}  // namespace stackgate::gate
