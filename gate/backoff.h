// Retry delays after a not_yet (README: "Semantics and defaults"): the first retry
// after `first` (10 ms, or the probe's `interval`), then doubling up to a cap
// that depends on what the last attempt cost the server. A cheap failure
// (connection refused, no route) caps at 50 ms; a protocol-level not_yet
// (Postgres starting up, Redis LOADING, a rebalancing group) caps at 1 s.
// Switching from slow to cheap failures drops straight to the cheap cap.
// Jitter is applied separately so this stays a pure sequence.
#pragma once

#include <algorithm>
#include <chrono>

namespace stackgate::gate {

class Backoff {
 public:
  using Millis = std::chrono::milliseconds;

  Backoff(Millis first, Millis cheap_cap, Millis slow_cap)
      : m_first(first), m_cheap_cap(std::max(cheap_cap, first)), m_slow_cap(std::max(slow_cap, first)) {}

  /// The delay before the next attempt, after a not_yet.
  Millis next(bool cheap) {
    Millis cap = cheap ? m_cheap_cap : m_slow_cap;
    Millis d = m_current.count() == 0 ? m_first : m_current * 2;
    m_current = std::clamp(d, m_first, cap);
    return m_current;
  }
  /// After a pass: the next failure starts again from `first`.
  void reset() { m_current = Millis{0}; }

 private:
  Millis m_first, m_cheap_cap, m_slow_cap;
  Millis m_current{0};
};

/// `d` shortened by up to `jitter` (0..1) of itself; `u` is uniform in [0,1).
/// Never longer than `d`, so the caps hold; never below 1 ms.
inline std::chrono::milliseconds jittered(std::chrono::milliseconds d, double jitter, double u) {
  auto cut = static_cast<long long>(static_cast<double>(d.count()) * jitter * u);
  return std::max(std::chrono::milliseconds{1}, d - std::chrono::milliseconds{cut});
}

}  // namespace stackgate::gate
