// `serve`'s actions: what runs when a target turns unhealthy or recovers.
//
//   --on-unhealthy CMD    runs when a target turns unhealthy, and again while
//                         it stays unhealthy each time the cooldown has passed
//   --restart-unhealthy   restarts the service's containers at the same moments
//   --on-recover CMD      runs when an unhealthy target turns healthy
//
// A target that has not been healthy since serve started runs no unhealthy
// action: it may still be starting (serve is often started with the stack),
// and a restart would only start it again.
//
// ActionDispatcher receives every HealthEvent from the monitor's loops,
// asks ActionPolicy (cooldown, hourly cap; per service) and hands what may
// run to an executor, which must not block: the real one (make_executor)
// starts commands through ActionRunner and restarts on a thread of their own.
// Refusals are logged for the event that turned the target unhealthy, not
// for every failed attempt after it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gate/action_policy.h"
#include "gate/container_restarter.h"
#include "gate/health.h"

namespace stackgate::gate {

enum class ActionSide { unhealthy, recover };

struct ActionConfig {
  std::vector<std::string> on_unhealthy;  // argv, split like Compose's `command:`; empty: none
  std::vector<std::string> on_recover;
  std::optional<ContainerRestarter> restarter;  // --restart-unhealthy
  ActionLimits limits;
  Millis timeout{60'000};  // --action-timeout, for commands

  bool any() const { return !on_unhealthy.empty() || !on_recover.empty() || restarter.has_value(); }
};

using LogLine = std::function<void(const std::string& line)>;
using ActionExecutor = std::function<void(ActionSide, const HealthEvent&)>;

class ActionDispatcher {
 public:
  /// `clock` must outlive the dispatcher. `log` and `execute` are called
  /// from the monitor's threads and must be thread-safe.
  ActionDispatcher(const ActionConfig& config, const Clock& clock, LogLine log, ActionExecutor execute);

  /// Called by the monitor after every attempt that produced an event.
  void handle(const HealthEvent& event);

 private:
  bool m_unhealthy_side;
  bool m_recover_side;
  ActionPolicy m_policy;
  LogLine m_log;
  ActionExecutor m_execute;
};

/// The real executor: commands through an ActionRunner, restarts through
/// `config.restarter` on a detached thread (one at a time per service).
/// The returned stop function sends SIGTERM to running commands.
struct RealActions {
  ActionExecutor execute;
  std::function<void()> stop;
};
RealActions make_executor(const ActionConfig& config, LogLine log);

/// The environment of a command: STACKGATE_EVENT (unhealthy or recover),
/// STACKGATE_SERVICE, STACKGATE_TARGET (redacted) and STACKGATE_REASON.
std::vector<std::string> action_environment(ActionSide side, const HealthEvent& event);

}  // namespace stackgate::gate
