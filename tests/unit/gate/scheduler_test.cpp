#include "gate/scheduler.h"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "gate/latency.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_probe.h"
#include "tests/fakes/fake_reporter.h"

using namespace std::chrono_literals;
using stackgate::gate::InlineExecutor;
using stackgate::gate::LevelTasks;
using stackgate::gate::Millis;
using stackgate::gate::ProbeState;
using stackgate::gate::ProbeTask;
using stackgate::gate::RunStatus;
using stackgate::gate::Scheduler;
using stackgate::gate::SchedulerOptions;
using stackgate::gate::ServiceTasks;
using stackgate::spec::Window;
using namespace stackgate::testing;

namespace {

struct Rig {
  FakeClock clock;
  InlineExecutor executor;
  FakeReporter reporter;
  SchedulerOptions options;
  std::vector<LevelTasks> levels;

  Rig() { options.jitter = 0; }

  // Adds a probe for `service` at `level`, returning the fake to inspect.
  std::shared_ptr<FakeProbe> probe(size_t level, const std::string& service, std::vector<FakeStep> script,
                                   Window window = {1, 0ms}, std::optional<Millis> interval = std::nullopt) {
    auto fake = std::make_shared<FakeProbe>(clock, std::move(script));
    if (levels.size() <= level) levels.resize(level + 1);
    LevelTasks& tasks = levels[level];
    auto it = std::find_if(tasks.begin(), tasks.end(), [&](const ServiceTasks& s) { return s.name == service; });
    if (it == tasks.end()) {
      tasks.push_back({service, {}});
      it = tasks.end() - 1;
    }
    ProbeTask task;
    task.probe = fake;
    task.type = "tcp";
    task.target = "tcp://" + service + ":80";
    task.options.window = window;
    task.options.interval = interval;
    it->probes.push_back(task);
    return fake;
  }

  stackgate::gate::RunResult run(const std::atomic<bool>* cancel = nullptr) {
    Scheduler scheduler(clock, executor, reporter, options);
    return scheduler.run(levels, cancel);
  }
};

std::vector<Millis> ms(std::initializer_list<int> values) {
  std::vector<Millis> out;
  for (int v : values) out.push_back(Millis{v});
  return out;
}

}  // namespace

TEST_CASE("refusals are retried from 2 ms at a 4 ms cap", "[scheduler]") {
  Rig rig;
  auto db = rig.probe(0, "db", {refused(), refused(), refused(), refused(), refused(), refused(), pass()});
  auto result = rig.run();
  CHECK(result.status == RunStatus::released);
  CHECK(db->gaps() == ms({2, 4, 4, 4, 4, 4}));
}

TEST_CASE("a name that does not resolve is retried at a 100 ms cap", "[scheduler]") {
  Rig rig;
  std::vector<FakeStep> script(8, FakeStep{stackgate::probes::Outcome::unresolved("db: name not resolvable yet")});
  script.push_back(refused());
  script.push_back(pass());
  auto db = rig.probe(0, "db", script);
  auto result = rig.run();
  CHECK(result.status == RunStatus::released);
  // Once the container exists the name resolves and refusals drop to 4 ms.
  CHECK(db->gaps() == ms({2, 4, 8, 16, 32, 64, 100, 100, 4}));
}

TEST_CASE("protocol-level not_yet backs off to a 1 s cap", "[scheduler]") {
  Rig rig;
  std::vector<FakeStep> script(10, starting());
  script.push_back(pass());
  auto db = rig.probe(0, "db", script);
  rig.run();
  CHECK(db->gaps() == ms({2, 4, 8, 16, 32, 64, 128, 256, 512, 1000}));
}

TEST_CASE("a cheap failure after slow ones drops to the cheap cap", "[scheduler]") {
  Rig rig;
  auto db = rig.probe(0, "db", {starting(), starting(), starting(), starting(), starting(), refused(), refused(), pass()});
  rig.run();
  CHECK(db->gaps() == ms({2, 4, 8, 16, 32, 4, 4}));
}

