#include "gate/container_restarter.h"

#include "probes/docker_engine.h"

namespace stackgate::gate {

namespace {

// Listing, then each restart: the stop grace plus time for the start.
constexpr Millis k_restart_deadline{(k_restart_stop_seconds + 30) * 1000};

}  // namespace

std::expected<std::string, std::string> ContainerRestarter::restart(const std::string& service) const {
  const probes::net::Deadline deadline = probes::net::Deadline::after(k_restart_deadline);
  probes::docker::EngineClient engine(m_socket, deadline);
  auto containers = engine.service_containers(m_project, service);
  if (!containers) return std::unexpected(containers.error().reason);
  if (containers->empty()) {
    return std::unexpected("no container of service '" + service + "' in Compose project '" + m_project + "'");
  }
  std::string done;
  for (const probes::docker::Container& c : *containers) {
    if (auto ok = engine.restart(c, k_restart_stop_seconds); !ok) {
      std::string failed = "restarting " + c.name + ": " + ok.error().reason;
      return std::unexpected(done.empty() ? failed : "restarted " + done + "; " + failed);
    }
    done += (done.empty() ? "" : ", ") + c.name;
  }
  return "restarted " + done;
}

}  // namespace stackgate::gate
