// Retry delays after a not_yet (README: "Semantics and defaults"): the first
// retry after `first` (2 ms, or the probe's `interval`), then doubling up to a
// cap that depends on what the last attempt cost:
//   refused   nothing answered (connection refused, no route): 4 ms, so a
//             gate releases within a few milliseconds of the port opening;
//   lookup    the name does not resolve yet (its container does not exist):
//             100 ms, since each retry is a query to a shared resolver;
//   answered  a protocol-level "not yet" (Postgres starting up, Redis
//             LOADING, a rebalancing group): 1 s.
// Switching to a cheaper kind drops straight to its cap. The overall attempt
// rate is bounded separately (SchedulerOptions::min_spacing). Jitter is
// applied separately so this stays a pure sequence.
#pragma once

#include <algorithm>
#include <chrono>

namespace stackgate::gate {

enum class RetryKind { refused, lookup, answered };

class Backoff {
 public:
  using Millis = std::chrono::milliseconds;

  Backoff(Millis first, Millis refused_cap, Millis lookup_cap, Millis answered_cap)
      : m_first(first),
        m_refused_cap(std::max(refused_cap, first)),
        m_lookup_cap(std::max(lookup_cap, first)),
        m_answered_cap(std::max(answered_cap, first)) {}

  /// The delay before the next attempt, after a not_yet of `kind`.
  Millis next(RetryKind kind) {
    Millis cap = kind == RetryKind::refused ? m_refused_cap : kind == RetryKind::lookup ? m_lookup_cap : m_answered_cap;
    Millis d = m_current.count() == 0 ? m_first : m_current * 2;
    m_current = std::clamp(d, m_first, cap);
    return m_current;
  }
  /// After a pass: the next failure starts again from `first`.
  void reset() { m_current = Millis{0}; }

 private:
  Millis m_first, m_refused_cap, m_lookup_cap, m_answered_cap;
  Millis m_current{0};
};

/// `d` shortened by up to `jitter` (0..1) of itself; `u` is uniform in [0,1).
/// Never longer than `d`, so the caps hold; never below 1 ms.
inline std::chrono::milliseconds jittered(std::chrono::milliseconds d, double jitter, double u) {
  auto cut = static_cast<long long>(static_cast<double>(d.count()) * jitter * u);
  return std::max(std::chrono::milliseconds{1}, d - std::chrono::milliseconds{cut});
}

}  // namespace stackgate::gate
