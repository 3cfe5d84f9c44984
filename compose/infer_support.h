// Helpers shared by the inference files (not part of the module interface).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compose/infer.h"

namespace stackgate::compose::infer_detail {

using Provenance = std::vector<std::pair<std::string, std::string>>;

/// Userinfo and path segments: everything but unreserved characters is %XX.
std::string percent_encode(std::string_view text);

/// "compose.yaml:12:9", "app.env" or "" when unknown.
std::string where_text(const SourceLocation& where);

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

/// Typed probes from the image: nullopt when the image is not known (or the
/// port is unreachable in this mode, with a note).
std::optional<InferredProbe> infer_from_image(const Service& service, AddressMode mode, std::vector<std::string>& notes);

/// "host:port" of a Kafka service's listener for other containers (or for
/// the host in published mode), with provenance.
std::optional<Endpoint> kafka_endpoint(const Service& service, AddressMode mode, Provenance& provenance,
                                       std::vector<std::string>& notes);

}  // namespace stackgate::compose::infer_detail
