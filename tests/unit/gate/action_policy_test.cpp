// serve's action cooldown and hourly cap (ActionPolicy) and which health
// events run which side (ActionDispatcher), on a FakeClock: time only moves
// when the test advances it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gate/actions.h"
#include "tests/fakes/fake_clock.h"

using namespace stackgate;
using namespace stackgate::gate;
using namespace std::chrono_literals;
using stackgate::testing::FakeClock;

namespace {

// An event of a target that has been healthy before (as every event below,
// unless `was_healthy` says otherwise).
HealthEvent event(Health previous, Health state, bool passed, std::string service = "backend", bool was_healthy = true) {
  return {std::move(service), "http://nginx/api/health", passed ? "" : "HTTP 503", previous, state, passed, was_healthy};
}

struct Recorder {
  std::vector<std::string> runs;  // "unhealthy backend", "recover backend"
  std::vector<std::string> log;
  ActionExecutor execute() {
    return [this](ActionSide side, const HealthEvent& e) {
      runs.push_back(std::string(side == ActionSide::unhealthy ? "unhealthy " : "recover ") + e.service);
    };
  }
  LogLine logger() {
    return [this](const std::string& line) { log.push_back(line); };
  }
};

ActionConfig config_with(std::vector<std::string> on_unhealthy, std::vector<std::string> on_recover,
                         ActionLimits limits = {}) {
  ActionConfig c;
  c.on_unhealthy = std::move(on_unhealthy);
  c.on_recover = std::move(on_recover);
  c.limits = limits;
  return c;
}

}  // namespace

TEST_CASE("the first unhealthy action runs, a second within the cooldown is refused with the option named", "[actions]") {
  FakeClock clock;
  ActionPolicy policy(ActionLimits{5min, 6}, clock);
  CHECK(policy.unhealthy("backend").run);
  clock.advance(4min + 59s);
  ActionDecision d = policy.unhealthy("backend");
  CHECK_FALSE(d.run);
  CHECK(d.refusal == "cooling down: the last action for backend ran 4m59s ago (--action-cooldown 5m)");
  clock.advance(1s);
  CHECK(policy.unhealthy("backend").run);
}

TEST_CASE("the cooldown is per service", "[actions]") {
  FakeClock clock;
  ActionPolicy policy(ActionLimits{5min, 6}, clock);
  CHECK(policy.unhealthy("backend").run);
  CHECK(policy.unhealthy("worker").run);
  CHECK_FALSE(policy.unhealthy("backend").run);
}

TEST_CASE("the hourly cap refuses the run after N in a sliding hour and allows it when the oldest leaves", "[actions]") {
  FakeClock clock;
  ActionPolicy policy(ActionLimits{1min, 3}, clock);
  CHECK(policy.unhealthy("backend").run);  // t = 0
  clock.advance(1min);
  CHECK(policy.unhealthy("backend").run);  // t = 1m
  clock.advance(1min);
  CHECK(policy.unhealthy("backend").run);  // t = 2m
  clock.advance(10min);
  ActionDecision d = policy.unhealthy("backend");  // t = 12m: cooled down, but capped
  CHECK_FALSE(d.run);
  CHECK(d.refusal ==
        "capped: 3 actions for backend in the last hour (--max-actions-per-hour 3); the next is allowed in 48m");
  clock.advance(48min - 1ms);
  CHECK_FALSE(policy.unhealthy("backend").run);
  clock.advance(1ms);  // t = 1h: the run at t = 0 has left the window
  CHECK(policy.unhealthy("backend").run);
  CHECK_FALSE(policy.unhealthy("backend").run);  // and the new one starts a cooldown
}

TEST_CASE("refused runs do not count toward the cap", "[actions]") {
  FakeClock clock;
  ActionPolicy policy(ActionLimits{10min, 2}, clock);
  CHECK(policy.unhealthy("backend").run);
  for (int i = 0; i < 9; ++i) {
    clock.advance(1min);
    CHECK_FALSE(policy.unhealthy("backend").run);  // cooling down
  }
  clock.advance(1min);
  CHECK(policy.unhealthy("backend").run);  // the second of two
}

TEST_CASE("the recover side has its own cooldown and no cap", "[actions]") {
  FakeClock clock;
  ActionPolicy policy(ActionLimits{1min, 1}, clock);
  CHECK(policy.unhealthy("backend").run);
  CHECK(policy.recover("backend").run);  // not refused by the unhealthy side's cooldown
  ActionDecision d = policy.recover("backend");
  CHECK_FALSE(d.run);
  CHECK(d.refusal == "cooling down: the last recover action for backend ran 0s ago (--action-cooldown 1m)");
  for (int i = 0; i < 5; ++i) {
    clock.advance(1min);
    CHECK(policy.recover("backend").run);
  }
}

