// A real Mosquitto 2 broker on a free loopback port.
//
// The config (listener <port> 127.0.0.1, persistence off) is written to a
// temp dir; with Settings::anonymous false, clients must log in as `app` /
// `apppass` (a password_file made with mosquitto_passwd).
//
// Not thread-safe. The destructor stops the broker and removes the temp dir.
#pragma once

#include <chrono>
#include <string>

#include "tests/servers/harness.h"

namespace stackgate::testing {

class MosquittoServer {
 public:
  static constexpr const char* k_user = "app";
  static constexpr const char* k_password = "apppass";

  struct Settings {
    bool anonymous = true;  // false: allow_anonymous false + password_file
  };

  MosquittoServer();
  ~MosquittoServer();
  MosquittoServer(const MosquittoServer&) = delete;
  MosquittoServer& operator=(const MosquittoServer&) = delete;

  /// Starts mosquitto and returns at once.
  void start(const Settings& settings);
  void start() { start(Settings{}); }
  /// Bounded poll for the port to accept connections.
  bool wait_ready(std::chrono::milliseconds limit = std::chrono::seconds(10));
  void stop();
  void kill();
  bool running() { return m_process.running(); }

  int port() const { return m_port; }
  std::string log_tail() const { return m_process.log_tail(); }
  /// mqtt://[user:password@]127.0.0.1:port
  std::string url(const std::string& user = "", const std::string& password = "") const;

 private:
  std::string m_dir;
  int m_port = 0;
  int m_runs = 0;
  ServerProcess m_process;
};

}  // namespace stackgate::testing
