// Where probe attempts run. The scheduler decides *when*; an Executor decides
// *on which thread*. Tests use InlineExecutor (the attempt runs inside
// submit(), deterministic with a FakeClock); the binary uses ThreadExecutor
// so the attempts of one level really overlap.
#pragma once

#include <atomic>
#include <functional>

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

// One short-lived detached thread per in-flight attempt. The scheduler caps
// the number in flight, so this stays small. Threads that outlive the
// scheduler (an attempt stuck past its timeout) keep their probe alive
// through shared ownership; in_flight() tells main() whether it must _exit.
class ThreadExecutor final : public Executor {
 public:
  void submit(std::function<void()> work) override;
  /// Attempts still running, across all ThreadExecutors.
  static int in_flight();

 private:
  static std::atomic<int> s_in_flight;
};

}  // namespace stackgate::gate
