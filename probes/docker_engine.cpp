// The only file that includes nlohmann/json. JSON is parsed without
// exceptions (parse(..., allow_exceptions=false)) and read through accessors
// that check types, so no engine answer can throw.
#include "probes/docker_engine.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "probes/http1.h"
#include "probes/sanitize.h"
#include "spec/probe_spec.h"
#include "util/strings.h"

namespace stackgate::probes::docker {

namespace {

using nlohmann::json;

constexpr const char* k_project_label = "com.docker.compose.project";
constexpr const char* k_service_label = "com.docker.compose.service";
constexpr const char* k_oneoff_label = "com.docker.compose.oneoff";

// --- JSON, without exceptions --------------------------------------------------

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

bool flag(const json& j, const char* key) {
  const json* f = field(j, key);
  return f != nullptr && f->is_boolean() && f->get<bool>();
}

// --- the engine's strings, parsed once ----------------------------------------------

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

Health parse_health(std::string_view s) {
  if (s == "starting") return Health::starting;
  if (s == "healthy") return Health::healthy;
  if (s == "unhealthy") return Health::unhealthy;
  return Health::unknown;
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

bool valid_id(std::string_view id) {
  return id.size() == 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<Container> parse_container(const json& row) {
  Container c;
  c.id = text(row, "Id");
  if (!valid_id(c.id)) return std::nullopt;
  if (const json* names = field(row, "Names"); names != nullptr && names->is_array() && !names->empty() &&
                                               names->front().is_string()) {
    std::string_view name = names->front().get_ref<const std::string&>();
    c.name = sanitize(name.starts_with('/') ? name.substr(1) : name);
  }
  if (c.name.empty()) c.name = c.id.substr(0, 12);
  std::string state = text(row, "State");
  c.state = parse_run_state(state);
  c.state_text = sanitize(state);
  return c;
}

bool is_oneoff(const json& row) {
  const json* labels = field(row, "Labels");
  return labels != nullptr && text(*labels, k_oneoff_label) == "True";
}

ContainerState parse_state(const json& inspect) {
  static const json k_none = json::object();
  const json* state = field(inspect, "State");
  const json& st = state != nullptr ? *state : k_none;
  ContainerState out;
  std::string status = text(st, "Status");
  out.state = flag(st, "Restarting") ? RunState::restarting : parse_run_state(status);
  out.state_text = sanitize(status);
  out.exit_code = integer(st, "ExitCode").value_or(0);
  if (const json* host = field(inspect, "HostConfig")) {
    if (const json* policy = field(*host, "RestartPolicy")) out.restart_policy = sanitize(text(*policy, "Name"));
  }
  const json* health = field(st, "Health");
  if (health != nullptr && health->is_object()) {
    out.health = parse_health(text(*health, "Status"));
    if (const json* log = field(*health, "Log"); log != nullptr && log->is_array() && !log->empty()) {
      out.last_check_exit = integer(log->back(), "ExitCode");
      out.last_check_output = last_line(text(log->back(), "Output"));
    }
  }
  return out;
}

// --- failures -----------------------------------------------------------------------

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

// 4xx: waiting will not change the answer (a socket proxy forbidding the
// call, an API the engine does not have); 5xx: the engine may recover. The
// engine's error body is {"message": "..."}; a proxy's may be any text.
Outcome api_error(const http1::Response& response, const std::string& request) {
  json body = json::parse(response.body, nullptr, false);
  std::string message = sanitize(util::trim(body.is_discarded() ? response.body : text(body, "message")));
  std::string reason = "Docker Engine answered " + request + " with HTTP " + std::to_string(response.status) +
                       (message.empty() ? "" : ": " + message);
  if (response.status >= 500) return Outcome::not_yet(reason);
  return Outcome::fatal(reason);
}

std::expected<http1::Response, Outcome> get(const std::string& socket, const net::Deadline& deadline,
                                            const std::string& target, size_t max_body = http1::k_default_max_body) {
  auto connection = net::connect_unix(socket, deadline);
  if (!connection) return std::unexpected(outcome_from_net(connection.error(), socket));
  auto response = http1::get(*connection, target, deadline, socket, max_body);
  if (!response) return std::unexpected(outcome_from_net(response.error(), socket));
  return std::move(*response);
}

}  // namespace

std::expected<std::vector<Container>, Outcome> EngineClient::service_containers(const std::string& project,
                                                                                const std::string& service) {
  json filters = json::object();
  filters["label"] = json::array({std::string(k_project_label) + "=" + project,
                                  std::string(k_service_label) + "=" + service});
  const std::string request = "GET /containers/json";
  auto response = get(m_socket, m_deadline, "/containers/json?all=1&filters=" + percent_encode(filters.dump()));
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return std::unexpected(api_error(*response, request));
  json rows = json::parse(response->body, nullptr, false);
  if (rows.is_discarded()) {
    return std::unexpected(Outcome::fatal("Docker Engine answered " + request + " with something that is not JSON (is " +
                                          m_socket + " a Docker Engine API socket?)"));
  }
  if (!rows.is_array()) {
    return std::unexpected(Outcome::fatal("Docker Engine answered " + request + " with something other than a list"));
  }
  std::vector<Container> out;
  for (const json& row : rows) {
    if (is_oneoff(row)) continue;
    std::optional<Container> c = parse_container(row);
    if (!c) return std::unexpected(Outcome::fatal("Docker Engine listed a container without a valid Id"));
    out.push_back(std::move(*c));
  }
  std::sort(out.begin(), out.end(), [](const Container& a, const Container& b) { return a.name < b.name; });
  return out;
}

std::expected<std::optional<ContainerState>, Outcome> EngineClient::inspect(const Container& container) {
  const std::string request = "GET /containers/" + container.id.substr(0, 12) + "/json";
  auto response = get(m_socket, m_deadline, "/containers/" + container.id + "/json");
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return std::nullopt;
  if (response->status != 200) return std::unexpected(api_error(*response, request));
  json body = json::parse(response->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return std::unexpected(Outcome::fatal("Docker Engine answered " + request + " with something that is not a JSON object"));
  }
  return parse_state(body);
}

std::expected<void, Outcome> EngineClient::restart(const Container& container, int stop_seconds) {
  const std::string request = "POST /containers/" + container.id.substr(0, 12) + "/restart";
  auto connection = net::connect_unix(m_socket, m_deadline);
  if (!connection) return std::unexpected(outcome_from_net(connection.error(), m_socket));
  auto response = http1::post(*connection, "/containers/" + container.id + "/restart?t=" + std::to_string(stop_seconds),
                              m_deadline, m_socket);
  if (!response) return std::unexpected(outcome_from_net(response.error(), m_socket));
  if (response->status != 204 && response->status != 200) return std::unexpected(api_error(*response, request));
  return {};
}

bool EngineClient::ping() {
  auto response = get(m_socket, m_deadline, "/_ping", 1024);
  return response && response->status == 200 && util::trim(response->body) == "OK";
}

}  // namespace stackgate::probes::docker
