// A real PostgreSQL 15 cluster on a free loopback port, for integration tests.
//
// The constructor runs initdb in a fresh temp dir and creates an ordinary
// login role `app` (password `apppass`) owning database `appdb` (once per
// machine: later servers copy that data directory from a template); the
// superuser is `postgres` (password `superpass`). Host connections use
// scram-sha-256, the unix socket (in the temp dir) trusts everyone.
// Postgres refuses to run as root, so as root every server process runs as
// the `postgres` user (or `nobody`) via setpriv, and the temp dir is chowned
// to it.
//
// Not thread-safe. The destructor stops the server and removes the temp dir.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/servers/harness.h"

namespace stackgate::testing {

class PostgresServer {
 public:
  static constexpr const char* k_superuser = "postgres";
  static constexpr const char* k_superuser_password = "superpass";
  static constexpr const char* k_app_user = "app";
  static constexpr const char* k_app_password = "apppass";
  static constexpr const char* k_app_database = "appdb";

  struct Settings {
    /// False = `listen_addresses=''` (unix socket only), as the official
    /// image's entrypoint does while it runs the init scripts.
    bool tcp = true;
    int max_connections = 20;
    int superuser_reserved_connections = 3;
    /// Extra `-c name=value` settings.
    std::vector<std::string> extra = {};
  };

  PostgresServer();  // throws std::runtime_error (with the log) if initdb fails
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// Starts the postmaster and returns at once (see wait_ready).
  void start(const Settings& settings);
  void start() { start(Settings{}); }
  /// Bounded poll for "database system is ready to accept connections" in
  /// this run's log.
  bool wait_ready(std::chrono::milliseconds limit = std::chrono::seconds(30));
  /// Fast shutdown (SIGINT) and reap; SIGKILL after a grace period.
  void stop();
  /// SIGKILL the postmaster and its backends (a crash).
  void kill();
  /// SIGTERM: smart shutdown, which waits for connected clients and refuses
  /// new ones with "the database system is shutting down".
  void begin_smart_shutdown();
  bool running() { return m_process.running(); }

  int port() const { return m_port; }
  const std::string& dir() const { return m_dir; }
  std::string socket_dir() const { return m_dir; }
  std::string log_tail() const { return m_process.log_tail(); }
  /// postgres://user:password@127.0.0.1:port/db (password omitted when empty).
  std::string url(const std::string& user, const std::string& password, const std::string& db) const;
  /// Runs SQL over the unix socket as the superuser; returns psql's exit status.
  int psql(const std::string& sql);

 private:
  std::vector<std::string> as_server_user(std::vector<std::string> argv) const;
  /// initdb, then the app role and database (the server started and stopped).
  void init_data();

  std::string m_dir;
  std::string m_bin;
  int m_port = 0;
  int m_runs = 0;
  ServerProcess m_process;
};

}  // namespace stackgate::testing
