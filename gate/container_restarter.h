// `serve --restart-unhealthy`: restarts a Compose service's containers
// through the Docker Engine API on its unix socket (probes/docker_engine.h;
// no docker CLI), found by the labels com.docker.compose.project and
// com.docker.compose.service, one-off containers left out.
//
// restart() blocks for the engine's stop and start (up to k_restart_stop
// seconds plus the start), so the dispatcher calls it on a thread of its own.
// Thread-safe: each call opens its own connections.
#pragma once

#include <expected>
#include <string>

#include "gate/scheduler.h"

namespace stackgate::gate {

// Docker's own default grace between SIGTERM and SIGKILL for `docker restart`.
inline constexpr int k_restart_stop_seconds = 10;

class ContainerRestarter {
 public:
  ContainerRestarter(std::string socket, std::string project) : m_socket(std::move(socket)), m_project(std::move(project)) {}

  /// Restarts every container of `service`. The value is one line for the
  /// log ("restarted sge2e-backend-1"), the error one line with the reason
  /// (no container, socket missing or denied, the engine's message).
  std::expected<std::string, std::string> restart(const std::string& service) const;

  const std::string& project() const { return m_project; }

 private:
  std::string m_socket;
  std::string m_project;
};

}  // namespace stackgate::gate