TEST_CASE("the dispatcher runs the unhealthy side on the transition and repeats it after the cooldown", "[actions]") {
  FakeClock clock;
  Recorder r;
  ActionDispatcher d(config_with({"restart.sh"}, {}, ActionLimits{5min, 6}), clock, r.logger(), r.execute());
  d.handle(event(Health::unknown, Health::healthy, true));
  CHECK(r.runs.empty());
  d.handle(event(Health::healthy, Health::unhealthy, false));
  CHECK(r.runs == std::vector<std::string>{"unhealthy backend"});
  clock.advance(1min);
  d.handle(event(Health::unhealthy, Health::unhealthy, false));
  CHECK(r.runs.size() == 1);
  CHECK(r.log.empty());  // a refused repeat is not logged on every failed attempt
  clock.advance(4min);
  d.handle(event(Health::unhealthy, Health::unhealthy, false));
  CHECK(r.runs == std::vector<std::string>{"unhealthy backend", "unhealthy backend"});
}

TEST_CASE("the dispatcher logs a refusal when a target turns unhealthy within the cooldown", "[actions]") {
  FakeClock clock;
  Recorder r;
  ActionDispatcher d(config_with({"restart.sh"}, {}, ActionLimits{5min, 6}), clock, r.logger(), r.execute());
  d.handle(event(Health::healthy, Health::unhealthy, false));
  d.handle(event(Health::unhealthy, Health::healthy, true));
  clock.advance(30s);
  d.handle(event(Health::healthy, Health::unhealthy, false));
  CHECK(r.runs.size() == 1);
  REQUIRE(r.log.size() == 1);
  CHECK(r.log[0] == "action for backend not run: cooling down: the last action for backend ran 30s ago "
                    "(--action-cooldown 5m)");
}

TEST_CASE("on-recover runs only when an unhealthy target turns healthy, not on the first pass", "[actions]") {
  FakeClock clock;
  Recorder r;
  ActionDispatcher d(config_with({}, {"notify.sh"}), clock, r.logger(), r.execute());
  d.handle(event(Health::unknown, Health::healthy, true));
  d.handle(event(Health::healthy, Health::unhealthy, false));
  CHECK(r.runs.empty());  // no unhealthy side configured
  d.handle(event(Health::unhealthy, Health::healthy, true));
  CHECK(r.runs == std::vector<std::string>{"recover backend"});
}

TEST_CASE("a target never healthy since serve started runs no unhealthy action: it may still be starting", "[actions]") {
  FakeClock clock;
  Recorder r;
  ActionDispatcher d(config_with({"restart.sh"}, {}), clock, r.logger(), r.execute());
  d.handle(event(Health::unknown, Health::unhealthy, false, "backend", false));
  d.handle(event(Health::unhealthy, Health::unhealthy, false, "backend", false));
  CHECK(r.runs.empty());
  CHECK(r.log.empty());
  d.handle(event(Health::unhealthy, Health::healthy, true, "backend", false));
  d.handle(event(Health::healthy, Health::unhealthy, false, "backend", true));
  CHECK(r.runs == std::vector<std::string>{"unhealthy backend"});
}

TEST_CASE("two targets of one service share its cooldown", "[actions]") {
  FakeClock clock;
  Recorder r;
  ActionDispatcher d(config_with({"restart.sh"}, {}), clock, r.logger(), r.execute());
  d.handle(event(Health::healthy, Health::unhealthy, false, "backend"));
  d.handle(event(Health::healthy, Health::unhealthy, false, "backend"));
  d.handle(event(Health::healthy, Health::unhealthy, false, "worker"));
  CHECK(r.runs == std::vector<std::string>{"unhealthy backend", "unhealthy worker"});
}

TEST_CASE("a command's environment names the event, service, redacted target and reason", "[actions]") {
  HealthEvent e{"db", "postgres://app:***@db:5432/app", "connection refused", Health::healthy, Health::unhealthy, false, true};
  CHECK(action_environment(ActionSide::unhealthy, e) ==
        std::vector<std::string>{"STACKGATE_EVENT=unhealthy", "STACKGATE_SERVICE=db",
                                 "STACKGATE_TARGET=postgres://app:***@db:5432/app",
                                 "STACKGATE_REASON=connection refused"});
}

TEST_CASE("durations in action lines are written as the options are", "[actions]") {
  CHECK(compact_duration(5min) == "5m");
  CHECK(compact_duration(90min) == "1h30m");
  CHECK(compact_duration(1h) == "1h");
  CHECK(compact_duration(250ms) == "250ms");
  CHECK(compact_duration(0ms) == "0s");
  CHECK(compact_duration(4min + 59s + 400ms) == "4m59s");  // elapsed times: whole seconds
}
