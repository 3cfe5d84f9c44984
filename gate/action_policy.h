// When `serve` may run an action for a service: the cooldown and the hourly
// cap of --action-cooldown and --max-actions-per-hour.
//
// The unhealthy side (--on-unhealthy, --restart-unhealthy) runs when a target
// turns unhealthy and again, while it stays unhealthy, each time the cooldown
// has passed: a restart that did not help is tried again, as the cron script
// it replaces would. Every run of that side counts toward the cap, a sliding
// window of the last hour. The recover side (--on-recover) has its own
// cooldown timestamp and no cap: it can only follow an unhealthy spell.
// Both are per service, so a service with several probes acts once.
//
// Thread-safe: the monitor's loops call it from their own threads. Time
// comes from the Clock, so tests run it on a FakeClock.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "gate/clock.h"
#include "gate/scheduler.h"

namespace stackgate::gate {

struct ActionLimits {
  Millis cooldown{5 * 60 * 1000};  // between two runs of one side for one service
  int max_per_hour = 6;            // unhealthy-side runs per service in any 60 minutes
};

struct ActionDecision {
  bool run = false;
  std::string refusal;  // why not, one line naming the option that refused ("" when run)
};

class ActionPolicy {
 public:
  /// `clock` must outlive the policy.
  ActionPolicy(ActionLimits limits, const Clock& clock) : m_limits(limits), m_clock(clock) {}

  /// May the unhealthy side run for `service` now? A yes is recorded as a run.
  ActionDecision unhealthy(const std::string& service);
  /// May the recover side run for `service` now? A yes is recorded as a run.
  ActionDecision recover(const std::string& service);

 private:
  struct ServiceRuns {
    std::deque<Clock::time_point> unhealthy;  // runs within the last hour, oldest first
    std::optional<Clock::time_point> last_recover;
  };

  ActionLimits m_limits;
  const Clock& m_clock;
  std::mutex m_mutex;
  std::map<std::string, ServiceRuns> m_runs;
};

/// "5m", "1h30m", "45s", "250ms": every non-zero unit, as the options are
/// written (util::format_duration says "5m0s"); from one second up, rounded
/// to whole seconds.
std::string compact_duration(Millis d);

}  // namespace stackgate::gate
