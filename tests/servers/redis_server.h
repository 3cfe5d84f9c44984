// A real redis-server on a free loopback port, for integration tests.
//
// Each start() is a fresh process in the same temp dir, so an RDB written by
// one run (populate()) is loaded by the next: with `--key-load-delay` that
// makes the -LOADING phase long enough to observe.
//
// Not thread-safe. The destructor stops the server and removes the temp dir.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/servers/harness.h"

namespace stackgate::testing {

class RedisServer {
 public:
  struct Settings {
    std::string requirepass = {};     // "" = no password for the default user
    std::vector<std::string> args = {};  // extra "--name", "value" arguments
  };

  RedisServer();
  explicit RedisServer(int port);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /// Starts redis-server and returns at once.
  void start(const Settings& settings);
  void start() { start(Settings{}); }
  /// Bounded poll for the port to accept connections (also while loading).
  bool wait_listening(std::chrono::milliseconds limit = std::chrono::seconds(10));
  /// Bounded poll for "Ready to accept connections" (the dataset is loaded).
  bool wait_ready(std::chrono::milliseconds limit = std::chrono::seconds(30));
  void stop();
  void kill();
  bool running() { return m_process.running(); }

  /// Fills the running server with `keys` keys (DEBUG POPULATE) and SAVEs
  /// them to the RDB the next start() loads. Returns false on failure.
  bool populate(int keys);

  int port() const { return m_port; }
  const std::string& dir() const { return m_dir; }
  std::string log_tail() const { return m_process.log_tail(); }
  /// redis://[:password@]127.0.0.1:port[/db]
  std::string url(const std::string& password = "", const std::string& db = "") const;

 private:
  int cli(const std::vector<std::string>& args);

  std::string m_dir;
  int m_port = 0;
  int m_runs = 0;
  std::string m_password;
  ServerProcess m_process;
};

}  // namespace stackgate::testing
