// Runs a child process with captured stdout/stderr, for tests of the real
// binary. Every wait is a bounded poll on the child's pipes. Also the small
// fixtures every real-binary test needs (its environment, a loopback
// listener, a scratch directory), kept here once instead of in each test.
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

/// The environment for the real binary: the build's probe modules, no
/// compose variables leaking in from the caller's shell, a dumb terminal;
/// `extra` is added on top (an empty value unsets the variable).
std::map<std::string, std::string> base_env(const std::map<std::string, std::string>& extra = {});

bool contains(const std::string& haystack, const std::string& needle);

/// A listening TCP socket on 127.0.0.1 that a test closes to make a target
/// fail. On `port`, or a free one when 0 (SO_REUSEADDR: a closed listener's
/// port can be taken again). CLOEXEC: a child started while it listens must
/// not keep it open.
class Listener {
 public:
  explicit Listener(int port = 0);
  ~Listener() { close(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  void close();
  int port() const { return m_port; }
  int fd() const { return m_fd; }

 private:
  int m_fd = -1;
  int m_port = 0;
};

/// A fresh directory under the system temp dir, removed with everything in
/// it when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  /// Writes `text` to `name` in the directory; returns the file's path.
  std::string write(const std::string& name, const std::string& text) const;
  /// The contents of `name` in the directory ("" when missing).
  std::string read(const std::string& name) const;

 private:
  std::string m_path;
};

}  // namespace stackgate::testing
