#include "gate/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "gate/reporter.h"
#include "util/cancel.h"

namespace stackgate::gate {
namespace {

// One watcher per process: these outlive it on purpose, since the watcher
// thread is detached and may run while the process exits.
std::atomic<bool> g_cancelled{false};
std::atomic<int> g_signal{0};
std::atomic<bool> g_exit_at_once{false};

// The live table's scrolling margin must not outlive the process.
void restore_terminal() {
  const char* restore = TtyReporter::restore_sequence();
  if (*restore) (void)::write(STDERR_FILENO, restore, std::strlen(restore));
}

void leave(int sig) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  restore_terminal();
  _exit(128 + sig);
}

sigset_t watched() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

SignalWatcher::SignalWatcher(std::function<void()> on_signal, std::chrono::milliseconds grace) {
  // Until the caller starts something that must be wound down (the
  // scheduler), there is nothing to report: loading exits at once.
  g_exit_at_once = true;
  sigset_t set = watched();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, on_signal = std::move(on_signal), grace] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (g_signal.load() != 0) {  // second signal: now
        restore_terminal();
        _exit(128 + g_signal.load());
      }
      g_signal = sig;
      g_cancelled = true;
      util::request_cancel(sig);  // loops outside the scheduler (loading) stop too
      if (g_exit_at_once.load()) {
        static const char k_message[] = "stackgate: interrupted\n";
        (void)::write(STDERR_FILENO, k_message, sizeof k_message - 1);
        _exit(128 + sig);
      }
      if (on_signal) on_signal();
      std::this_thread::sleep_for(grace);
      // Still here: something is stuck. Leave with what was printed so far.
      leave(sig);
    }
  }).detach();
}

const std::atomic<bool>& SignalWatcher::cancelled() const { return g_cancelled; }

int SignalWatcher::signal() const { return g_signal.load(); }

void SignalWatcher::exit_at_once(bool on) { g_exit_at_once = on; }

void SignalWatcher::unblock() {
  sigset_t set = watched();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace stackgate::gate
