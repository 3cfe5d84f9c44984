// The health of one target under `stackgate serve`: consecutive-result
// thresholds, as Docker's HEALTHCHECK retries and Kubernetes' probes count.
//
//   unknown   --successes passes-->  healthy
//   unknown   --failures failures--> unhealthy
//   healthy   --failures failures--> unhealthy
//   unhealthy --successes passes-->  healthy
//
// A pass resets the failure count and a failure the pass count, so only an
// unbroken run of one kind moves the state. Each record() also feeds the
// attempt-duration histogram. Pure value type: no clock, no locking (the
// monitor holds a mutex around it), so it is tested with plain values.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stackgate::gate {

struct HealthThresholds {
  int failures = 3;   // consecutive failures that make a target unhealthy
  int successes = 1;  // consecutive passes that make it healthy
};

enum class Health { unknown, healthy, unhealthy };

std::string_view to_string(Health h);

// Upper bounds of probe_duration_seconds' buckets (+Inf is implicit).
inline constexpr std::array<double, 11> k_duration_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                          0.5,   1,    2.5,   5,    10};

struct DurationHistogram {
  std::array<std::uint64_t, k_duration_buckets.size()> buckets{};  // cumulative counts
  std::uint64_t count = 0;
  double sum = 0;  // seconds

  void observe(double seconds);
};

// What one attempt did to a target, for serve's log and actions: sent for
// every failure while the target is unhealthy and for every state change.
struct HealthEvent {
  std::string service;
  std::string target;  // redacted URL
  std::string reason;  // sanitised; "" after a pass
  Health previous = Health::unknown;
  Health state = Health::unknown;
  bool passed = false;
  bool was_healthy = false;  // the target has been healthy at some point before this attempt

  bool changed() const { return previous != state; }
};

class TargetHealth {
 public:
  explicit TargetHealth(HealthThresholds thresholds) : m_thresholds(thresholds) {}

  /// One finished attempt. `reason` is already sanitised and secret-free;
  /// `now` is the wall-clock time of the end of the attempt.
  void record(bool passed, std::string reason, std::chrono::duration<double> latency,
              std::chrono::system_clock::time_point now);

  Health state() const { return m_state; }
  bool attempted() const { return m_attempts > 0; }
  bool last_passed() const { return m_last_passed; }
  int consecutive_successes() const { return m_successes; }
  int consecutive_failures() const { return m_failures; }
  const std::string& last_reason() const { return m_last_reason; }
  std::chrono::duration<double> last_latency() const { return m_last_latency; }
  /// When the state last changed; nullopt while it never has.
  std::optional<std::chrono::system_clock::time_point> last_transition() const { return m_last_transition; }
  std::uint64_t state_changes() const { return m_state_changes; }
  const DurationHistogram& durations() const { return m_durations; }

 private:
  HealthThresholds m_thresholds;
  Health m_state = Health::unknown;
  std::uint64_t m_attempts = 0;
  bool m_last_passed = false;
  int m_successes = 0;
  int m_failures = 0;
  std::string m_last_reason;
  std::chrono::duration<double> m_last_latency{0};
  std::optional<std::chrono::system_clock::time_point> m_last_transition;
  std::uint64_t m_state_changes = 0;
  DurationHistogram m_durations;
};

}  // namespace stackgate::gate
