// The real-server harness: start a server process on a free loopback port in
// a temp dir, wait for it with a bounded poll, stop it by pid.
//
// Every server type (postgres_server.h, redis_server.h, ...) builds on
// ServerProcess. Servers are started once per test executable and shared.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

struct passwd;

namespace stackgate::testing {

/// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();

/// A free port below `limit` (Redis Cluster needs port + 10000 for its bus).
int free_port_below(int limit);

/// A free port below the kernel's ephemeral range, for a server that binds it
/// seconds later (a JVM): no outgoing connection takes it as its local port
/// meanwhile. free_port() when that range is too small or full.
int free_port_outside_ephemeral();

/// Where the servers keep their data: $TMPDIR when set; else /dev/shm when it
/// is a tmpfs with 4 GiB free; else /tmp.
const std::string& scratch_base();

/// A fresh directory under scratch_base() (removed by the caller or left for post-mortem).
std::string make_temp_dir(const std::string& prefix);

/// Polls `ready` every `every` until it returns true or `limit` passes.
/// Returns whether it became true. This is the only way tests wait.
bool poll_until(const std::function<bool()>& ready, std::chrono::milliseconds limit,
                std::chrono::milliseconds every = std::chrono::milliseconds(20));

/// Writes `text` to `path` (truncating); throws std::runtime_error on failure.
void write_file(const std::string& path, const std::string& text);

/// The contents of `path` ("" when it cannot be read: a log not written yet).
std::string read_file(const std::string& path);

/// The account a server that refuses uid 0 (mariadbd, postgres) runs as when
/// we are root: `preferred`, else nobody; nullptr when we are not root (it
/// runs as us). Throws std::runtime_error when neither account exists. The
/// result is getpwnam's static entry: use it before the next lookup.
const passwd* server_account(const std::string& preferred);

/// Gives `root` and everything under it to `account` (nothing when nullptr),
/// so a server running as that account can use its temp dir.
void chown_tree(const std::string& root, const passwd* account);

/// `argv` run as `account` through setpriv (`argv` itself when nullptr).
std::vector<std::string> run_as(const passwd* account, std::vector<std::string> argv);

/// True if a TCP connect to 127.0.0.1:port succeeds now.
bool port_open(int port);

/// First existing path among `candidates` (globs allowed), or "".
std::string find_program(const std::vector<std::string>& candidates);

/// A child process; its stdout/stderr go to `log_path`.
class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&& other) noexcept;
  ~ServerProcess();  // stop()

  /// fork + execv; environment = current environment plus `env`.
  void start(const std::vector<std::string>& argv, const std::string& log_path,
             const std::map<std::string, std::string>& env = {});
  /// SIGTERM, wait up to `grace`, then SIGKILL; reaps the child.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  /// SIGKILL now (a crash), reaps the child.
  void kill_now();
  bool running();
  pid_t pid() const { return m_pid; }
  const std::string& log_path() const { return m_log; }
  /// Last `max_bytes` of the log, for failure messages.
  std::string log_tail(size_t max_bytes = 4000) const;

 private:
  pid_t m_pid = -1;
  std::string m_log;
};

/// Runs a command to completion (for initdb and the like); returns exit status.
int run_command(const std::vector<std::string>& argv, const std::string& log_path,
                const std::map<std::string, std::string>& env = {});

}  // namespace stackgate::testing
