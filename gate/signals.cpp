#include "gate/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <thread>

namespace stackgate::gate {
namespace {

// One watcher per process: these outlive it on purpose, since the watcher
// thread is detached and may run while the process exits.
std::atomic<bool> g_cancelled{false};
std::atomic<int> g_signal{0};

sigset_t watched() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

SignalWatcher::SignalWatcher(std::function<void()> on_signal, std::chrono::milliseconds grace) {
  sigset_t set = watched();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, on_signal = std::move(on_signal), grace] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (g_signal.load() != 0) _exit(128 + g_signal.load());  // second signal: now
      g_signal = sig;
      g_cancelled = true;
      if (on_signal) on_signal();
      std::this_thread::sleep_for(grace);
      // Still here: something is stuck. Leave with what was printed so far.
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
      _exit(128 + sig);
    }
  }).detach();
}

const std::atomic<bool>& SignalWatcher::cancelled() const { return g_cancelled; }

int SignalWatcher::signal() const { return g_signal.load(); }

void SignalWatcher::unblock() {
  sigset_t set = watched();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace stackgate::gate
