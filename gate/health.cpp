#include "gate/health.h"

namespace stackgate::gate {

std::string_view to_string(Health h) {
  switch (h) {
    case Health::unknown: return "unknown";
    case Health::healthy: return "healthy";
    case Health::unhealthy: return "unhealthy";
  }
  return "unknown";
}

void DurationHistogram::observe(double seconds) {
  for (size_t i = 0; i < k_duration_buckets.size(); ++i) {
    if (seconds <= k_duration_buckets[i]) ++buckets[i];
  }
  ++count;
  sum += seconds;
}

void TargetHealth::record(bool passed, std::string reason, std::chrono::duration<double> latency,
                          std::chrono::system_clock::time_point now) {
  ++m_attempts;
  m_last_passed = passed;
  m_last_reason = std::move(reason);
  m_last_latency = latency;
  m_durations.observe(latency.count());
  Health next = m_state;
  if (passed) {
    ++m_successes;
    m_failures = 0;
    if (m_state != Health::healthy && m_successes >= m_thresholds.successes) next = Health::healthy;
  } else {
    ++m_failures;
    m_successes = 0;
    if (m_state != Health::unhealthy && m_failures >= m_thresholds.failures) next = Health::unhealthy;
  }
  if (next != m_state) {
    m_state = next;
    m_last_transition = now;
    ++m_state_changes;
  }
}

}  // namespace stackgate::gate
