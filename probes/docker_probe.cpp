// docker://SERVICE?project=NAME&state=...: what each state requires of a
// container, and of all the service's containers together. The Engine API
// itself is docker_engine.h.
//
// One attempt: list the service's containers, then, unless the list alone
// decides (state=running while no container has exited), inspect each one in
// name order, stopping at the first fatal one.
#include "probes/docker_probe.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <vector>

#include "probes/docker_engine.h"
#include "probes/net.h"
#include "probes/sanitize.h"

namespace stackgate::probes {

namespace {

using docker::Container;
using docker::ContainerState;
using docker::Health;
using docker::RunState;

constexpr const char* k_default_socket = "/var/run/docker.sock";

enum class Wanted { running, healthy, exited0 };

std::string exited_reason(const std::string& name, const ContainerState& s) {
  std::string out = "container " + name + " exited with code " + std::to_string(s.exit_code);
  if (s.restart_policy.empty() || s.restart_policy == "no") {
    return out + "; it has no restart policy, so it runs again only when something starts it";
  }
  return out + " (restart policy " + s.restart_policy + ")";
}

// Not ready because the container is not running (shared by every state=).
Outcome not_running(const std::string& name, RunState state, const std::string& state_text) {
  switch (state) {
    case RunState::created: return Outcome::not_yet("container " + name + " is created but not started yet");
    case RunState::restarting: return Outcome::not_yet("container " + name + " is restarting");
    case RunState::paused: return Outcome::not_yet("container " + name + " is paused");
    case RunState::removing: return Outcome::not_yet("container " + name + " is being removed");
    case RunState::dead: return Outcome::not_yet("container " + name + " is dead (the engine failed to remove it)");
    default: return Outcome::not_yet("container " + name + " is in state '" + state_text + "'");
  }
}

Outcome judge_running(const std::string& name, const ContainerState& s) {
  if (s.state == RunState::running) return Outcome::ready("container " + name + " is running");
  if (s.state == RunState::exited) return Outcome::not_yet(exited_reason(name, s));
  return not_running(name, s.state, s.state_text);
}

std::string last_check(const ContainerState& s) {
  if (!s.last_check_exit) return "no check has finished yet";
  std::string out = "last check exited " + std::to_string(*s.last_check_exit);
  return s.last_check_output.empty() ? out + " with no output" : out + ": " + s.last_check_output;
}

// As Compose's service_healthy: no healthcheck is an error, not a wait.
Outcome judge_healthy(const std::string& name, const ContainerState& s) {
  if (s.state != RunState::running) return judge_running(name, s);
  switch (s.health) {
    case Health::none: return Outcome::fatal("container " + name + " has no healthcheck configured");
    case Health::healthy: return Outcome::ready("container " + name + " is healthy");
    case Health::starting: return Outcome::not_yet("container " + name + " is starting (" + last_check(s) + ")");
    case Health::unhealthy: return Outcome::not_yet("container " + name + " is unhealthy (" + last_check(s) + ")");
    case Health::unknown: break;
  }
  return Outcome::not_yet("container " + name + " has an unknown health status");
}

// As Compose's service_completed_successfully: a non-zero exit is final. A
// container the engine will restart (on-failure) reads as restarting, not
// exited, so it is still waited for.
Outcome judge_exited0(const std::string& name, const ContainerState& s) {
  switch (s.state) {
    case RunState::exited:
      if (s.exit_code == 0) return Outcome::ready("container " + name + " exited with code 0");
      return Outcome::fatal("container " + name + " failed with exit code " + std::to_string(s.exit_code));
    case RunState::running: return Outcome::not_yet("container " + name + " is still running");
    case RunState::restarting:
      return Outcome::not_yet("container " + name + " is restarting (last exit code " + std::to_string(s.exit_code) + ")");
    default: return not_running(name, s.state, s.state_text);
  }
}

class DockerProbe final : public Probe {
 public:
  DockerProbe(std::string service, std::string project, Wanted wanted, std::string socket)
      : m_service(std::move(service)), m_project(std::move(project)), m_wanted(wanted), m_socket(std::move(socket)) {}

  Outcome check(Millis timeout) override {
    const net::Deadline deadline = net::Deadline::after(timeout);
    docker::EngineClient engine(m_socket, deadline);
    auto containers = engine.service_containers(m_project, m_service);
    if (!containers) return containers.error();
    if (containers->empty()) {
      return Outcome::not_yet("no container for service " + m_service + " in project " + m_project + " yet");
    }
    std::vector<Outcome> outcomes;
    for (const Container& c : *containers) {
      outcomes.push_back(judge(engine, c));
      if (outcomes.back().verdict == Verdict::fatal) return outcomes.back();
    }
    return combine(outcomes);
  }

