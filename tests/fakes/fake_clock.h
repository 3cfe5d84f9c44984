// FakeClock: time only moves when someone asks it to. sleep_until() jumps to
// the requested time (unless a wake() is pending), so scheduler tests run in
// microseconds with exact timings. Single-threaded use only.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "gate/clock.h"

namespace stackgate::testing {

class FakeClock final : public gate::Clock {
 public:
  FakeClock() : m_now(time_point{} + std::chrono::hours(1)) {}

  time_point now() const override { return m_now; }

  void sleep_until(time_point t) override {
    if (m_woken) {
      m_woken = false;
      return;
    }
    sleeps.push_back(t);
    if (t > m_now) m_now = t;
    if (on_sleep) on_sleep(m_now);
  }

  void wake() override { m_woken = true; }

  void advance(duration d) { m_now += d; }
  /// Time since the clock was created, for readable assertions.
  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_now - (time_point{} + std::chrono::hours(1)));
  }
  std::chrono::milliseconds since_start(time_point t) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - (time_point{} + std::chrono::hours(1)));
  }

  std::vector<time_point> sleeps;              // every sleep target, in order
  std::function<void(time_point)> on_sleep;    // e.g. set a cancel flag at some time

 private:
  time_point m_now;
  bool m_woken = false;
};

}  // namespace stackgate::testing
