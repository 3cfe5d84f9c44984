// The scheduler's loop.
//
// All decisions happen on run()'s thread, in one loop:
//   1. take the outcomes of finished attempts (posted by the executor's
//      threads into a shared inbox) and apply them: window bookkeeping,
//      backoff, fatal;
//   2. stop if cancelled, if a fatal outcome arrived (fail-fast), if the
//      deadline passed, or when the last level is released;
//   3. release the current level when every service in it is ready, and
//      start the next one (a dependent is never probed before that);
//   4. start the attempts that are due, at most max_in_flight at once and one
//      start every min_spacing, earliest due first;
//   5. sleep until the next due time, the next stuck-attempt check, the
//      deadline or a reporter tick; a finished attempt or a signal wakes the
//      clock early.
// With InlineExecutor and a FakeClock the whole run is deterministic: an
// attempt runs inside submit() and its outcome is applied on the next turn.
#include "gate/scheduler.h"

#include <algorithm>
#include <mutex>
#include <random>


#include "gate/backoff.h"
#include "gate/latency.h"
#include "gate/log.h"
#include "util/duration.h"
#include "util/redact.h"
#include "util/sanitize.h"

namespace stackgate::gate {
namespace {

using time_point = Clock::time_point;

// Where finished attempts land. Shared with the attempt closures so a stuck
// attempt that returns after the run is over writes into a live object.
struct Inbox {
  struct Item {
    size_t slot;
    std::uint64_t attempt_id;
    probes::Outcome outcome;
  };
  std::mutex mutex;
  std::vector<Item> items;
  Clock* clock = nullptr;  // nulled when the run ends

  void post(Item item) {
    std::lock_guard lock(mutex);
    items.push_back(std::move(item));
    if (clock) clock->wake();
  }
  std::vector<Item> take() {
    std::lock_guard lock(mutex);
    return std::exchange(items, {});
  }
  bool empty() {
    std::lock_guard lock(mutex);
    return items.empty();
  }
  void detach() {
    std::lock_guard lock(mutex);
    clock = nullptr;
  }
};

struct Slot {
  const ProbeTask* task = nullptr;  // null for a service without probes
  ProbeStatus status;
  size_t level = 0;
  Backoff backoff{Millis{2}, Millis{4}, Millis{100}, Millis{1000}};
  time_point level_start{};
  time_point next_due{};
  time_point attempt_started{};
  time_point window_start{};
  Millis attempt_timeout{0};
  std::uint64_t attempt_id = 0;
  bool in_flight = false;
  bool stuck = false;  // in_flight attempt abandoned, still running
  bool clipped = false;  // the attempt's timeout was cut to what was left of the deadline
  bool done = false;
};

class Run {
 public:
  Run(Clock& clock, Executor& executor, Reporter& reporter, const SchedulerOptions& options)
      : m_clock(clock), m_executor(executor), m_reporter(reporter), m_options(options), m_rng(options.seed) {
    m_inbox->clock = &clock;
  }
  ~Run() { m_inbox->detach(); }

  RunResult execute(const std::vector<LevelTasks>& levels, const std::atomic<bool>* cancel);

 private:
  void build(const std::vector<LevelTasks>& levels);
  void start_level(size_t level);
  bool level_ready(size_t level) const;
  bool service_ready(size_t level, const std::string& service) const;
  void receive(const Inbox::Item& item);
  void apply(Slot& slot, const probes::Outcome& outcome);
  bool check_stuck(time_point now);
  void launch_due();
  void launch(Slot& slot, time_point now);
  time_point next_wake(time_point now) const;
  RunResult finish(RunStatus status, std::string reason);
  bool active(const Slot& slot) const {
    return !slot.done && slot.status.state != ProbeState::waiting;
  }
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(m_rng); }

  Clock& m_clock;
  Executor& m_executor;
  Reporter& m_reporter;
  const SchedulerOptions& m_options;
  std::mt19937_64 m_rng;
  std::shared_ptr<Inbox> m_inbox = std::make_shared<Inbox>();

