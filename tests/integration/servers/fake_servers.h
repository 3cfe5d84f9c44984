// Tiny loopback TCP servers for the cases a real server will not produce on
// demand: one that accepts and never answers (a hung server), one that
// answers every connection with canned bytes (MQTT CONNACK 3, ZooKeeper
// "not currently serving"), and a PostgreSQL that logs anyone in and then
// answers queries as a test says (a failed query with a chosen SQLSTATE, a
// server that stops answering after the login).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace stackgate::testing {

/// Listens on a free loopback port and never accepts: connect() succeeds
/// (the kernel's backlog), no byte ever comes back.
class SilentServer {
 public:
  SilentServer();
  ~SilentServer();
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  int port() const { return m_port; }

 private:
  int m_port = 0;  // before m_fd: listen_loopback() sets it while m_fd is initialised
  int m_fd = -1;
};

/// Accepts connections on a free loopback port; on each, reads what the
/// client sends first (one read, waiting up to 200 ms), writes the reply
/// and closes. Serves from one thread until destroyed.
class CannedServer {
 public:
  using Responder = std::function<std::string(const std::string& request)>;
  explicit CannedServer(std::string reply);
  explicit CannedServer(Responder responder);
  ~CannedServer();
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;
  int port() const { return m_port; }
  int connections() const { return m_connections.load(); }

 private:
  void serve();

  Responder m_respond;
  int m_port = 0;  // before m_fd: listen_loopback() sets it while m_fd is initialised
  int m_fd = -1;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_connections{0};
  std::thread m_thread;
};

/// Speaks just enough of the PostgreSQL v3 protocol for libpq: refuses TLS
/// ('N'), logs every client in without a password (server_version 15.0,
/// client_encoding UTF8), then answers each simple Query with the backend
/// messages `answer(sql)` returns, or never answers when it returns "".
/// One connection at a time, from one thread, until destroyed.
class FakePostgres {
 public:
  using Answer = std::function<std::string(const std::string& sql)>;
  explicit FakePostgres(Answer answer);
  ~FakePostgres();
  FakePostgres(const FakePostgres&) = delete;
  FakePostgres& operator=(const FakePostgres&) = delete;
  int port() const { return m_port; }

  /// ErrorResponse (severity ERROR) with `sqlstate` and `message`, then ReadyForQuery.
  static std::string error(const std::string& sqlstate, const std::string& message);
  /// One row of text columns (type text), CommandComplete and ReadyForQuery.
  static std::string row(const std::vector<std::string>& values);

 private:
  void serve();
  void converse(int client);
  bool read_exact(int fd, char* out, size_t n);

  Answer m_answer;
  int m_port = 0;  // before m_fd: listen_loopback() sets it while m_fd is initialised
  int m_fd = -1;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

}  // namespace stackgate::testing
