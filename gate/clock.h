// Time for the scheduler, behind an interface so tests run on a fake clock
// (leveldb's Env::NowMicros/SleepForMicroseconds idea).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace stackgate::gate {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  /// Blocks until `t`, or until wake() is called. A wake() that arrives while
  /// nobody sleeps is remembered: the next sleep_until returns at once.
  /// Spurious early returns are allowed; callers re-check their state.
  virtual void sleep_until(time_point t) = 0;
  /// Thread-safe and cheap; called when an attempt completes or a signal
  /// arrives so the scheduler re-evaluates without waiting for its timer.
  virtual void wake() = 0;
};

// The real clock: std::chrono::steady_clock and a condition variable.
class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }

  void sleep_until(time_point t) override {
    std::unique_lock lock(m_mutex);
    m_cv.wait_until(lock, t, [this] { return m_woken; });
    m_woken = false;
  }

  void wake() override {
    {
      std::lock_guard lock(m_mutex);
      m_woken = true;
    }
    m_cv.notify_all();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_woken = false;
};

}  // namespace stackgate::gate
