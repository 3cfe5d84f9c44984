// In-process servers for the net integration tests: a listener on
// 127.0.0.1 (ephemeral port) or on a unix socket, serving each connection
// on its own thread with a scripted behaviour.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stackgate::testing {

class TestServer {
 public:
  // Called with each accepted connection, on its own thread; the server
  // closes the connection afterwards.
  using Handler = std::function<void(TestServer& server, int fd)>;

  /// Binds 127.0.0.1:0 (or `unix_path`) without listening: connections are
  /// refused until listen() is called.
  explicit TestServer(Handler handler, std::string unix_path = "", int backlog = 16);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  /// Starts accepting.
  void listen();
  /// Listens but never accepts (the kernel queue fills up).
  void listen_without_accepting();

  int port() const { return m_port; }
  const std::string& unix_path() const { return m_unix_path; }
  int connections() const { return m_connections.load(); }
  /// The requests HTTP handlers have read, in order.
  std::vector<std::string> requests() const;
  void record(std::string request);

 private:
  void accept_loop();

  Handler m_handler;
  std::string m_unix_path;
  int m_backlog;
  int m_fd = -1;
  int m_port = 0;
  int m_wake[2] = {-1, -1};
  std::atomic<int> m_connections{0};
  std::thread m_acceptor;
  std::vector<std::thread> m_workers;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_requests;
};

/// Reads one HTTP request head (up to the blank line), or "" on EOF/timeout.
std::string read_request(int fd);
/// Writes all of `data`.
void write_all(int fd, const std::string& data);
/// "HTTP/1.1 <status> X\r\nContent-Length: ...\r\n<extra headers>\r\n<body>".
std::string http_response(int status, const std::string& body, const std::string& extra_headers = "");

/// An HTTP handler that records the request and answers with `response`.
TestServer::Handler answer(std::string response);
/// A handler that accepts and never answers, until the server stops.
TestServer::Handler silent();

}  // namespace stackgate::testing
