// Helpers shared by the inference files (not part of the module interface).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compose/connection_refs.h"
#include "compose/healthcheck_hint.h"
#include "compose/image_family.h"
#include "compose/infer.h"
#include "spec/url.h"

namespace stackgate::compose::infer_detail {

using Provenance = std::vector<std::pair<std::string, std::string>>;

using spec::percent_encode;

struct EnvHit {
  std::string name;
  std::string value;
  SourceLocation where;
};

/// The first of `names` set (non-empty) in the service's environment.
std::optional<EnvHit> env(const Service& service, std::initializer_list<std::string_view> names);

/// "POSTGRES_USER from environment (compose.yaml:12:9)".
std::string from_env(const EnvHit& hit);

/// The value after `flag` in the service's command or entrypoint: "--port 7000",
/// "--port=7000", also inside a `sh -c "..."` string. `$VAR` / `${VAR}` values
/// are resolved from the service's environment.
std::optional<std::string> flag_value(const Service& service, std::initializer_list<std::string_view> flags);

std::optional<int> to_port(std::string_view text);

struct Endpoint {
  std::string host;  // IPv6 literals in brackets
  int port = 0;
};

/// Where to reach `container_port` of `service` in `mode`: the service name
/// and the container port, or 127.0.0.1 (or host_ip) and the published port.
/// Adds host/port provenance; nullopt (with a note) when not published.
std::optional<Endpoint> endpoint(const Service& service, int container_port, std::string_view what, AddressMode mode,
                                 Provenance& provenance, std::vector<std::string>& notes);

/// What the file says besides the server's own environment: a client's
/// connection string naming the service (the strongest: it is what the
/// client will use) and the service's healthcheck (the weakest).
struct Hints {
  const ConnectionRef* ref = nullptr;
  std::string ref_owner;  // the service whose environment holds `ref`
  const HealthcheckHint* health = nullptr;
};

/// "DATABASE_URL of service backend (compose.yaml:30:9)".
std::string ref_source(const Hints& hints);

/// The typed probe of `family` for `service` (nullopt, with a note, when its
/// port is unreachable in this mode or no probe could ever pass).
std::optional<InferredProbe> infer_typed(const Service& service, ImageFamily family, const Hints& hints,
                                         AddressMode mode, std::vector<std::string>& notes);

/// "host:port" of a Kafka service's listener for other containers (or for
/// the host in published mode), with provenance. `client_port` is the port
/// a client's connection string uses, when there is one.
std::optional<Endpoint> kafka_endpoint(const Service& service, AddressMode mode, Provenance& provenance,
                                       std::vector<std::string>& notes, std::optional<int> client_port = std::nullopt,
                                       const std::string& client_source = "");

/// The security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL) of the
/// Kafka listener on container port `port`, "" when the file does not say.
std::string kafka_listener_protocol(const Service& service, int port);

/// The listener hosts a Kafka service advertises, and whether every one of
/// them is local (localhost, 127.0.0.1...): then no other container can use it.
bool kafka_advertises_only_local(const Service& service);

}  // namespace stackgate::compose::infer_detail
