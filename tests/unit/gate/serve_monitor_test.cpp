// HealthMonitor with real threads and probes that pass, fail or hang on a
// flag the test holds. Every wait is a bounded poll of snapshot().
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gate/serve.h"

using namespace stackgate;
using namespace stackgate::gate;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

class CountingProbe final : public probes::Probe {
 public:
  explicit CountingProbe(bool pass) : m_pass(pass) {}
  probes::Outcome check(probes::Millis) override {
    ++calls;
    return m_pass ? probes::Outcome::ready() : probes::Outcome::not_yet("connection refused", true);
  }
  std::atomic<int> calls{0};

 private:
  bool m_pass;
};

// Blocks in check() until release(), far past its timeout.
class HangingProbe final : public probes::Probe {
 public:
  probes::Outcome check(probes::Millis) override {
    ++calls;
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, 10s, [&] { return m_released; });
    return probes::Outcome::ready();
  }
  void release() {
    std::lock_guard lock(m_mutex);
    m_released = true;
    m_cv.notify_all();
  }
  std::atomic<int> calls{0};

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_released = false;
};

ServeTarget target(std::string service, std::shared_ptr<probes::Probe> probe, Millis interval, Millis timeout = 50ms) {
  ProbeTask task{std::move(probe), "fake", "fake://" + service, ProbeOptions{}};
  task.options.timeout = timeout;
  return {std::move(service), std::move(task), interval};
}

// Polls `monitor` until `done(snapshot)` or 5 s.
bool poll(const HealthMonitor& monitor, const std::function<bool(const std::vector<TargetSnapshot>&)>& done) {
  auto until = Steady::now() + 5s;
  for (int i = 0; i < 2500 && Steady::now() < until; ++i) {
    if (done(monitor.snapshot())) return true;
    std::this_thread::sleep_for(2ms);  // poll spacing
  }
  return false;
}

}  // namespace

TEST_CASE("a hanging probe is a failure of its own target and does not hold the others", "[serve][monitor]") {
  auto hanging = std::make_shared<HangingProbe>();
  auto healthy = std::make_shared<CountingProbe>(true);
  HealthMonitor monitor({target("stuck", hanging, 10ms), target("fine", healthy, 10ms)}, HealthThresholds{2, 1});
  monitor.start();

  bool decided = poll(monitor, [](const std::vector<TargetSnapshot>& s) {
    return s[0].health.state() == Health::unhealthy && s[1].health.state() == Health::healthy &&
           s[1].health.consecutive_successes() >= 5;
  });
  monitor.stop();
  REQUIRE(decided);
  std::vector<TargetSnapshot> s = monitor.snapshot();
  // The late attempt is never run twice at once: one call, however many rounds.
  CHECK(hanging->calls == 1);
  CHECK(s[0].health.consecutive_failures() >= 2);
  CHECK((s[0].health.last_reason().find("no answer within the 50 ms timeout") != std::string::npos ||
         s[0].health.last_reason().find("previous attempt is still running") != std::string::npos));
  hanging->release();
}

TEST_CASE("answering requests never triggers a probe", "[serve][monitor]") {
  auto probe = std::make_shared<CountingProbe>(false);
  HealthMonitor monitor({target("db", probe, 1h)}, HealthThresholds{1, 1});
  monitor.start();
  REQUIRE(poll(monitor, [](const std::vector<TargetSnapshot>& s) { return s[0].health.attempted(); }));
  for (int i = 0; i < 50; ++i) {
    for (const char* path : {"/readyz", "/status", "/metrics"}) serve_request({"GET", path, ""}, monitor.snapshot(), {});
  }
  CHECK(probe->calls == 1);  // the first round only; the next is an hour away
  CHECK(monitor.snapshot()[0].health.state() == Health::unhealthy);
  monitor.stop();
}

namespace {

// Passes while `up` is set, fails (connection refused) while it is not.
class SwitchProbe final : public probes::Probe {
 public:
  probes::Outcome check(probes::Millis) override {
    return up ? probes::Outcome::ready() : probes::Outcome::not_yet("connection refused", true);
  }
  std::atomic<bool> up{true};
};

// Events as the sink saw them: "unknown->healthy", "healthy->unhealthy:was", ...
struct EventLog {
  std::mutex mutex;
  std::vector<HealthEvent> events;
  HealthEventSink sink() {
    return [this](const HealthEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
    };
  }
  std::vector<HealthEvent> copy() {
    std::lock_guard lock(mutex);
    return events;
  }
};

}  // namespace

