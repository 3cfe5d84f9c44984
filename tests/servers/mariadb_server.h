// A real MariaDB server (Debian's mariadbd) on a free loopback port, for
// integration tests.
//
// mariadb-install-db runs once per process into a template data directory
// (it takes seconds); each MariadbServer copies the template. The template
// has an ordinary user `app` (password `apppass`) with every privilege on
// database `appdb`, a user `other` (password `otherpass`) with no privilege
// on it, and `root`@127.0.0.1 (password `rootpass`); root@localhost over the
// unix socket (in the temp dir) needs no password, for the harness's own SQL.
// mariadbd refuses to run as root, so as root it runs as the `mysql` user
// (or `nobody`) via setpriv, and the temp dir is chowned to it.
//
// Not thread-safe. The destructor stops the server and removes the temp dir.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/servers/harness.h"

namespace stackgate::testing {

class MariadbServer {
 public:
  static constexpr const char* k_root_password = "rootpass";
  static constexpr const char* k_app_user = "app";
  static constexpr const char* k_app_password = "apppass";
  static constexpr const char* k_app_database = "appdb";
  static constexpr const char* k_other_user = "other";
  static constexpr const char* k_other_password = "otherpass";

  struct Settings {
    /// False = --skip-networking (unix socket only), as the official image's
    /// entrypoint runs its temporary server for the init scripts.
    bool tcp = true;
    int max_connections = 20;
    bool read_only = false;
    /// Extra mariadbd arguments ("--name=value").
    std::vector<std::string> extra = {};
  };

  MariadbServer();  // throws std::runtime_error (with the log) if the template cannot be made
  ~MariadbServer();
  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  /// Starts mariadbd and returns at once (see wait_ready).
  void start(const Settings& settings);
  void start() { start(Settings{}); }
  /// Bounded poll for "ready for connections" in this run's log.
  bool wait_ready(std::chrono::milliseconds limit = std::chrono::seconds(30));
  /// SIGTERM (a clean shutdown) and reap; SIGKILL after a grace period.
  void stop();
  /// SIGKILL (a crash).
  void kill();
  bool running() { return m_process.running(); }

  int port() const { return m_port; }
  const std::string& dir() const { return m_dir; }
  std::string socket_path() const { return m_dir + "/mysqld.sock"; }
  std::string log_tail() const { return m_process.log_tail(); }
  /// mysql://user:password@127.0.0.1:port/db (password omitted when empty).
  std::string url(const std::string& user, const std::string& password, const std::string& db,
                  const std::string& scheme = "mysql") const;
  /// Runs SQL over the unix socket as root with the mariadb client; returns its exit status.
  int sql(const std::string& statements);

 private:
  std::string m_dir;
  int m_port = 0;
  int m_runs = 0;
  ServerProcess m_process;
};

}  // namespace stackgate::testing