TEST_CASE("jitter only shortens delays and by at most a quarter", "[scheduler]") {
  Rig rig;
  rig.options.jitter = 0.25;
  rig.options.seed = 42;
  std::vector<FakeStep> script(10, starting());
  script.push_back(pass());
  auto db = rig.probe(0, "db", script);
  rig.run();
  auto expected = ms({2, 4, 8, 16, 32, 64, 128, 256, 512, 1000});
  auto gaps = db->gaps();
  REQUIRE(gaps.size() == expected.size());
  bool any_jitter = false;
  for (size_t i = 0; i < gaps.size(); ++i) {
    CHECK(gaps[i] <= expected[i]);
    CHECK(gaps[i] >= expected[i] * 3 / 4 - 1ms);
    any_jitter = any_jitter || gaps[i] != expected[i];
  }
  CHECK(any_jitter);
}

TEST_CASE("a probe's interval sets the first retry delay", "[scheduler]") {
  Rig rig;
  auto db = rig.probe(0, "db", {refused(), refused(), refused(), pass()}, {1, 0ms}, 200ms);
  rig.run();
  CHECK(db->gaps() == ms({200, 200, 200}));  // the cheap cap never undercuts the interval
}

TEST_CASE("a probe is ready after N passes spanning stable_for", "[scheduler]") {
  Rig rig;
  auto db = rig.probe(0, "db", {refused(), pass()}, {2, 1000ms});
  auto result = rig.run();
  REQUIRE(result.status == RunStatus::released);
  // Pass at 10 ms opens the window; re-probe every min(stable_for/passes,
  // 100 ms) = 100 ms, and the window closes exactly 1 s after the first pass.
  CHECK(db->gaps() == ms({2, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}));
  CHECK(rig.clock.elapsed() == 1002ms);
  auto windows = rig.reporter.matching("window");
  REQUIRE(windows.size() == 10);
  CHECK(windows.front() == "window db#0 1/2");
  CHECK(windows.back() == "window db#0 10/2");
  CHECK(result.probes[0].state == ProbeState::ready);
  CHECK(result.probes[0].attempts == 12);
}

TEST_CASE("passes without stable_for re-probe at the 50 ms minimum", "[scheduler]") {
  Rig rig;
  auto db = rig.probe(0, "db", {pass()}, {3, 0ms});
  rig.run();
  CHECK(db->gaps() == ms({50, 50}));
}

