// FakeProbe: replays a script of outcomes, each taking a given time on the
// FakeClock (capped at the attempt's timeout, as a real probe would be).
// After the script runs out the last step repeats. Records when it was
// called and with which timeout.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "probes/probe.h"
#include "tests/fakes/fake_clock.h"

namespace stackgate::testing {

struct FakeStep {
  probes::Outcome outcome;
  std::chrono::milliseconds takes{0};
};

inline FakeStep refused(std::chrono::milliseconds takes = std::chrono::milliseconds{0}) {
  return {probes::Outcome::not_yet("connection refused", true), takes};
}
inline FakeStep starting(std::chrono::milliseconds takes = std::chrono::milliseconds{0}) {
  return {probes::Outcome::not_yet("the database system is starting up"), takes};
}
inline FakeStep pass(std::chrono::milliseconds takes = std::chrono::milliseconds{0}) {
  return {probes::Outcome::ready(), takes};
}
inline FakeStep fatal(std::string reason, std::chrono::milliseconds takes = std::chrono::milliseconds{0}) {
  return {probes::Outcome::fatal(std::move(reason)), takes};
}

class FakeProbe final : public probes::Probe {
 public:
  FakeProbe(FakeClock& clock, std::vector<FakeStep> script) : m_clock(clock), m_script(std::move(script)) {}

  probes::Outcome check(probes::Millis timeout) override {
    calls.push_back(m_clock.now());
    timeouts.push_back(timeout);
    const FakeStep& step = m_script.at(std::min(m_next, m_script.size() - 1));
    ++m_next;
    if (step.takes > timeout) {
      m_clock.advance(timeout);
      return probes::Outcome::not_yet("timed out after " + std::to_string(timeout.count()) + "ms");
    }
    m_clock.advance(step.takes);
    return step.outcome;
  }

  /// Gaps between consecutive attempt starts.
  std::vector<std::chrono::milliseconds> gaps() const {
    std::vector<std::chrono::milliseconds> out;
    for (size_t i = 1; i < calls.size(); ++i) {
      out.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(calls[i] - calls[i - 1]));
    }
    return out;
  }

  std::vector<gate::Clock::time_point> calls;
  std::vector<probes::Millis> timeouts;

 private:
  FakeClock& m_clock;
  std::vector<FakeStep> m_script;
  size_t m_next = 0;
};

}  // namespace stackgate::testing
