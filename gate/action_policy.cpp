#include "gate/action_policy.h"

#include <utility>

namespace stackgate::gate {

namespace {

constexpr std::chrono::hours k_cap_window{1};

std::string compact(Clock::duration d) { return compact_duration(std::chrono::duration_cast<Millis>(d)); }

}  // namespace

std::string compact_duration(Millis d) {
  long long ms = d.count();
  if (ms >= 1000) ms = (ms + 500) / 1000 * 1000;
  if (ms == 0) return "0s";
  std::string out;
  for (auto [unit, size] : {std::pair{"h", 3'600'000LL}, {"m", 60'000LL}, {"s", 1000LL}, {"ms", 1LL}}) {
    if (ms >= size) {
      out += std::to_string(ms / size) + unit;
      ms %= size;
    }
  }
  return out;
}

ActionDecision ActionPolicy::unhealthy(const std::string& service) {
  std::lock_guard lock(m_mutex);
  Clock::time_point now = m_clock.now();
  std::deque<Clock::time_point>& runs = m_runs[service].unhealthy;
  while (!runs.empty() && now - runs.front() >= k_cap_window) runs.pop_front();
  if (!runs.empty() && now - runs.back() < m_limits.cooldown) {
    return {false, "cooling down: the last action for " + service + " ran " +
                       compact(now - runs.back()) + " ago (--action-cooldown " +
                       compact_duration(m_limits.cooldown) + ")"};
  }
  if (static_cast<int>(runs.size()) >= m_limits.max_per_hour) {
    return {false, "capped: " + std::to_string(runs.size()) + " actions for " + service +
                       " in the last hour (--max-actions-per-hour " + std::to_string(m_limits.max_per_hour) +
                       "); the next is allowed in " + compact(runs.front() + k_cap_window - now)};
  }
  runs.push_back(now);
  return {true, ""};
}

ActionDecision ActionPolicy::recover(const std::string& service) {
  std::lock_guard lock(m_mutex);
  Clock::time_point now = m_clock.now();
  std::optional<Clock::time_point>& last = m_runs[service].last_recover;
  if (last && now - *last < m_limits.cooldown) {
    return {false, "cooling down: the last recover action for " + service + " ran " +
                       compact(now - *last) + " ago (--action-cooldown " +
                       compact_duration(m_limits.cooldown) + ")"};
  }
  last = now;
  return {true, ""};
}

}  // namespace stackgate::gate