TEST_CASE("a long window re-probes every 100 ms", "[scheduler]") {
  Rig rig;
  auto db = rig.probe(0, "db", {pass()}, {2, 10'000ms});
  rig.run();
  CHECK(db->calls.size() == 101);
  CHECK(rig.clock.elapsed() == 10'000ms);
}

TEST_CASE("a not_yet inside the window restarts it", "[scheduler]") {
  Rig rig;
  auto db = rig.probe(0, "db", {pass(), refused(), pass()}, {2, 1000ms});
  auto result = rig.run();
  REQUIRE(result.status == RunStatus::released);
  // pass@0, refused@100 (window reset), pass@110 (new window), then every
  // 100 ms until it closes at 1110.
  CHECK(db->gaps() == ms({100, 2, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}));
  CHECK(rig.clock.elapsed() == 1102ms);
  auto windows = rig.reporter.matching("window");
  REQUIRE(windows.size() == 11);
  CHECK(windows[0] == "window db#0 1/2");
  CHECK(windows[1] == "window db#0 1/2");
  CHECK(windows[2] == "window db#0 2/2");
}

TEST_CASE("a probe's recheck_within shortens both the backoff and the window cadence", "[scheduler]") {
  Rig rig;
  FakeStep forming = starting();
  forming.outcome.recheck_within = 50ms;
  FakeStep watched = pass();
  watched.outcome.recheck_within = 50ms;
  auto group = rig.probe(0, "group", {forming, forming, forming, forming, forming, watched}, {2, 200ms});
  auto result = rig.run();
  REQUIRE(result.status == RunStatus::released);
  // Backoff 2, 4, 8, 16, 32 (under 50); in the window 100 ms (200/2) cut to 50.
  CHECK(group->gaps() == ms({2, 4, 8, 16, 32, 50, 50, 50, 50}));
}

TEST_CASE("a fatal outcome fails the run at once with its reason", "[scheduler]") {
  Rig rig;
  rig.options.timeout = 300s;
  auto db = rig.probe(0, "db", {refused()});
  auto api = rig.probe(0, "api", {refused(), fatal("password authentication failed for user \"app\"")});
  auto web = rig.probe(1, "web", {pass()});
  auto result = rig.run();
  CHECK(result.status == RunStatus::failed);
  CHECK(result.reason == "api tcp://api:80: password authentication failed for user \"app\"");
  CHECK(rig.clock.elapsed() < 100ms);
  CHECK(web->calls.empty());
  CHECK(result.probes[1].state == ProbeState::failed);
}

TEST_CASE("without fail-fast a fatal probe fails only itself", "[scheduler]") {
  Rig rig;
  rig.options.fail_fast = false;
  rig.options.gate_levels = false;
  auto db = rig.probe(0, "db", {refused(), refused(), pass()});
  auto api = rig.probe(0, "api", {fatal("HTTP 404 from /health")});
  auto result = rig.run();
  CHECK(result.status == RunStatus::failed);
  CHECK(result.probes[0].state == ProbeState::ready);
  CHECK(result.probes[1].state == ProbeState::failed);
  CHECK(db->calls.size() == 3);
}

TEST_CASE("the deadline stops the run with each probe's last reason", "[scheduler]") {
  Rig rig;
  rig.options.timeout = 5s;
  rig.probe(0, "db", {refused()});
  rig.probe(0, "cache", {starting()});
  rig.probe(1, "api", {pass()});
  auto result = rig.run();
  CHECK(result.status == RunStatus::timed_out);
  CHECK(result.reason == "timed out after 5s");
  CHECK(rig.clock.elapsed() == 5000ms);
  REQUIRE(result.probes.size() == 3);
  CHECK(result.probes[0].state == ProbeState::timed_out);
  CHECK(result.probes[0].last_reason == "connection refused");
  CHECK(result.probes[1].last_reason == "the database system is starting up");
  CHECK(result.probes[2].state == ProbeState::waiting);
  CHECK(result.probes[2].attempts == 0);
}

TEST_CASE("attempts are bounded by their timeout and by the deadline", "[scheduler]") {
  Rig rig;
  rig.options.timeout = 5s;
  auto db = rig.probe(0, "db", {starting(3000ms)});
  auto result = rig.run();
  CHECK(result.status == RunStatus::timed_out);
  REQUIRE(db->timeouts.size() >= 3);
  CHECK(db->timeouts[0] == 2000ms);           // the default attempt timeout
  CHECK(db->timeouts[1] == 2000ms);
  CHECK(db->timeouts.back() < 1000ms);        // what was left of the 5 s
  CHECK(rig.clock.elapsed() == 5000ms);
}

TEST_CASE("an attempt cut short by the deadline does not hide the answer before it", "[scheduler]") {
  // Regression: a proxy answering 502 after 300 ms; the last attempt got
  // what was left of the deadline, timed out, and the report said "timed
  // out after 79ms" instead of the 502.
  Rig rig;
  rig.options.timeout = 1s;
  auto web = rig.probe(0, "web", {{stackgate::probes::Outcome::not_yet("HTTP 502 Bad Gateway"), 300ms}});
  auto result = rig.run();
  CHECK(result.status == RunStatus::timed_out);
  REQUIRE(web->timeouts.size() >= 2);
  CHECK(web->timeouts.back() < 300ms);  // the last attempt was clipped and ran out of time
  REQUIRE(result.probes.size() == 1);
  CHECK(result.probes[0].last_reason == "HTTP 502 Bad Gateway");
}

TEST_CASE("a clipped attempt that answers differently still gives its answer", "[scheduler]") {
  Rig rig;
  rig.options.timeout = 1s;
  rig.probe(0, "web", {{stackgate::probes::Outcome::not_yet("HTTP 502 Bad Gateway"), 300ms},
                       {stackgate::probes::Outcome::not_yet("HTTP 502 Bad Gateway"), 300ms},
                       {stackgate::probes::Outcome::not_yet("HTTP 502 Bad Gateway"), 300ms},
                       {stackgate::probes::Outcome::fatal("HTTP 401 Unauthorized"), 0ms}});
  auto result = rig.run();
  REQUIRE(result.probes.size() == 1);
  CHECK(result.probes[0].last_reason == "HTTP 401 Unauthorized");
}

TEST_CASE("a dependent level is not probed before its upstream level is released", "[scheduler]") {
  Rig rig;
  auto db = rig.probe(0, "db", {refused(), refused(), pass()}, {2, 100ms});
  auto cache = rig.probe(0, "cache", {pass()});
  auto api = rig.probe(1, "api", {pass()});
  auto result = rig.run();
  REQUIRE(result.status == RunStatus::released);
  REQUIRE(!api->calls.empty());
  int released = rig.reporter.index_of("level_released 0 db,cache");
  REQUIRE(released >= 0);
  CHECK(released < rig.reporter.index_of("attempt api#0"));
  CHECK(rig.reporter.index_of("service_ready cache") < rig.reporter.index_of("service_ready db"));
  CHECK(api->calls.front() >= db->calls.back());
  CHECK(rig.reporter.events.back() == "result released");
}

TEST_CASE("services without probes are ready when their level starts", "[scheduler]") {
  Rig rig;
  rig.levels = {LevelTasks{ServiceTasks{"migrate", {}}}};
  auto api = rig.probe(1, "api", {pass()});
  auto result = rig.run();
  CHECK(result.status == RunStatus::released);
  CHECK(rig.reporter.index_of("level_released 0 migrate") < rig.reporter.index_of("attempt api#0"));
  CHECK(rig.clock.elapsed() == 0ms);
}

TEST_CASE("no levels at all is released at once", "[scheduler]") {
  Rig rig;
  auto result = rig.run();
  CHECK(result.status == RunStatus::released);
  CHECK(rig.reporter.events == std::vector<std::string>{"run_started 0", "result released"});
}

TEST_CASE("cancellation stops the run on the next turn", "[scheduler]") {
  Rig rig;
  std::atomic<bool> cancel{false};
  rig.clock.on_sleep = [&](auto) {
    if (rig.clock.elapsed() >= 1s) cancel = true;
  };
  rig.probe(0, "db", {starting()});
  auto result = rig.run(&cancel);
  CHECK(result.status == RunStatus::cancelled);
  CHECK(result.probes[0].state == ProbeState::cancelled);
  CHECK(rig.clock.elapsed() < 2s);
}

TEST_CASE("one attempt per probe when attempts are limited", "[scheduler]") {
  Rig rig;
  rig.options.max_attempts = 1;
  rig.options.gate_levels = false;
  rig.options.fail_fast = false;
  auto db = rig.probe(0, "db", {pass()});
  auto api = rig.probe(1, "api", {refused()});
  auto result = rig.run();
  CHECK(result.status == RunStatus::not_ready);
  CHECK(db->calls.size() == 1);
  CHECK(api->calls.size() == 1);
  CHECK(result.probes[0].state == ProbeState::ready);
  CHECK(result.probes[1].state == ProbeState::not_ready);
  CHECK(result.probes[1].last_reason == "connection refused");
}

TEST_CASE("attempt starts are spread when many probes are due together", "[scheduler]") {
  Rig rig;
  rig.options.min_spacing = 2ms;
  std::vector<std::shared_ptr<FakeProbe>> fakes;
  for (int i = 0; i < 10; ++i) fakes.push_back(rig.probe(0, "s" + std::to_string(i), {pass()}));
  rig.run();
  for (size_t i = 0; i < fakes.size(); ++i) {
    REQUIRE(fakes[i]->calls.size() == 1);
    CHECK(rig.clock.since_start(fakes[i]->calls[0]) == Millis{2 * static_cast<int>(i)});
  }
}

TEST_CASE("at most max_in_flight attempts run at once", "[scheduler]") {
  // A manual executor that never finishes attempts shows how many were started.
  struct Hold final : stackgate::gate::Executor {
    void submit(std::function<void()> work) override { held.push_back(std::move(work)); }
    std::vector<std::function<void()>> held;
  } hold;
  Rig rig;
  rig.options.max_in_flight = 3;
  rig.options.timeout = 1s;
  for (int i = 0; i < 5; ++i) rig.probe(0, "s" + std::to_string(i), {pass()});
  Scheduler scheduler(rig.clock, hold, rig.reporter, rig.options);
  auto result = scheduler.run(rig.levels);
  CHECK(result.status == RunStatus::timed_out);
  CHECK(hold.held.size() == 3);
}

TEST_CASE("an attempt that overruns its timeout counts as not_yet and is not retried until it returns",
          "[scheduler]") {
  struct Hold final : stackgate::gate::Executor {
    void submit(std::function<void()> work) override { held.push_back(std::move(work)); }
    std::vector<std::function<void()>> held;
  } hold;
  Rig rig;
  rig.options.timeout = 10s;
  rig.probe(0, "db", {pass()});
  rig.levels[0][0].probes[0].options.timeout = 1000ms;
  Scheduler scheduler(rig.clock, hold, rig.reporter, rig.options);
  auto result = scheduler.run(rig.levels);
  CHECK(result.status == RunStatus::timed_out);
  CHECK(hold.held.size() == 1);
  CHECK(result.probes[0].attempts == 1);
  CHECK(result.probes[0].last_reason == "no answer within 1s");
}

TEST_CASE("with real threads the attempts of one level overlap", "[scheduler][threads]") {
  // A rendezvous: each probe's check() passes only once all four are inside
  // check() at the same time, which can only happen if the scheduler runs
  // them concurrently. Run one after another, the first would give up after
  // its bounded wait and answer not_yet until the deadline.
  struct Rendezvous {
    std::mutex mutex;
    std::condition_variable all_in;
    int inside = 0;
  };
  struct Meeting final : stackgate::probes::Probe {
    explicit Meeting(Rendezvous& r) : m_r(r) {}
    stackgate::probes::Outcome check(stackgate::probes::Millis) override {
      std::unique_lock lock(m_r.mutex);
      ++m_r.inside;
      m_r.all_in.notify_all();
      bool met = m_r.all_in.wait_for(lock, 2s, [this] { return m_r.inside >= 4; });
      if (!met) --m_r.inside;
      return met ? stackgate::probes::Outcome::ready() : stackgate::probes::Outcome::not_yet("alone");
    }
    Rendezvous& m_r;
  };
  Rendezvous rendezvous;
  stackgate::gate::SteadyClock clock;
  stackgate::gate::ThreadExecutor executor;
  FakeReporter reporter;
  LevelTasks level;
  for (int i = 0; i < 4; ++i) {
    ProbeTask task;
    task.probe = std::make_shared<Meeting>(rendezvous);
    task.target = "tcp://s" + std::to_string(i) + ":1";
    task.options.window = {1, 0ms};
    task.options.timeout = 3s;
    level.push_back({"s" + std::to_string(i), {task}});
  }
  SchedulerOptions options;
  options.timeout = 5s;
  Scheduler scheduler(clock, executor, reporter, options);
  auto result = scheduler.run({level});
  CHECK(result.status == RunStatus::released);
  for (const auto& probe : result.probes) CHECK(probe.attempts == 1);
}

namespace {

// An executor that holds every attempt; the test decides when (if ever) it
// returns, as a probe stuck on a slow-drip server would.
struct HoldExecutor final : stackgate::gate::Executor {
  void submit(std::function<void()> work) override { held.push_back(std::move(work)); }
  std::vector<std::function<void()>> held;
};

}  // namespace

TEST_CASE("with one attempt allowed, an attempt that never returns ends the run when it is written off",
          "[scheduler][stuck]") {
  // smoke and check: one attempt, no deadline. The abandoned attempt is the
  // last thing to wait for, so the run must end right after writing it off
  // instead of sleeping until something wakes it (nothing ever would).
  HoldExecutor hold;
  Rig rig;
  rig.options.max_attempts = 1;
  rig.options.gate_levels = false;
  rig.options.fail_fast = false;
  rig.probe(0, "web", {pass()});
  rig.levels[0][0].probes[0].options.timeout = 1000ms;
  Scheduler scheduler(rig.clock, hold, rig.reporter, rig.options);
  auto result = scheduler.run(rig.levels);
  CHECK(result.status == RunStatus::not_ready);
  CHECK(result.probes[0].last_reason == "no answer within 1s");
  CHECK(rig.clock.elapsed() == 1250ms);  // timeout + stuck grace, not an hour of sleep
}

namespace {

// Ready, except during one outage [from, to) on the fake clock.
struct OutageProbe final : stackgate::probes::Probe {
  OutageProbe(FakeClock& clock, Millis from, Millis to) : m_clock(clock), m_from(from), m_to(to) {}
  stackgate::probes::Outcome check(stackgate::probes::Millis) override {
    Millis now = m_clock.elapsed();
    if (now >= m_from && now < m_to) return stackgate::probes::Outcome::not_yet("connection refused", true);
    return stackgate::probes::Outcome::ready();
  }
  FakeClock& m_clock;
  Millis m_from, m_to;
};

// Runs one probe with the default window (passes=2, stable_for=1s) and an
// outage of `length` starting `start` into the run; true when the run saw it.
bool outage_seen(Millis start, Millis length) {
  Rig rig;
  rig.options.timeout = 10s;
  rig.levels = {LevelTasks{ServiceTasks{"db", {}}}};
  ProbeTask task;
  task.probe = std::make_shared<OutageProbe>(rig.clock, start, start + length);
  task.target = "tcp://db:5432";
  rig.levels[0][0].probes.push_back(task);
  auto result = rig.run();
  REQUIRE(result.status == RunStatus::released);
  return !rig.reporter.matching("finished db#0 not_yet").empty();
}

}  // namespace

TEST_CASE("the default window sees a 300 ms outage wherever it falls", "[scheduler][window]") {
  for (int start = 1; start < 1000; start += 7) {
    INFO("outage from " << start << " ms");
    CHECK(outage_seen(Millis{start}, 300ms));
  }
}

TEST_CASE("during a window the probe is re-run at least every 100 ms", "[scheduler][window]") {
  // The README's guarantee: an outage of 100 ms (plus one attempt, here
  // instant) is always seen.
  for (int start = 1; start < 1000; start += 3) {
    INFO("outage from " << start << " ms");
    CHECK(outage_seen(Millis{start}, 100ms));
  }
  Rig rig;
  auto db = rig.probe(0, "db", {pass()}, {2, 10'000ms});
  rig.run();
  for (Millis gap : db->gaps()) CHECK(gap <= 100ms);
}

TEST_CASE("an answer slower than max_latency is not ready, with the latency in the reason", "[scheduler][max_latency]") {
  Rig rig;
  rig.options.timeout = 30s;
  auto db = rig.probe(0, "db", {pass(5300ms), pass(5300ms), pass(4000ms)});
  rig.levels[0][0].probes[0].options.timeout = 10s;
  rig.levels[0][0].probes[0].options.max_latency = 5s;
  auto result = rig.run();
  CHECK(result.status == RunStatus::released);
  CHECK(db->calls.size() == 3);  // the two slow answers were not counted
  CHECK(rig.reporter.matching("finished db#0 not_yet").size() == 2);
}

TEST_CASE("an answer exactly at max_latency is ready", "[scheduler][max_latency]") {
  Rig rig;
  auto db = rig.probe(0, "db", {pass(5000ms)});
  rig.levels[0][0].probes[0].options.timeout = 10s;
  rig.levels[0][0].probes[0].options.max_latency = 5s;
  CHECK(rig.run().status == RunStatus::released);
  CHECK(db->calls.size() == 1);
}

TEST_CASE("a run that only gets slow answers times out naming the latency", "[scheduler][max_latency]") {
  Rig rig;
  rig.options.timeout = 20s;
  rig.probe(0, "db", {pass(1250ms)});
  rig.levels[0][0].probes[0].options.max_latency = 1s;
  auto result = rig.run();
  CHECK(result.status == RunStatus::timed_out);
  CHECK(result.probes[0].last_reason == "answered in 1.25s, slower than max_latency=1s");
}

TEST_CASE("max_latency leaves not_yet and fatal answers their own reason", "[max_latency]") {
  using stackgate::gate::judge_latency;
  using stackgate::probes::Outcome;
  using stackgate::probes::Verdict;
  CHECK(judge_latency(Outcome::ready(), 900ms, 1s).verdict == Verdict::ready);
  CHECK(judge_latency(Outcome::ready(), 1001ms, std::nullopt).verdict == Verdict::ready);
  CHECK(judge_latency(Outcome::not_yet("HTTP 503"), 9s, 1s).reason == "HTTP 503");
  CHECK(judge_latency(Outcome::fatal("HTTP 404"), 9s, 1s).verdict == Verdict::fatal);
  Outcome slow = judge_latency(Outcome::ready(), 62'500ms, 1s);
  CHECK(slow.verdict == Verdict::not_yet);
  CHECK(slow.reason == "answered in 1m2.5s, slower than max_latency=1s");
}

namespace {

// A probe whose check() blocks until the test opens the gate (or 5 s pass):
// an attempt stuck on a server that never answers, on a real thread.
struct Gate {
  std::mutex mutex;
  std::condition_variable opened_cv;
  bool opened = false;
  int entered = 0;
  int left = 0;
  void open() {
    {
      std::lock_guard lock(mutex);
      opened = true;
    }
    opened_cv.notify_all();
  }
  // Bounded: true once `n` calls have returned from check().
  bool wait_left(int n) {
    std::unique_lock lock(mutex);
    return opened_cv.wait_for(lock, 5s, [&] { return left >= n; });
  }
};

struct BlockingProbe final : stackgate::probes::Probe {
  explicit BlockingProbe(std::shared_ptr<Gate> gate) : m_gate(std::move(gate)) {}
  stackgate::probes::Outcome check(stackgate::probes::Millis) override {
    std::unique_lock lock(m_gate->mutex);
    ++m_gate->entered;
    m_gate->opened_cv.notify_all();
    m_gate->opened_cv.wait_for(lock, 5s, [this] { return m_gate->opened; });
    ++m_gate->left;
    m_gate->opened_cv.notify_all();
    return stackgate::probes::Outcome::ready();
  }
  std::shared_ptr<Gate> m_gate;  // shared: the attempt outlives the test's scope
};

}  // namespace

TEST_CASE("with real threads an attempt that returns after the run ended posts into a live inbox",
          "[scheduler][threads]") {
  // The run writes the attempt off and returns; the attempt's thread then
  // finishes and posts its outcome. Under ThreadSanitizer (./run test's TSan
  // stage) this checks the hand-over between the two threads.
  auto gate = std::make_shared<Gate>();
  stackgate::gate::SteadyClock clock;
  stackgate::gate::ThreadExecutor executor;
  FakeReporter reporter;
  ProbeTask task;
  task.probe = std::make_shared<BlockingProbe>(gate);
  task.target = "tcp://stuck:1";
  task.options.window = {1, 0ms};
  task.options.timeout = 20ms;
  SchedulerOptions options;
  options.max_attempts = 1;
  options.gate_levels = false;
  options.stuck_grace = 10ms;
  {
    Scheduler scheduler(clock, executor, reporter, options);
    auto result = scheduler.run({LevelTasks{ServiceTasks{"stuck", {task}}}});
    CHECK(result.status == RunStatus::not_ready);
    REQUIRE(result.probes.size() == 1);
    CHECK(result.probes[0].last_reason == "no answer within 20ms");
  }
  gate->open();
  CHECK(gate->wait_left(1));
}

TEST_CASE("with real threads a cancel set by another thread stops the run", "[scheduler][threads]") {
  // What the signal handler thread does: set the flag, wake the clock, while
  // attempts run on their own threads.
  auto gate = std::make_shared<Gate>();
  stackgate::gate::SteadyClock clock;
  stackgate::gate::ThreadExecutor executor;
  FakeReporter reporter;
  LevelTasks level;
  for (int i = 0; i < 3; ++i) {
    ProbeTask task;
    task.probe = std::make_shared<BlockingProbe>(gate);
    task.target = "tcp://s" + std::to_string(i) + ":1";
    task.options.timeout = 10s;
    level.push_back({"s" + std::to_string(i), {task}});
  }
  SchedulerOptions options;
  options.timeout = 20s;
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    // Cancel once every attempt is inside check() (bounded: 5 s).
    {
      std::unique_lock lock(gate->mutex);
      gate->opened_cv.wait_for(lock, 5s, [&] { return gate->entered >= 3; });
    }
    cancel.store(true);
    clock.wake();
  });
  Scheduler scheduler(clock, executor, reporter, options);
  auto result = scheduler.run({level}, &cancel);
  canceller.join();
  CHECK(result.status == RunStatus::cancelled);
  CHECK(result.elapsed < 5s);
  gate->open();
  CHECK(gate->wait_left(3));
}
