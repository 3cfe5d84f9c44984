// Zero-config probe inference: from a service's image, ports and environment
// to probe URLs, each with the provenance of its parts so `stackgate plan`
// can say where every value came from. Pure: no sockets, no files except
// *_FILE secrets which become password_file= options.
#pragma once

#include <string>
#include <vector>

#include "compose/model.h"

namespace stackgate::compose {

struct InferredProbe {
  std::string url;       // full probe URL, may contain a password: redact before printing
  // "x-stackgate", "label", "family" (a typed probe), "healthcheck",
  // "ports", "kafka-group", "docker" (container state from the Engine)
  std::string kind;
  // One line per inferred value: {"user", "POSTGRES_USER from environment"}.
  std::vector<std::pair<std::string, std::string>> provenance;
  SourceLocation where;  // where the URL or its deciding value was written
  // The common options compose gives this probe, typed (never written into
  // `url`): the probe kind's own keys (x-stackgate.kafka.stable_for for the
  // group probe; a single pass for a job's exit code) over the service's
  // x-stackgate window/timeout/max_latency, field by field. Options written
  // in the URL itself win over these (the gate merges, gate/tasks.h).
  spec::ProbeSettings settings;
};

enum class AddressMode {
  service,    // host = service name (or its first network alias), container port
  published,  // host = 127.0.0.1 (or the host_ip), published host port: for running on the Docker host
};

struct InferOptions {
  AddressMode address_mode = AddressMode::service;
  // The Docker Engine is reachable: jobs are checked by their exit code and
  // services with a healthcheck by the Engine's health status
  // (docker://SERVICE?project=P&state=...).
  bool docker = false;
};

/// The probes of `service`: x-stackgate/labels first; otherwise (or in
/// addition with `infer: true`) typed probes from the image and environment,
/// else TCP on its expose/ports container ports, else none. The consuming
/// service's x-stackgate.kafka groups become a kafka:// probe with
/// groups=... against the project's Kafka service (found in `project`).
std::vector<InferredProbe> infer_probes(const Project& project, const Service& service, const InferOptions& options);

// infer_probes() plus the reasons for what was *not* probed, for `plan` and
// `lint`: "port 5432 (postgres) is not published: no probe from the host".
struct InferResult {
  std::vector<InferredProbe> probes;
  std::vector<std::string> notes;
  // Probes that may never pass or prove little, for `lint` ("probed only
  // by TCP although it runs postgres", "Kafka advertises only localhost").
  std::vector<std::string> hazards;
  std::string family;  // the server family decided for the service ("" when none)
  bool job = false;    // a dependent waits for it with service_completed_successfully
  bool gate = false;   // it runs stackgate wait/smoke itself
};

InferResult explain_probes(const Project& project, const Service& service, const InferOptions& options);

class InferIndex;
/// The same with an index built once for the project (infer_index.h): use it
/// when inferring every service, which then stays linear in the project.
InferResult explain_probes(const InferIndex& index, const Service& service, const InferOptions& options);

/// The services that a gate service of the project releases: the `--for`
/// targets of every service that runs `stackgate wait|exec` (or its
/// STACKGATE_FOR variable). They need no probe of their own.
std::vector<std::string> gated_services(const Project& project);

}  // namespace stackgate::compose