  std::vector<Slot> m_slots;
  std::vector<std::vector<std::string>> m_level_services;  // per level, in input order
  size_t m_current = 0;                                    // first level not released
  std::vector<std::string> m_reported_ready;               // services already announced
  time_point m_start{};
  time_point m_next_start{};  // rate limit: earliest next attempt start
  int m_in_flight = 0;
  std::optional<std::string> m_fatal;
  std::optional<time_point> m_deadline;
};

void Run::build(const std::vector<LevelTasks>& levels) {
  for (size_t l = 0; l < levels.size(); ++l) {
    std::vector<std::string> names;
    for (const ServiceTasks& service : levels[l]) {
      names.push_back(service.name);
      auto add = [&](const ProbeTask* task, int index) {
        Slot slot;
        slot.task = task;
        slot.level = l;
        slot.status.service = service.name;
        slot.status.level = static_cast<int>(l);
        slot.status.index = index;
        if (task) {
          slot.status.type = task->type;
          slot.status.target = util::sanitize(task->target);
          slot.status.passes_needed = std::max(1, task->options.window.passes);
          slot.status.stable_for = task->options.window.stable_for;
          Millis first = task->options.interval.value_or(m_options.first_delay);
          slot.backoff = Backoff(first, m_options.refused_cap, m_options.lookup_cap, m_options.slow_cap);
        }
        m_slots.push_back(std::move(slot));
      };
      if (service.probes.empty()) add(nullptr, 0);
      for (size_t i = 0; i < service.probes.size(); ++i) add(&service.probes[i], static_cast<int>(i));
    }
    m_level_services.push_back(std::move(names));
  }
}

void Run::start_level(size_t level) {
  time_point now = m_clock.now();
  m_reporter.level_started(static_cast<int>(level), m_level_services[level]);
  for (Slot& slot : m_slots) {
    if (slot.level != level) continue;
    slot.level_start = now;
    slot.next_due = now;
    if (!slot.task) {
      slot.status.state = ProbeState::ready;
      slot.done = true;
    } else {
      slot.status.state = ProbeState::probing;
    }
  }
}

bool Run::service_ready(size_t level, const std::string& service) const {
  for (const Slot& slot : m_slots) {
    if (slot.level == level && slot.status.service == service && slot.status.state != ProbeState::ready) return false;
  }
  return true;
}

bool Run::level_ready(size_t level) const {
  for (const std::string& service : m_level_services[level]) {
    if (!service_ready(level, service)) return false;
  }
  return true;
}

void Run::receive(const Inbox::Item& item) {
  Slot& slot = m_slots[item.slot];
  --m_in_flight;
  if (slot.stuck) {
    // The late answer of an attempt already counted as a not_yet.
    slot.stuck = false;
    return;
  }
  slot.in_flight = false;
  if (!slot.done) apply(slot, item.outcome);
}

void Run::apply(Slot& slot, const probes::Outcome& answer) {
  time_point now = m_clock.now();
  auto took = std::chrono::duration_cast<Millis>(now - slot.attempt_started);
  const probes::Outcome outcome = judge_latency(answer, took, slot.task ? slot.task->options.max_latency : std::nullopt);
  ProbeStatus& st = slot.status;
  st.elapsed = std::chrono::duration_cast<Millis>(now - slot.level_start);
  st.last_verdict = outcome.verdict;
  // Reasons may quote a server's bytes: stored (and so printed and written
  // to JSON) only sanitised. An attempt cut short by the deadline that only
  // ran out of time says less than the answer before it ("HTTP 502"), so
  // that answer stays the reason the report gives.
  std::string reason = util::sanitize(util::redact_text(outcome.reason));
  bool cut_short = slot.clipped && outcome.verdict == probes::Verdict::not_yet && st.attempts > 1;
  if (!cut_short || st.last_reason.empty()) st.last_reason = reason;
  if (log::debug_enabled()) {
    log::debug(st.service + " " + st.target + " attempt " + std::to_string(st.attempts) + ": " +
               std::string(probes::to_string(outcome.verdict)) + " in " + util::format_duration(took) + ": " + reason);
  }

  bool window_pass = false;
  switch (outcome.verdict) {
    case probes::Verdict::ready: {
      if (st.passes == 0) slot.window_start = now;
      ++st.passes;
      st.window_span = std::chrono::duration_cast<Millis>(now - slot.window_start);
      slot.backoff.reset();
      if (st.passes >= st.passes_needed && st.window_span >= st.stable_for) {
        st.state = ProbeState::ready;
        slot.done = true;
      } else {
        st.state = ProbeState::stabilizing;
        window_pass = true;
        Millis every = std::clamp(
            std::chrono::duration_cast<Millis>(st.stable_for / std::max(1, st.passes_needed)), m_options.window_min,
            m_options.window_max);
        time_point next = now + every;
        time_point closes = slot.window_start + st.stable_for;
        if (st.passes + 1 >= st.passes_needed && closes > now) next = std::min(next, closes);
        if (outcome.recheck_within > Millis{0}) next = std::min(next, now + outcome.recheck_within);
        slot.next_due = next;
      }
      break;
    }
    case probes::Verdict::not_yet: {
      st.passes = 0;
      st.window_span = Millis{0};
      st.state = ProbeState::probing;
      RetryKind kind = outcome.lookup  ? RetryKind::lookup
                       : outcome.cheap ? RetryKind::refused
                                       : RetryKind::answered;
      Millis delay = jittered(slot.backoff.next(kind), m_options.jitter, uniform());
      if (outcome.recheck_within > Millis{0}) delay = std::min(delay, outcome.recheck_within);
      slot.next_due = now + delay;
      break;
    }
    case probes::Verdict::fatal:
      st.state = ProbeState::failed;
      slot.done = true;
      if (!m_fatal) m_fatal = st.service + " " + st.target + ": " + st.last_reason;
      break;
  }
  if (!slot.done && m_options.max_attempts && st.attempts >= *m_options.max_attempts) {
    st.state = ProbeState::not_ready;
    slot.done = true;
  }
  probes::Outcome shown = outcome;
  shown.reason = reason;
  m_reporter.attempt_finished(st, shown, took);
  if (window_pass) m_reporter.window_progress(st);
}

// True when an attempt was written off: the loop must re-evaluate (it may
// have been the last thing to wait for) before it sleeps.
bool Run::check_stuck(time_point now) {
  bool any = false;
  for (Slot& slot : m_slots) {
    if (!slot.in_flight || now < slot.attempt_started + slot.attempt_timeout + m_options.stuck_grace) continue;
    // Count it as a slow not_yet. Its thread keeps its in-flight place and
    // the probe is not called again until that thread returns.
    slot.in_flight = false;
    slot.stuck = true;
    any = true;
    if (!slot.done) {
      apply(slot, probes::Outcome::not_yet("no answer within " + util::format_duration(slot.attempt_timeout)));
    }
  }
  return any;
}

void Run::launch(Slot& slot, time_point now) {
  Millis timeout = slot.task->options.timeout;
  if (m_deadline) {
    auto left = std::chrono::duration_cast<Millis>(*m_deadline - now);
    timeout = std::max(Millis{1}, std::min(timeout, left));
  }
  ++slot.status.attempts;
  ++slot.attempt_id;
  slot.in_flight = true;
  slot.attempt_started = now;
  slot.attempt_timeout = timeout;
  slot.clipped = timeout < slot.task->options.timeout;
  ++m_in_flight;
  m_reporter.attempt_started(slot.status);
  Inbox::Item item{static_cast<size_t>(&slot - m_slots.data()), slot.attempt_id, {}};
  m_executor.submit([probe = slot.task->probe, inbox = m_inbox, item = std::move(item), timeout]() mutable {
    item.outcome = probe->check(timeout);
    inbox->post(std::move(item));
  });
}

void Run::launch_due() {
  std::vector<Slot*> due;
  time_point now = m_clock.now();
  for (Slot& slot : m_slots) {
    if (active(slot) && slot.task && !slot.in_flight && !slot.stuck && slot.next_due <= now) due.push_back(&slot);
  }
  std::stable_sort(due.begin(), due.end(), [](const Slot* a, const Slot* b) { return a->next_due < b->next_due; });
  for (Slot* slot : due) {
    now = m_clock.now();
    if (m_in_flight >= m_options.max_in_flight || now < m_next_start) break;
    if (m_deadline && now >= *m_deadline) break;
    launch(*slot, now);
    m_next_start = now + m_options.min_spacing;
  }
}

Clock::time_point Run::next_wake(time_point now) const {
  time_point wake = time_point::max();
  for (const Slot& slot : m_slots) {
    if (!active(slot) || !slot.task) continue;
    if (slot.in_flight && !slot.stuck) {
      wake = std::min(wake, slot.attempt_started + slot.attempt_timeout + m_options.stuck_grace);
    } else if (!slot.in_flight && !slot.stuck && m_in_flight < m_options.max_in_flight) {
      // (At the in-flight cap a finishing attempt wakes the clock instead.)
      wake = std::min(wake, std::max(slot.next_due, m_next_start));
    }
  }
  if (m_deadline) wake = std::min(wake, *m_deadline);
  if (auto tick = m_reporter.tick_interval()) wake = std::min(wake, now + *tick);
  return std::min(wake, now + std::chrono::hours(1));
}

RunResult Run::finish(RunStatus status, std::string reason) {
  RunResult result;
  result.status = status;
  result.reason = std::move(reason);
  time_point now = m_clock.now();
  result.elapsed = std::chrono::duration_cast<Millis>(now - m_start);
  result.levels_released = static_cast<int>(m_current);
  for (Slot& slot : m_slots) {
    ProbeState& state = slot.status.state;
    if (state == ProbeState::probing || state == ProbeState::stabilizing) {
      if (status == RunStatus::timed_out) state = ProbeState::timed_out;
      if (status == RunStatus::cancelled || status == RunStatus::failed) state = ProbeState::cancelled;
      slot.status.elapsed = std::chrono::duration_cast<Millis>(now - slot.level_start);
    }
    result.probes.push_back(slot.status);
  }
  m_reporter.finished(result);
  return result;
}

RunResult Run::execute(const std::vector<LevelTasks>& levels, const std::atomic<bool>* cancel) {
  m_start = m_clock.now();
  m_next_start = m_start;
  if (m_options.timeout) m_deadline = m_start + *m_options.timeout;
  build(levels);
  {
    std::vector<ProbeStatus> rows;
    for (const Slot& slot : m_slots) rows.push_back(slot.status);
    m_reporter.run_started(rows);
  }
  if (m_options.gate_levels) {
    if (!m_level_services.empty()) start_level(0);
  } else {
    for (size_t l = 0; l < m_level_services.size(); ++l) start_level(l);
  }

  for (;;) {
    for (const Inbox::Item& item : m_inbox->take()) receive(item);

    if (cancel && cancel->load()) return finish(RunStatus::cancelled, "interrupted");
    if (m_fatal && m_options.fail_fast) return finish(RunStatus::failed, *m_fatal);

    time_point now = m_clock.now();
    // Announce services as they become ready; release levels in order.
    for (size_t l = 0; l < m_level_services.size(); ++l) {
      for (const std::string& service : m_level_services[l]) {
        bool started = std::any_of(m_slots.begin(), m_slots.end(), [&](const Slot& s) {
          return s.level == l && s.status.service == service && s.status.state != ProbeState::waiting;
        });
        if (!started || !service_ready(l, service)) continue;
        if (std::find(m_reported_ready.begin(), m_reported_ready.end(), service) != m_reported_ready.end()) continue;
        m_reported_ready.push_back(service);
        Millis since = std::chrono::duration_cast<Millis>(now - m_start);
        m_reporter.service_ready(service, static_cast<int>(l), since);
      }
    }
    while (m_current < m_level_services.size() && level_ready(m_current)) {
      Millis since = std::chrono::duration_cast<Millis>(now - m_start);
      m_reporter.level_released(static_cast<int>(m_current), m_level_services[m_current], since);
      ++m_current;
      if (m_options.gate_levels && m_current < m_level_services.size()) start_level(m_current);
    }
    if (m_current == m_level_services.size()) return finish(RunStatus::released, "");
    // Every started probe has finished without releasing: nothing left to wait for.
    bool stalled = std::all_of(m_slots.begin(), m_slots.end(),
                               [](const Slot& s) { return s.done || s.status.state == ProbeState::waiting; });
    if (stalled) {
      if (m_fatal) return finish(RunStatus::failed, *m_fatal);
      return finish(RunStatus::not_ready, "not every probe passed");
    }
    if (m_deadline && now >= *m_deadline) {
      return finish(RunStatus::timed_out, "timed out after " + util::format_duration(*m_options.timeout));
    }

    if (check_stuck(now)) continue;
    launch_due();
    m_reporter.tick();
    if (!m_inbox->empty()) continue;
    now = m_clock.now();
    time_point wake = next_wake(now);
    if (wake > now) m_clock.sleep_until(wake);
  }
}

}  // namespace

Scheduler::Scheduler(Clock& clock, Executor& executor, Reporter& reporter, SchedulerOptions options)
    : m_clock(clock), m_executor(executor), m_reporter(reporter), m_options(options) {}

RunResult Scheduler::run(const std::vector<LevelTasks>& levels, const std::atomic<bool>* cancel) {
  Run run(m_clock, m_executor, m_reporter, m_options);
  return run.execute(levels, cancel);
}

}  // namespace stackgate::gate
