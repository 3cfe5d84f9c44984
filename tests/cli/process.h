// Runs a child process with captured stdout/stderr, for tests of the real
// binary. Every wait is a bounded poll on the child's pipes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stackgate::testing {

class Process {
 public:
  /// Starts `argv` (argv[0] is the path) in `cwd` with the current
  /// environment plus `env` (an empty value unsets the variable).
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
          const std::string& cwd = "");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  /// Reads output until `done(out, err)` holds, the child exits or `limit`
  /// passes. Returns whether `done` held.
  bool wait_for_output(const std::function<bool(const std::string&, const std::string&)>& done,
                       std::chrono::milliseconds limit);
  /// Waits for exit (reading output meanwhile); nullopt on timeout.
  /// The result is the exit code, or 128+signal if killed.
  std::optional<int> wait(std::chrono::milliseconds limit);
  void signal(int sig);

  const std::string& out() const { return m_out; }
  const std::string& err() const { return m_err; }
  pid_t pid() const { return m_pid; }

 private:
  void wait_for_exit(std::chrono::milliseconds limit);
  void pump(std::chrono::milliseconds slice);
  bool reap();

  pid_t m_pid = -1;
  int m_out_fd = -1, m_err_fd = -1;
  std::string m_out, m_err;
  std::optional<int> m_status;
};

struct Result {
  int code = -1;
  std::string out, err;
};

/// Runs to completion (bounded by `limit`; a hung child is killed and the
/// result code is -1).
Result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
           const std::string& cwd = "", std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace stackgate::testing
