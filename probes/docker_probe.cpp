// docker://SERVICE?project=NAME&state=...: container state from the Docker
// Engine API over its unix socket. The only file that includes nlohmann/json.
//
// One attempt: GET /containers/json?all=1&filters={"label":[project, service]}
// (one-off containers dropped here, by their label), then, unless the list
// alone decides (state=running with no exited container), GET
// /containers/{id}/json for each container, in name order. Every request is
// a fresh connection ("Connection: close") and all of them share the
// attempt's deadline. API paths carry no version prefix: the engine answers
// them with its own version, and the fields read here (State, Labels, Names,
// State.Status/ExitCode/Health, HostConfig.RestartPolicy) are the same in
// every API version since 1.24.
#include "probes/docker_probe.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "probes/http1.h"
#include "probes/net.h"
#include "probes/sanitize.h"
#include "util/strings.h"

namespace stackgate::probes {

namespace {

using nlohmann::json;

constexpr const char* k_default_socket = "/var/run/docker.sock";
constexpr const char* k_project_label = "com.docker.compose.project";
constexpr const char* k_service_label = "com.docker.compose.service";
constexpr const char* k_oneoff_label = "com.docker.compose.oneoff";

enum class Wanted { running, healthy, exited0 };

std::string_view to_string(Wanted w) {
  switch (w) {
    case Wanted::running: return "running";
    case Wanted::healthy: return "healthy";
    case Wanted::exited0: return "exited0";
  }
  return "running";
}

// The last non-empty line of a health check's output (the one that usually
// says why), sanitised.
std::string last_line(std::string_view output) {
  std::vector<std::string> lines = util::split(output, '\n');
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string_view line = util::trim(*it);
    if (!line.empty()) return sanitize(line);
  }
  return "";
}

// --- JSON, without exceptions ------------------------------------------------

const json* field(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string text(const json& j, const char* key) {
  const json* f = field(j, key);
  return f != nullptr && f->is_string() ? f->get<std::string>() : "";
}

std::optional<long long> integer(const json& j, const char* key) {
  const json* f = field(j, key);
  if (f == nullptr || !f->is_number_integer()) return std::nullopt;
  return f->get<long long>();
}

// --- engine state --------------------------------------------------------------

enum class RunState { created, running, paused, restarting, removing, exited, dead, unknown };

RunState parse_run_state(std::string_view s) {
  if (s == "created") return RunState::created;
  if (s == "running") return RunState::running;
  if (s == "paused") return RunState::paused;
  if (s == "restarting") return RunState::restarting;
  if (s == "removing") return RunState::removing;
  if (s == "exited") return RunState::exited;
  if (s == "dead") return RunState::dead;
  return RunState::unknown;
}

enum class Health { none, starting, healthy, unhealthy, unknown };

Health parse_health(std::string_view s) {
  if (s == "starting") return Health::starting;
  if (s == "healthy") return Health::healthy;
  if (s == "unhealthy") return Health::unhealthy;
  return Health::unknown;
}

// One row of GET /containers/json.
struct Summary {
  std::string id;
  std::string name;  // sanitised, without the leading '/'
  RunState state = RunState::unknown;
  std::string state_text;  // as the engine wrote it, sanitised (for unknown states)
};

// What GET /containers/{id}/json adds.
struct Detail {
  RunState state = RunState::unknown;
  std::string state_text;
  long long exit_code = 0;
  std::string restart_policy;  // "no", "always", "on-failure", "unless-stopped" ("" = no)
  Health health = Health::none;  // none: no healthcheck configured
  std::optional<long long> last_check_exit;
  std::string last_check_output;  // sanitised last line
};

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<Summary> parse_summary(const json& row) {
  Summary s;
  s.id = text(row, "Id");
  if (!valid_id(s.id)) return std::nullopt;
  if (const json* names = field(row, "Names"); names != nullptr && names->is_array() && !names->empty() &&
                                               names->front().is_string()) {
    std::string name = names->front().get<std::string>();
    s.name = sanitize(name.starts_with('/') ? std::string_view(name).substr(1) : std::string_view(name));
  }
  if (s.name.empty()) s.name = s.id.substr(0, 12);
  std::string state = text(row, "State");
  s.state = parse_run_state(state);
  s.state_text = sanitize(state);
  return s;
}

bool is_oneoff(const json& row) {
  const json* labels = field(row, "Labels");
  return labels != nullptr && text(*labels, k_oneoff_label) == "True";
}

Detail parse_detail(const json& inspect) {
  Detail d;
  static const json k_none = json::object();
  const json* state = field(inspect, "State");
  const json& st = state != nullptr ? *state : k_none;
  std::string status = text(st, "Status");
  d.state = parse_run_state(status);
  d.state_text = sanitize(status);
  if (const json* restarting = field(st, "Restarting"); restarting != nullptr && restarting->is_boolean() &&
                                                       restarting->get<bool>()) {
    d.state = RunState::restarting;
  }
  d.exit_code = integer(st, "ExitCode").value_or(0);
  if (const json* host = field(inspect, "HostConfig"); host != nullptr) {
    if (const json* policy = field(*host, "RestartPolicy"); policy != nullptr) d.restart_policy = sanitize(text(*policy, "Name"));
  }
  const json* health = field(st, "Health");
  if (health != nullptr && health->is_object()) {
    d.health = parse_health(text(*health, "Status"));
    if (const json* log = field(*health, "Log"); log != nullptr && log->is_array() && !log->empty()) {
      const json& last = log->back();
      d.last_check_exit = integer(last, "ExitCode");
      d.last_check_output = last_line(text(last, "Output"));
    }
  }
  return d;
}

// --- one container's verdict -----------------------------------------------------

std::string exited_reason(const std::string& name, const Detail& d) {
  std::string out = "container " + name + " exited with code " + std::to_string(d.exit_code);
  if (d.restart_policy.empty() || d.restart_policy == "no") {
    return out + "; it has no restart policy, so it runs again only when something starts it";
  }
  return out + " (restart policy " + d.restart_policy + ")";
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

std::string last_check(const Detail& d) {
  if (!d.last_check_exit) return "no check has finished yet";
  std::string out = "last check exited " + std::to_string(*d.last_check_exit);
  return d.last_check_output.empty() ? out + " with no output" : out + ": " + d.last_check_output;
}

Outcome judge_healthy(const std::string& name, const Detail& d) {
  if (d.state == RunState::exited) return Outcome::not_yet(exited_reason(name, d));
  if (d.state != RunState::running) return not_running(name, d.state, d.state_text);
  switch (d.health) {
    case Health::none: return Outcome::fatal("container " + name + " has no healthcheck configured");
    case Health::healthy: return Outcome::ready("container " + name + " is healthy");
    case Health::starting: return Outcome::not_yet("container " + name + " is starting (" + last_check(d) + ")");
    case Health::unhealthy: return Outcome::not_yet("container " + name + " is unhealthy (" + last_check(d) + ")");
    case Health::unknown: break;
  }
  return Outcome::not_yet("container " + name + " has an unknown health status");
}

Outcome judge_exited0(const std::string& name, const Detail& d) {
  switch (d.state) {
    case RunState::exited:
      if (d.exit_code == 0) return Outcome::ready("container " + name + " exited with code 0");
      return Outcome::fatal("container " + name + " failed with exit code " + std::to_string(d.exit_code));
    case RunState::running: return Outcome::not_yet("container " + name + " is still running");
    case RunState::restarting:
      return Outcome::not_yet("container " + name + " is restarting (last exit code " + std::to_string(d.exit_code) + ")");
    default: return not_running(name, d.state, d.state_text);
  }
}

// --- transport ---------------------------------------------------------------------

// The one mapping from a socket failure to an outcome, with the socket named.
Outcome outcome_from_net(const net::NetError& error, const std::string& socket) {
  switch (error.kind) {
    case net::NetFailure::missing:
      return Outcome::fatal("Docker socket " + socket +
                            " does not exist (is the Docker Engine running, and the socket mounted here?)");
    case net::NetFailure::denied: {
      std::string who = "probing as uid " + std::to_string(::geteuid()) + " gid " + std::to_string(::getegid());
      struct stat st{};
      if (::stat(socket.c_str(), &st) != 0) {
        return Outcome::fatal("permission denied on Docker socket " + socket + " (cannot stat it: " +
                              std::strerror(errno) + "; " + who + ")");
      }
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return Outcome::fatal("permission denied on Docker socket " + socket + " (mode " + mode + ", owner uid " +
                            std::to_string(st.st_uid) + " gid " + std::to_string(st.st_gid) + "; " + who + ")");
    }
    case net::NetFailure::refused:
      return Outcome::not_yet("Docker Engine is not accepting connections on " + socket + " (connection refused)", true);
    default: return net::to_outcome(error);
  }
}

// The engine's error answer: {"message": "..."} (or, from a proxy, any text).
std::string api_message(const http1::Response& response) {
  json body = json::parse(response.body, nullptr, false);
  std::string message = body.is_discarded() ? response.body : text(body, "message");
  message = sanitize(util::trim(message));
  return message.empty() ? "" : ": " + message;
}

// 4xx: waiting will not change the answer (a socket proxy forbidding the
// call, an API the engine does not have); 5xx: the engine may recover.
Outcome api_error(const http1::Response& response, const std::string& request) {
  std::string reason = "Docker Engine answered " + request + " with HTTP " + std::to_string(response.status) +
                       api_message(response);
  if (response.status >= 500) return Outcome::not_yet(reason);
  return Outcome::fatal(reason);
}

// One attempt's requests to the engine, sharing its deadline.
class Engine {
 public:
  Engine(const std::string& socket, const net::Deadline& deadline) : m_socket(socket), m_deadline(deadline) {}

  std::expected<http1::Response, Outcome> get(const std::string& target) {
    auto socket = net::connect_unix(m_socket, m_deadline);
    if (!socket) return std::unexpected(outcome_from_net(socket.error(), m_socket));
    auto response = http1::get(*socket, target, m_deadline, m_socket);
    if (!response) return std::unexpected(outcome_from_net(response.error(), m_socket));
    return std::move(*response);
  }

  // GET whose 200 answer must be JSON; `request` names it in reasons.
  std::expected<json, Outcome> get_json(const std::string& target, const std::string& request) {
    auto response = get(target);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) return std::unexpected(api_error(*response, request));
    json body = json::parse(response->body, nullptr, false);
    if (body.is_discarded()) {
      return std::unexpected(Outcome::fatal("Docker Engine answered " + request + " with something that is not JSON (is " +
                                            m_socket + " a Docker Engine API socket?)"));
    }
    return body;
  }

 private:
  const std::string& m_socket;
  const net::Deadline& m_deadline;
};

class DockerProbe final : public Probe {
 public:
  DockerProbe(std::string service, std::string project, Wanted wanted, std::string socket)
      : m_service(std::move(service)), m_project(std::move(project)), m_wanted(wanted), m_socket(std::move(socket)) {}

  Outcome check(Millis timeout) override {
    const net::Deadline deadline = net::Deadline::after(timeout);
    Engine engine(m_socket, deadline);
    auto listed = list(engine);
    if (!listed) return listed.error();
    std::vector<Summary>& containers = *listed;
    if (containers.empty()) {
      return Outcome::not_yet("no container for service " + m_service + " in project " + m_project + " yet");
    }
    std::vector<Outcome> outcomes;
    for (const Summary& c : containers) {
      outcomes.push_back(judge(engine, c));
      if (outcomes.back().verdict == Verdict::fatal) return outcomes.back();
    }
    return combine(outcomes);
  }

 private:
  std::expected<std::vector<Summary>, Outcome> list(Engine& engine) {
    json filters = json::object();
    filters["label"] = json::array({std::string(k_project_label) + "=" + m_project,
                                    std::string(k_service_label) + "=" + m_service});
    auto rows = engine.get_json("/containers/json?all=1&filters=" + percent_encode(filters.dump()), "GET /containers/json");
    if (!rows) return std::unexpected(rows.error());
    if (!rows->is_array()) {
      return std::unexpected(Outcome::fatal("Docker Engine answered GET /containers/json with something other than a list"));
    }
    std::vector<Summary> out;
    for (const json& row : *rows) {
      if (is_oneoff(row)) continue;
      std::optional<Summary> s = parse_summary(row);
      if (!s) return std::unexpected(Outcome::fatal("Docker Engine listed a container without a valid Id"));
      out.push_back(std::move(*s));
    }
    std::sort(out.begin(), out.end(), [](const Summary& a, const Summary& b) { return a.name < b.name; });
    return out;
  }

  Outcome judge(Engine& engine, const Summary& c) {
    // The list alone decides a running container (and most not-running ones)
    // for state=running: one request per attempt in the common case.
    if (m_wanted == Wanted::running && c.state == RunState::running) {
      return Outcome::ready("container " + c.name + " is running");
    }
    if (m_wanted == Wanted::running && c.state != RunState::exited) return not_running(c.name, c.state, c.state_text);
    auto response = engine.get("/containers/" + c.id + "/json");
    if (!response) return response.error();
    // Removed between the list and now: Compose recreating it, say.
    if (response->status == 404) return Outcome::not_yet("container " + c.name + " went away while being inspected");
    if (response->status != 200) return api_error(*response, "GET /containers/" + c.id.substr(0, 12) + "/json");
    json inspect = json::parse(response->body, nullptr, false);
    if (inspect.is_discarded() || !inspect.is_object()) {
      return Outcome::fatal("Docker Engine answered GET /containers/" + c.id.substr(0, 12) +
                            "/json with something that is not a JSON object");
    }
    Detail d = parse_detail(inspect);
    switch (m_wanted) {
      case Wanted::running:
        if (d.state == RunState::running) return Outcome::ready("container " + c.name + " is running");
        if (d.state == RunState::exited) return Outcome::not_yet(exited_reason(c.name, d));
        return not_running(c.name, d.state, d.state_text);
      case Wanted::healthy: return judge_healthy(c.name, d);
      case Wanted::exited0: return judge_exited0(c.name, d);
    }
    return Outcome::fatal("unknown state");
  }

  Outcome combine(const std::vector<Outcome>& outcomes) const {
    size_t ready = std::count_if(outcomes.begin(), outcomes.end(),
                                 [](const Outcome& o) { return o.verdict == Verdict::ready; });
    if (outcomes.size() == 1) return outcomes.front();
    std::string count = std::to_string(outcomes.size());
    if (ready == outcomes.size()) {
      std::string what = m_wanted == Wanted::exited0 ? "exited with code 0" : std::string(to_string(m_wanted));
      return Outcome::ready(count + " containers " + what);
    }
    for (const Outcome& o : outcomes) {
      if (o.verdict != Verdict::ready) {
        return Outcome::not_yet(o.reason + " (" + std::to_string(ready) + " of " + count + " containers ready)");
      }
    }
    return outcomes.front();
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
  auto socket = net::connect_unix(*path, deadline);
  if (!socket) return false;
  auto response = http1::get(*socket, "/_ping", deadline, *path, 1024);
  return response && response->status == 200 && util::trim(response->body) == "OK";
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