 private:
  Outcome judge(docker::EngineClient& engine, const Container& c) const {
    // The list alone decides for state=running unless the container exited
    // (then the exit code and restart policy go into the reason): one
    // request per attempt in the common case.
    if (m_wanted == Wanted::running && c.state != RunState::exited) {
      return c.state == RunState::running ? Outcome::ready("container " + c.name + " is running")
                                          : not_running(c.name, c.state, c.state_text);
    }
    auto state = engine.inspect(c);
    if (!state) return state.error();
    if (!*state) return Outcome::not_yet("container " + c.name + " went away while being inspected");
    switch (m_wanted) {
      case Wanted::running: return judge_running(c.name, **state);
      case Wanted::healthy: return judge_healthy(c.name, **state);
      case Wanted::exited0: return judge_exited0(c.name, **state);
    }
    return Outcome::fatal("unknown state");
  }

  // Every container must pass; the first one that does not is named.
  Outcome combine(const std::vector<Outcome>& outcomes) const {
    if (outcomes.size() == 1) return outcomes.front();
    size_t ready = std::count_if(outcomes.begin(), outcomes.end(),
                                 [](const Outcome& o) { return o.verdict == Verdict::ready; });
    std::string count = std::to_string(outcomes.size());
    if (ready == outcomes.size()) {
      switch (m_wanted) {
        case Wanted::running: return Outcome::ready(count + " containers running");
        case Wanted::healthy: return Outcome::ready(count + " containers healthy");
        case Wanted::exited0: return Outcome::ready(count + " containers exited with code 0");
      }
    }
    auto first = std::find_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.verdict != Verdict::ready; });
    return Outcome::not_yet(first->reason + " (" + std::to_string(ready) + " of " + count + " containers ready)");
  }

  std::string m_service;
  std::string m_project;
  Wanted m_wanted;
  std::string m_socket;
};

// Compose: service names [a-zA-Z0-9._-]+, project names lower-case letters,
// digits, '-' and '_' (Compose lower-cases and strips directory names to fit).
bool valid_service(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool valid_project(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

}  // namespace

std::expected<std::string, std::string> docker_socket_path() {
  const char* host = std::getenv("DOCKER_HOST");
  if (host == nullptr || *host == '\0') return std::string(k_default_socket);
  std::string_view value(host);
  if (value.starts_with("unix://")) {
    std::string path(value.substr(7));
    if (path.empty()) return std::unexpected(std::string("DOCKER_HOST=unix:// names no socket path"));
    return path;
  }
  // Only the scheme is echoed: the rest may name a user and host.
  size_t sep = value.find("://");
  std::string scheme = sep == std::string_view::npos ? "" : sanitize(value.substr(0, sep), 20);
  return std::unexpected(
      "DOCKER_HOST " + (scheme.empty() ? std::string("is not a URL") : "uses " + scheme + "://") +
      ", but stackgate reads the Docker Engine only over its unix socket (set DOCKER_HOST=unix:///path or "
      "socket=/path)");
}

bool docker_engine_available(std::chrono::milliseconds timeout) {
  auto path = docker_socket_path();
  if (!path) return false;
  const net::Deadline deadline = net::Deadline::after(timeout);
  return docker::EngineClient(*path, deadline).ping();
}

std::expected<std::unique_ptr<Probe>, std::string> make_docker_probe(const ProbeSpec& spec) {
  const Url& url = spec.url;
  auto fail = [&](const std::string& why) { return std::unexpected(why + " in " + url.redacted()); };
  if (!url.user.empty() || url.has_password) return fail("docker:// takes no user or password");
  if (url.hosts.size() != 1) return fail("docker:// takes exactly one service");
  const std::string& service = url.hosts.front().host;
  if (!valid_service(service)) {
    return fail("bad service name '" + sanitize(service, 64) + "' (Compose allows letters, digits, '.', '_' and '-')");
  }
  if (!url.path.empty() && url.path != "/") return fail("docker:// takes no path (docker://SERVICE?project=NAME)");

  std::optional<std::string> project;
  std::optional<std::string> socket;
  Wanted wanted = Wanted::running;
  for (const auto& [key, value] : url.query) {
    if (key == "project") {
      project = value;
    } else if (key == "socket") {
      if (value.empty()) return fail("empty socket option");
      socket = value;
    } else if (key == "state") {
      if (value == "running") {
        wanted = Wanted::running;
      } else if (value == "healthy") {
        wanted = Wanted::healthy;
      } else if (value == "exited0") {
        wanted = Wanted::exited0;
      } else {
        return fail("bad state '" + sanitize(value, 64) + "' (expected running, healthy or exited0)");
      }
    } else {
      return fail("unknown option '" + sanitize(key, 64) + "' for docker:// (expected project, state or socket)");
    }
  }
  if (!project) {
    if (const char* env = std::getenv("COMPOSE_PROJECT_NAME"); env != nullptr && *env != '\0') project = env;
  }
  if (!project) return fail("docker:// needs project=NAME (or COMPOSE_PROJECT_NAME)");
  if (!valid_project(*project)) {
    return fail("bad project name '" + sanitize(*project, 64) +
                "' (Compose project names are lower-case letters, digits, '-' and '_')");
  }
  if (!socket) {
    auto path = docker_socket_path();
    if (!path) return fail(path.error());
    socket = std::move(*path);
  }
  return std::make_unique<DockerProbe>(service, std::move(*project), wanted, std::move(*socket));
}

}  // namespace stackgate::probes
