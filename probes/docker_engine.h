// The Docker Engine API, as much of it as docker:// needs (docker_probe.cpp)
// and `serve --restart-unhealthy` (gate/container_restarter.cpp),
// over the engine's unix socket: HTTP/1.1 by http1.h, JSON by nlohmann-json
// in docker_engine.cpp only. The engine's strings (states, health) are parsed
// here, once, into enums; names and check output arrive sanitised.
//
// API paths carry no version prefix: the engine answers them with its own
// version, and the fields read here (Id, Names, State, Labels;
// State.Status/Restarting/ExitCode/Health, HostConfig.RestartPolicy) are the
// same in every API version since 1.24.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "probes/net.h"
#include "probes/probe.h"

namespace stackgate::probes::docker {

enum class RunState { created, running, paused, restarting, removing, exited, dead, unknown };
enum class Health { none, starting, healthy, unhealthy, unknown };  // none: no healthcheck configured

// A row of GET /containers/json.
struct Container {
  std::string id;          // 64 hex digits (checked: it goes into request paths)
  std::string name;        // sanitised, without the leading '/'
  RunState state = RunState::unknown;
  std::string state_text;  // as the engine wrote it, sanitised (for unknown states)
};

// What GET /containers/{id}/json adds.
struct ContainerState {
  RunState state = RunState::unknown;  // restarting whenever State.Restarting is true
  std::string state_text;
  long long exit_code = 0;
  std::string restart_policy;          // "no", "always", "on-failure", "unless-stopped" ("" = no)
  Health health = Health::none;
  std::optional<long long> last_check_exit;  // of the newest State.Health.Log entry
  std::string last_check_output;       // its last non-empty line, sanitised and cut
};

// The requests of one probe attempt: each is a fresh connection, all share
// the deadline. Failures come back as the attempt's Outcome, classified in
// one place: missing socket and permission denied fatal (the latter with the
// socket's mode and owner and the probing uid), connection refused a cheap
// not_yet, engine answers 4xx fatal and 5xx not_yet with the engine's
// message, a 200 that is not the expected JSON fatal.
class EngineClient {
 public:
  /// `socket` and `deadline` must outlive the client.
  EngineClient(const std::string& socket, const net::Deadline& deadline) : m_socket(socket), m_deadline(deadline) {}

  /// The containers labelled with this Compose project and service (stopped
  /// ones too), one-off containers (com.docker.compose.oneoff=True) left
  /// out, sorted by name.
  std::expected<std::vector<Container>, Outcome> service_containers(const std::string& project,
                                                                    const std::string& service);

  /// The container's state; nullopt when the engine no longer knows it (404:
  /// removed since the list, as when Compose recreates it).
  std::expected<std::optional<ContainerState>, Outcome> inspect(const Container& container);

  /// Restarts the container (POST /containers/{id}/restart?t=`stop_seconds`):
  /// the engine stops it (SIGTERM, SIGKILL after `stop_seconds`) and starts
  /// it again, as `docker restart` does; a stopped container is started. The
  /// deadline must leave room for the stop. 404 (removed meanwhile) is fatal
  /// with the engine's message.
  std::expected<void, Outcome> restart(const Container& container, int stop_seconds);

  /// True when GET /_ping answers 200 "OK".
  bool ping();

 private:
  const std::string& m_socket;
  const net::Deadline& m_deadline;
};

}  // namespace stackgate::probes::docker
