// The plan: which services are probed, in which level, with which probes,
// and which services are released at the end. Built from the loaded project
// and its graph; printed by `plan`, checked by `lint`, run by `wait`,
// `exec` and `smoke`.
//
// For `--for X` the levels hold X's upstream closure only: X itself is what
// gets released, not probed. Without targets the levels hold every enabled
// service.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compose/infer.h"
#include "compose/model.h"
#include "gate/graph.h"
#include "spec/url.h"
#include "util/diagnostics.h"

namespace stackgate::gate {

struct PlannedProbe {
  std::string url;     // as inferred; may hold a password: never print it
  std::optional<spec::Url> parsed;  // `url` parsed, once, when the plan is made
  std::string parse_error;          // why it did not parse (then `parsed` is empty)
  std::string type;    // URL scheme ("postgres"), "" when the URL does not parse
  std::string target;  // redacted URL: the printable form
  std::string kind;    // "x-stackgate", "label", "image", "ports", "kafka-group"
  std::vector<std::pair<std::string, std::string>> provenance;
  util::SourceLocation where;
  spec::ProbeSettings settings;  // compose's typed options for it (InferredProbe::settings)
};

struct PlannedService {
  std::string name;
  int level = -1;        // -1 for release targets
  bool release = false;  // a --for target: released when the levels are, not probed
  bool skipped = false;  // x-stackgate skip, or replicas: 0
  std::vector<PlannedProbe> probes;
  std::vector<std::string> notes;  // why something was not probed ("port 5432 is not published...")
  std::string family;              // the server family inferred ("postgres"), "" when none
  bool job = false;                // a dependent waits for it with service_completed_successfully
};

struct Plan {
  std::string project;
  std::vector<std::string> files;
  Levels levels;
  std::vector<std::string> release;                 // the --for targets, sorted
  std::map<std::string, PlannedService> services;   // every service in levels and release
};

/// Builds the plan. `targets` must exist in `graph` (see check_targets).
Plan make_plan(const compose::Project& project, const ServiceGraph& graph, const std::vector<std::string>& targets,
               const compose::InferOptions& infer);

/// The URL with any password replaced by "***", also for URLs that do not
/// parse (then by pattern: scheme://user:***@...).
std::string redact_url(const std::string& url);

}  // namespace stackgate::gate
