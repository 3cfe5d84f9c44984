// SIGINT/SIGTERM for the long-running commands (wait, exec, smoke, check).
//
// The watcher blocks both signals in the calling thread, which must be the
// only thread (every thread started later inherits the mask, so a signal
// can never land on a probe's thread), and starts one thread that sigwait()s
// for them. On a signal it stores the number, sets the cancel flag and
// calls `on_signal` (the scheduler's clock.wake()). If the process has not
// exited `grace` later, it flushes stdio and _exit()s with 128+signal, so
// an attempt stuck in a library call cannot hold the exit beyond ~100 ms.
// A second signal exits at once, and so does the first while exit_at_once
// is set. Every signal also sets util::request_cancel(), which loops outside
// the scheduler (the compose loader) check.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

namespace stackgate::gate {

class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void()> on_signal,
                         std::chrono::milliseconds grace = std::chrono::milliseconds{80});
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  const std::atomic<bool>& cancelled() const;
  /// 0, SIGINT or SIGTERM.
  int signal() const;
  /// 130 for SIGINT, 143 for SIGTERM.
  int exit_code() const { return 128 + signal(); }
  /// While true (from construction until exit_at_once(false), which the
  /// caller sets just before the scheduler runs), a signal ends the process at once (after writing
  /// "stackgate: interrupted"), without the grace period: for phases with
  /// nothing to report or clean up, such as loading the compose files, where
  /// a library call (yaml-cpp parsing, freeing a large tree) can run for
  /// many milliseconds between two cancellation checks.
  static void exit_at_once(bool on);
  /// Unblocks the signals in the calling thread (before execvp: the mask
  /// survives exec and the command must see its signals).
  static void unblock();
};

}  // namespace stackgate::gate
