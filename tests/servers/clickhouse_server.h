// A real clickhouse-server (Debian's 18.16) on free loopback ports.
//
// The constructor writes config.xml and users.xml into a temp dir: HTTP and
// native ports on 127.0.0.1, data under the temp dir, users `default` (no
// password) and `app` (password `apppass`). 18.16 loads every table before
// it listens, so "the HTTP port accepts" is its started state.
//
// Not thread-safe. The destructor stops the server and removes the temp dir.
#pragma once

#include <chrono>
#include <string>

#include "tests/servers/harness.h"

namespace stackgate::testing {

class ClickHouseServer {
 public:
  static constexpr const char* k_app_user = "app";
  static constexpr const char* k_app_password = "apppass";

  ClickHouseServer();
  ~ClickHouseServer();
  ClickHouseServer(const ClickHouseServer&) = delete;
  ClickHouseServer& operator=(const ClickHouseServer&) = delete;

  /// Starts clickhouse-server and returns at once.
  void start();
  /// Bounded poll for the HTTP port to accept connections.
  bool wait_ready(std::chrono::milliseconds limit = std::chrono::seconds(60));
  void stop();
  void kill();
  bool running() { return m_process.running(); }

  int http_port() const { return m_http_port; }
  const std::string& dir() const { return m_dir; }
  std::string log_tail() const;
  /// clickhouse://[user[:password]@]127.0.0.1:http_port[/db]
  std::string url(const std::string& user = "", const std::string& password = "", const std::string& db = "") const;

 private:
  std::string m_dir;
  int m_http_port = 0;
  int m_tcp_port = 0;
  int m_runs = 0;
  ServerProcess m_process;
};

}  // namespace stackgate::testing
