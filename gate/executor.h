// Where probe attempts run. The scheduler decides *when*; an Executor decides
// *on which thread*. Tests use InlineExecutor (the attempt runs inside
// submit(), deterministic with a FakeClock); the binary uses ThreadExecutor
// so the attempts of one level really overlap.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace stackgate::gate {

class Executor {
 public:
  virtual ~Executor() = default;
  /// Runs `work` now or soon. `work` must not throw.
  virtual void submit(std::function<void()> work) = 0;
};

class InlineExecutor final : public Executor {
 public:
  void submit(std::function<void()> work) override { work(); }
};

// Attempts run on detached worker threads. A worker that finishes an attempt
// waits a while for the next one before it exits, so a wait that polls a
// refusing port every few milliseconds reuses one thread instead of creating
// one per attempt (thread creation, stack mapping and exit cost more CPU than
// the connect itself). A submit with no idle worker starts a new one, so an
// attempt stuck past its timeout never delays another. Threads that outlive
// the scheduler keep their probe alive through shared ownership; in_flight()
// tells main() whether it must _exit.
class ThreadExecutor final : public Executor {
 public:
  ThreadExecutor();
  /// Idle workers exit; running ones finish their attempt first.
  ~ThreadExecutor() override;
  ThreadExecutor(const ThreadExecutor&) = delete;
  ThreadExecutor& operator=(const ThreadExecutor&) = delete;

  void submit(std::function<void()> work) override;
  /// Attempts still running, across all ThreadExecutors.
  static int in_flight();
  /// This executor's attempts still running, and workers alive (running or
  /// idle).
  int running() const;
  int workers() const;
  int idle() const;

  /// How long an idle worker waits for the next attempt before it exits.
  static constexpr std::chrono::seconds k_idle_linger{2};

 private:
  struct Pool;
  std::shared_ptr<Pool> m_pool;
};

}  // namespace stackgate::gate
