#include "fake_engine.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace stackgate::testing {

TempDir::TempDir() {
  char pattern[] = "/tmp/sg-docker-test-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = pattern;
  ::chmod(m_path.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

FakeEngine::FakeEngine(const std::string& socket_path)
    : m_server([this](TestServer& server, int fd) { serve(server, fd); }, socket_path) {}

void FakeEngine::route(const std::string& path, std::string raw_response) { m_routes[path] = std::move(raw_response); }

void FakeEngine::route_json(const std::string& path, const std::string& json, int status) {
  route(path, engine_response(status, json));
}

std::vector<std::string> FakeEngine::request_lines() const {
  std::vector<std::string> out;
  for (const std::string& request : m_server.requests()) out.push_back(request.substr(0, request.find("\r\n")));
  return out;
}

void FakeEngine::serve(TestServer& server, int fd) const {
  std::string request = read_request(fd);
  if (request.empty()) return;
  server.record(request);
  // "GET /containers/json?all=1 HTTP/1.1" -> "/containers/json"
  size_t start = request.find(' ') + 1;
  size_t end = request.find_first_of(" ?", start);
  std::string path = request.substr(start, end - start);
  auto it = m_routes.find(path);
  write_all(fd, it != m_routes.end() ? it->second : engine_response(404, R"({"message":"page not found"})" "\n"));
}

namespace {

std::string engine_headers(int status) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\n"
         "Ostype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nDate: Sun, 29 Nov 2026 20:00:00 GMT\r\n";
}

std::string labels_json(const FakeContainer& c) {
  return R"({"com.docker.compose.config-hash":"8d2f1c0e5b4a","com.docker.compose.container-number":"1",)"
         R"("com.docker.compose.oneoff":")" + std::string(c.oneoff ? "True" : "False") +
         R"(","com.docker.compose.project":")" + c.project +
         R"(","com.docker.compose.project.config_files":"/srv/shop/compose.yaml",)"
         R"("com.docker.compose.project.working_dir":"/srv/shop","com.docker.compose.service":")" + c.service +
         R"(","com.docker.compose.version":"1.29.2"})";
}

std::string state_json(const FakeContainer& c) {
  bool running = c.state == "running" || c.state == "paused" || c.state == "restarting";
  std::string out = R"({"Status":")" + c.state + R"(","Running":)" + (running ? "true" : "false") +
                    R"(,"Paused":)" + (c.state == "paused" ? "true" : "false") + R"(,"Restarting":)" +
                    (c.state == "restarting" ? "true" : "false") + R"(,"OOMKilled":false,"Dead":)" +
                    (c.state == "dead" ? "true" : "false") + R"(,"Pid":)" + (running ? "4242" : "0") +
                    R"(,"ExitCode":)" + std::to_string(c.exit_code) +
                    R"(,"Error":"","StartedAt":"2026-11-29T19:58:01.123456789Z","FinishedAt":)" +
                    (c.state == "exited" ? R"("2026-11-29T19:59:02.5Z")" : R"("0001-01-01T00:00:00Z")");
  if (!c.health_json.empty()) out += R"(,"Health":)" + c.health_json;
  return out + "}";
}

}  // namespace

std::string engine_response(int status, const std::string& json) {
  return engine_headers(status) + "Content-Length: " + std::to_string(json.size()) + "\r\n\r\n" + json;
}

std::string engine_response_chunked(int status, const std::string& json, size_t chunk) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out = engine_headers(status) + "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t i = 0; i < json.size(); i += chunk) {
    std::string part = json.substr(i, chunk);
    std::string size;
    for (size_t n = part.size(); n > 0; n /= 16) size.insert(size.begin(), k_hex[n % 16]);
    out += size + "\r\n" + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string container_id(char digit) { return std::string(64, digit); }

std::string list_row(const FakeContainer& c) {
  return R"({"Id":")" + container_id(c.id) + R"(","Names":["/)" + c.name +
         R"("],"Image":"stackgate-e2e/apps","ImageID":"sha256:)" + std::string(64, '9') +
         R"(","Command":"python3 /opt/apps/backend.py","Created":1796151481,"Ports":[{"PrivatePort":8080,"Type":"tcp"}],)"
         R"("Labels":)" + labels_json(c) + R"(,"State":")" + c.state + R"(","Status":")" + c.status +
         R"(","HostConfig":{"NetworkMode":"shop_default"},"NetworkSettings":{"Networks":{"shop_default":)"
         R"({"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"5e1f","EndpointID":"","Gateway":"",)"
         R"("IPAddress":"172.18.0.3","IPPrefixLen":16,"IPv6Gateway":"","GlobalIPv6Address":"",)"
         R"("GlobalIPv6PrefixLen":0,"MacAddress":"","DriverOpts":null}}},"Mounts":[]})";
}

std::string list_of(const std::vector<FakeContainer>& containers) {
  std::string out = "[";
  for (size_t i = 0; i < containers.size(); ++i) out += (i ? "," : "") + list_row(containers[i]);
  return out + "]\n";
}

std::string inspect_json(const FakeContainer& c) {
  return R"({"Id":")" + container_id(c.id) + R"(","Created":"2026-11-29T19:58:00.5Z","Path":"python3",)"
         R"("Args":["/opt/apps/backend.py"],"State":)" + state_json(c) +
         R"(,"Image":"sha256:)" + std::string(64, '9') + R"(","Name":"/)" + c.name +
         R"(","RestartCount":0,"Driver":"overlay2","Platform":"linux","MountLabel":"","ProcessLabel":"",)"
         R"("AppArmorProfile":"","ExecIDs":null,"HostConfig":{"NetworkMode":"shop_default","RestartPolicy":)"
         R"({"Name":")" + c.restart_policy + R"(","MaximumRetryCount":0},"AutoRemove":false},)"
         R"("Config":{"Hostname":"4f0c","User":"app","Env":["PATH=/usr/bin"],"Image":"stackgate-e2e/apps",)"
         R"("Labels":)" + labels_json(c) + R"(}})" + "\n";
}

std::string health_json(const std::string& status, int failing_streak,
                        const std::vector<std::pair<int, std::string>>& log) {
  std::string out = R"({"Status":")" + status + R"(","FailingStreak":)" + std::to_string(failing_streak) + R"(,"Log":[)";
  for (size_t i = 0; i < log.size(); ++i) {
    out += (i ? "," : "") + std::string(R"({"Start":"2026-11-29T19:58:0)") + std::to_string(i) +
           R"(.1Z","End":"2026-11-29T19:58:0)" + std::to_string(i) + R"(.2Z","ExitCode":)" +
           std::to_string(log[i].first) + R"(,"Output":")" + log[i].second + R"("})";
  }
  return out + "]}";
}

}  // namespace stackgate::testing
