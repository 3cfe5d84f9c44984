// A fake Docker Engine API for the docker:// probe tests: a real unix socket
// in a temporary directory, real HTTP/1.1, answers replayed from JSON written
// after the Engine API reference (GET /containers/json, GET
// /containers/{id}/json, GET /_ping). Unknown paths answer 404 as the engine
// does ({"message":"page not found"}).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "../net/test_server.h"

namespace stackgate::testing {

/// A directory under /tmp, mode 0755 (so another uid can reach a socket in
/// it), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

class FakeEngine {
 public:
  /// Binds `socket_path`; connections are refused until listen().
  explicit FakeEngine(const std::string& socket_path);

  /// The raw HTTP answer for GET `path` (the target without its query).
  /// Set every route before listen().
  void route(const std::string& path, std::string raw_response);
  void route_json(const std::string& path, const std::string& json, int status = 200);
  void listen() { m_server.listen(); }

  /// Request lines received so far ("GET /containers/json?all=1&... HTTP/1.1").
  std::vector<std::string> request_lines() const;
  const std::string& socket_path() const { return m_server.unix_path(); }

 private:
  void serve(TestServer& server, int fd) const;

  std::map<std::string, std::string> m_routes;
  TestServer m_server;
};

/// An Engine-style answer: the headers dockerd 20.10 sends, Content-Length framing.
std::string engine_response(int status, const std::string& json);
/// The same body in chunked transfer encoding, cut into `chunk`-byte chunks.
std::string engine_response_chunked(int status, const std::string& json, size_t chunk);

// --- Engine JSON ------------------------------------------------------------

/// A 64-hex-digit container id made of `digit`.
std::string container_id(char digit);

struct FakeContainer {
  char id = 'a';
  std::string name = "shop-backend-1";
  std::string service = "backend";
  std::string project = "shop";
  std::string state = "running";  // created running paused restarting removing exited dead
  std::string status = "Up 5 minutes";  // the list's human text
  int exit_code = 0;
  std::string restart_policy = "no";
  bool oneoff = false;
  std::string health_json;  // the State.Health object, "" for no healthcheck
};

/// One element of GET /containers/json.
std::string list_row(const FakeContainer& c);
/// A whole list: "[row, row]".
std::string list_of(const std::vector<FakeContainer>& containers);
/// GET /containers/{id}/json.
std::string inspect_json(const FakeContainer& c);
/// A State.Health object; `log` is a list of {exit code, output as a JSON string literal body}.
std::string health_json(const std::string& status, int failing_streak,
                        const std::vector<std::pair<int, std::string>>& log);

}  // namespace stackgate::testing
