// Runs `serve`'s action commands (--on-unhealthy, --on-recover) as child
// processes without ever blocking the caller, which is a probe loop.
//
// start() spawns the command (posix_spawnp: no shell; argv[0] is looked up
// in PATH) in a process group of its own, with stdin on /dev/null, stdout
// and stderr on serve's stderr, SIGINT and SIGTERM unblocked and at their
// defaults (serve blocks them in every thread), and the environment of serve
// plus the given variables. One detached thread per child waits for it
// (pidfd + poll), bounded by the timeout: past it the group gets SIGTERM,
// and SIGKILL k_action_kill_grace later. Every start and every end is one
// log line with the exit code, the signal or the timeout.
//
// Thread-safe. The runner's state is shared with the waiting threads, so it
// may be destroyed while children run; stop() sends SIGTERM to them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gate/scheduler.h"

namespace stackgate::gate {

inline constexpr Millis k_default_action_timeout{60'000};
inline constexpr Millis k_action_kill_grace{5'000};

class ActionRunner {
 public:
  using Log = std::function<void(const std::string& line)>;

  ActionRunner(Millis timeout, Log log);
  ~ActionRunner();
  ActionRunner(const ActionRunner&) = delete;
  ActionRunner& operator=(const ActionRunner&) = delete;

  /// Starts `argv` with `env` ("NAME=value" each) added. `what` names the
  /// action in the log ("on-unhealthy for backend"). Returns false (and
  /// logs why) when the command could not be started.
  bool start(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& what);
  /// Sends SIGTERM to the process group of every child still running.
  void stop();

  struct State;

 private:
  std::shared_ptr<State> m_state;
};

}  // namespace stackgate::gate