TEST_CASE("the monitor sends every state change and every failure while unhealthy to its sink", "[serve][monitor]") {
  auto probe = std::make_shared<SwitchProbe>();
  EventLog log;
  HealthMonitor monitor({target("backend", probe, 5ms)}, HealthThresholds{2, 1}, log.sink());
  monitor.start();
  REQUIRE(poll(monitor, [](const std::vector<TargetSnapshot>& s) { return s[0].health.state() == Health::healthy; }));
  probe->up = false;
  REQUIRE(poll(monitor, [](const std::vector<TargetSnapshot>& s) { return s[0].health.consecutive_failures() >= 5; }));
  probe->up = true;
  // Polled on the sink's log, not the snapshot: the sink runs just after the state is stored.
  auto recovered = [&] {
    std::vector<HealthEvent> e = log.copy();
    return !e.empty() && e.back().previous == Health::unhealthy && e.back().state == Health::healthy;
  };
  auto until = Steady::now() + 5s;
  for (int n = 0; n < 2500 && Steady::now() < until && !recovered(); ++n) std::this_thread::sleep_for(2ms);  // poll
  monitor.stop();
  REQUIRE(recovered());

  std::vector<HealthEvent> events = log.copy();
  REQUIRE(events.size() >= 5);
  // unknown -> healthy: a change, nothing healthy before it.
  CHECK(events[0].previous == Health::unknown);
  CHECK(events[0].state == Health::healthy);
  CHECK(events[0].passed);
  CHECK_FALSE(events[0].was_healthy);
  CHECK(events[0].reason.empty());
  // The first failure is below the threshold: no event. The second turns it unhealthy.
  CHECK(events[1].previous == Health::healthy);
  CHECK(events[1].state == Health::unhealthy);
  CHECK(events[1].was_healthy);
  CHECK(events[1].service == "backend");
  CHECK(events[1].target == "fake://backend");
  CHECK(events[1].reason == "connection refused");
  // Then one event per failure while unhealthy (at least three more: five failures in all)...
  size_t i = 2;
  for (; i < events.size() && !events[i].passed; ++i) {
    CHECK(events[i].previous == Health::unhealthy);
    CHECK(events[i].state == Health::unhealthy);
    CHECK_FALSE(events[i].changed());
  }
  CHECK(i >= 5);
  // ...and the recovery, after which passes send nothing.
  REQUIRE(i < events.size());
  CHECK(events[i].previous == Health::unhealthy);
  CHECK(events[i].state == Health::healthy);
}

// Answers ready, but only after `latency` (a slow server, not a wait for the test).
class SlowProbe final : public probes::Probe {
 public:
  explicit SlowProbe(Millis latency) : m_latency(latency) {}
  probes::Outcome check(probes::Millis) override {
    std::this_thread::sleep_for(m_latency);
    return probes::Outcome::ready();
  }

 private:
  Millis m_latency;
};

TEST_CASE("serve counts an answer slower than max_latency as a failure, naming the latency", "[serve][monitor][max_latency]") {
  ServeTarget slow = target("api", std::make_shared<SlowProbe>(30ms), 10ms, 2s);
  slow.task.options.max_latency = 5ms;
  ServeTarget fast = target("db", std::make_shared<SlowProbe>(0ms), 10ms, 2s);
  fast.task.options.max_latency = 1s;
  HealthMonitor monitor({slow, fast}, HealthThresholds{2, 1});
  monitor.start();
  bool decided = poll(monitor, [](const std::vector<TargetSnapshot>& s) {
    return s[0].health.state() == Health::unhealthy && s[1].health.state() == Health::healthy;
  });
  monitor.stop();
  REQUIRE(decided);
  std::string reason = monitor.snapshot()[0].health.last_reason();
  CHECK(reason.starts_with("answered in "));
  CHECK(reason.ends_with(", slower than max_latency=5ms"));
}
