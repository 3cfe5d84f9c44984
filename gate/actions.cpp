#include "gate/actions.h"

#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "gate/action_runner.h"

namespace stackgate::gate {

namespace {

std::string_view side_name(ActionSide side) { return side == ActionSide::unhealthy ? "unhealthy" : "recover"; }

}  // namespace

ActionDispatcher::ActionDispatcher(const ActionConfig& config, const Clock& clock, LogLine log, ActionExecutor execute)
    : m_unhealthy_side(!config.on_unhealthy.empty() || config.restarter.has_value()),
      m_recover_side(!config.on_recover.empty()),
      m_policy(config.limits, clock),
      m_log(std::move(log)),
      m_execute(std::move(execute)) {}

void ActionDispatcher::handle(const HealthEvent& event) {
  // A target never healthy since serve started may still be starting (serve
  // came up with the stack): restarting it would only start it again.
  if (event.state == Health::unhealthy && !event.passed && m_unhealthy_side) {
    if (!event.was_healthy) return;
    ActionDecision d = m_policy.unhealthy(event.service);
    if (d.run) {
      m_execute(ActionSide::unhealthy, event);
    } else if (event.changed()) {
      m_log("action for " + event.service + " not run: " + d.refusal);
    }
    return;
  }
  if (event.previous == Health::unhealthy && event.state == Health::healthy && m_recover_side) {
    ActionDecision d = m_policy.recover(event.service);
    if (d.run) {
      m_execute(ActionSide::recover, event);
    } else {
      m_log("on-recover for " + event.service + " not run: " + d.refusal);
    }
  }
}

std::vector<std::string> action_environment(ActionSide side, const HealthEvent& event) {
  return {"STACKGATE_EVENT=" + std::string(side_name(side)), "STACKGATE_SERVICE=" + event.service,
          "STACKGATE_TARGET=" + event.target, "STACKGATE_REASON=" + event.reason};
}

RealActions make_executor(const ActionConfig& config, LogLine log) {
  auto runner = std::make_shared<ActionRunner>(config.timeout, log);
  // Services with a restart in flight: a second one would only queue behind it.
  struct Restarts {
    std::mutex mutex;
    std::set<std::string> busy;
  };
  auto restarts = std::make_shared<Restarts>();
  std::optional<ContainerRestarter> restarter = config.restarter;
  std::vector<std::string> on_unhealthy = config.on_unhealthy, on_recover = config.on_recover;

  ActionExecutor execute = [=](ActionSide side, const HealthEvent& event) {
    const std::vector<std::string>& argv = side == ActionSide::unhealthy ? on_unhealthy : on_recover;
    if (!argv.empty()) {
      runner->start(argv, action_environment(side, event), "on-" + std::string(side_name(side)) + " for " + event.service);
    }
    if (side != ActionSide::unhealthy || !restarter) return;
    {
      std::lock_guard lock(restarts->mutex);
      if (!restarts->busy.insert(event.service).second) {
        log("restart of " + event.service + " not started: the previous one is still running");
        return;
      }
    }
    log("restarting " + event.service + " (Compose project " + restarter->project() + "): " + event.reason);
    try {
      std::thread([restarter, restarts, log, service = event.service] {
        auto done = restarter->restart(service);
        log(done ? "restart of " + service + ": " + *done : "restart of " + service + " failed: " + done.error());
        std::lock_guard lock(restarts->mutex);
        restarts->busy.erase(service);
      }).detach();
    } catch (const std::system_error&) {
      log("restart of " + event.service + " failed: cannot start a thread for it");
      std::lock_guard lock(restarts->mutex);
      restarts->busy.erase(event.service);
    }
  };
  return {execute, [runner] { runner->stop(); }};
}

}  // namespace stackgate::gate
