#include "gate/serve.h"

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <ostream>
#include <system_error>
#include <thread>

#include <nlohmann/json.hpp>

#include "gate/clock.h"
#include "gate/http_server.h"
#include "gate/latency.h"
#include "gate/metrics.h"
#include "probes/sanitize.h"

namespace stackgate::gate {

using SteadyTime = std::chrono::steady_clock;
using WallTime = std::chrono::system_clock;

// A late attempt may still be inside the probe when its loop gives up on it.
constexpr Millis k_overrun_grace{250};

// One attempt's result, shared between the loop and the attempt's thread.
struct Attempt {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  probes::Outcome outcome;
};

struct HealthMonitor::Loop {
  ServeTarget target;
  HealthEventSink on_event;
  mutable std::mutex mutex;  // guards health and stopped
  std::condition_variable wake;
  TargetHealth health;
  bool ever_healthy = false;  // since serve started
  bool stopped = false;
  std::shared_ptr<Attempt> late;  // an attempt that overran; only the loop thread touches it

  Loop(ServeTarget t, HealthThresholds thresholds, HealthEventSink sink)
      : target(std::move(t)), on_event(std::move(sink)), health(thresholds) {}

  void record(bool passed, std::string reason, std::chrono::duration<double> latency) {
    HealthEvent event{target.service, target.task.target, probes::sanitize(reason), Health::unknown, Health::unknown,
                      passed};
    {
      std::lock_guard lock(mutex);
      event.previous = health.state();
      event.was_healthy = ever_healthy;
      health.record(passed, event.reason, latency, WallTime::now());
      event.state = health.state();
      ever_healthy = ever_healthy || event.state == Health::healthy;
    }
    if (passed) {
      event.reason.clear();
    } else if (event.reason.empty()) {
      event.reason = "failed";
    }
    // Outside the lock: the sink may log and start actions.
    if (on_event && (event.changed() || (!passed && event.state == Health::unhealthy))) on_event(event);
  }

  // Starts the attempt on its own thread and waits for it (bounded).
  void attempt() {
    if (late) {
      bool still_running = false;
      {
        std::lock_guard lock(late->mutex);
        still_running = !late->done;
      }
      if (still_running) {
        record(false,
               "the previous attempt is still running, past its " + std::to_string(target.task.options.timeout.count()) +
                   " ms timeout",
               std::chrono::duration<double>(0));
        return;
      }
    }
    late.reset();
    auto attempt = std::make_shared<Attempt>();
    std::shared_ptr<probes::Probe> probe = target.task.probe;
    Millis timeout = target.task.options.timeout;
    auto started = SteadyTime::now();
    try {
      std::thread([attempt, probe, timeout] {
        probes::Outcome outcome = probe->check(timeout);
        std::lock_guard lock(attempt->mutex);
        attempt->outcome = std::move(outcome);
        attempt->done = true;
        attempt->done_cv.notify_all();
      }).detach();
    } catch (const std::system_error&) {
      record(false, "cannot start a thread for the attempt", std::chrono::duration<double>(0));
      return;
    }
    std::unique_lock lock(attempt->mutex);
    bool finished = attempt->done_cv.wait_until(lock, started + timeout + k_overrun_grace, [&] { return attempt->done; });
    std::chrono::duration<double> latency = SteadyTime::now() - started;
    if (!finished) {
      lock.unlock();
      late = attempt;
      record(false, "no answer within the " + std::to_string(timeout.count()) + " ms timeout", latency);
      return;
    }
    probes::Outcome outcome = judge_latency(attempt->outcome, std::chrono::duration_cast<Millis>(latency),
                                            target.task.options.max_latency);
    lock.unlock();
    bool passed = outcome.verdict == probes::Verdict::ready;
    std::string reason = outcome.verdict == probes::Verdict::fatal ? "fatal: " + outcome.reason : outcome.reason;
    record(passed, reason, latency);
  }

  void run() {
    for (;;) {
      auto started = SteadyTime::now();
      {
        std::lock_guard lock(mutex);
        if (stopped) return;
      }
      attempt();
      std::unique_lock lock(mutex);
      if (wake.wait_until(lock, started + target.interval, [&] { return stopped; })) return;
    }
  }
};

HealthMonitor::HealthMonitor(std::vector<ServeTarget> targets, HealthThresholds thresholds, HealthEventSink on_event) {
  for (ServeTarget& t : targets) m_loops.push_back(std::make_shared<Loop>(std::move(t), thresholds, on_event));
}

HealthMonitor::~HealthMonitor() { stop(); }

void HealthMonitor::start() {
  for (const std::shared_ptr<Loop>& loop : m_loops) {
    // Detached: a loop inside a stuck probe must not hold shutdown; it owns
    // its state through the shared_ptr.
    std::thread([loop] { loop->run(); }).detach();
  }
}

void HealthMonitor::stop() {
  for (const std::shared_ptr<Loop>& loop : m_loops) {
    std::lock_guard lock(loop->mutex);
    loop->stopped = true;
    loop->wake.notify_all();
  }
}

std::vector<TargetSnapshot> HealthMonitor::snapshot() const {
  std::vector<TargetSnapshot> out;
  out.reserve(m_loops.size());
  for (const std::shared_ptr<Loop>& loop : m_loops) {
    std::lock_guard lock(loop->mutex);
    out.push_back({loop->target.service, loop->target.task.type, loop->target.task.target, loop->health});
  }
  return out;
}

std::string rfc3339(WallTime::time_point t) {
  std::time_t seconds = WallTime::to_time_t(t);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  if (millis < 0) millis += 1000;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03lldZ", static_cast<long long>(millis));
  return std::string(buf) + frac;
}

std::string status_json(const std::vector<TargetSnapshot>& targets) {
  nlohmann::json list = nlohmann::json::array();
  for (const TargetSnapshot& t : targets) {
    const TargetHealth& h = t.health;
    nlohmann::json item = {
        {"service", t.service},
        {"type", t.type},
        {"target", t.target},
        {"state", std::string(to_string(h.state()))},
        {"consecutive_successes", h.consecutive_successes()},
        {"consecutive_failures", h.consecutive_failures()},
        {"last_reason", h.last_reason()},
        {"last_latency_seconds", h.attempted() ? nlohmann::json(h.last_latency().count()) : nlohmann::json()},
        {"last_transition", h.last_transition() ? nlohmann::json(rfc3339(*h.last_transition())) : nlohmann::json()},
    };
    list.push_back(std::move(item));
  }
  bool ready = std::all_of(targets.begin(), targets.end(),
                           [](const TargetSnapshot& t) { return t.health.state() == Health::healthy; });
  return nlohmann::json{{"ready", ready}, {"targets", list}}.dump(2) + "\n";
}

namespace {

HttpResponse readyz(const HttpRequest& request, const std::vector<TargetSnapshot>& targets, const Closures& closures) {
  std::string service = query_value(request.query, "service");
  const std::vector<std::string>* selected = nullptr;
  if (!service.empty()) {
    auto it = closures.find(service);
    if (it == closures.end()) return {404, "text/plain; charset=utf-8", "unknown service '" + probes::sanitize(service) + "'\n"};
    selected = &it->second;
  }
  std::string body;
  int checked = 0;
  for (const TargetSnapshot& t : targets) {
    if (selected && std::find(selected->begin(), selected->end(), t.service) == selected->end()) continue;
    ++checked;
    if (t.health.state() == Health::healthy) continue;
    body += t.service + " " + t.target + ": " + std::string(to_string(t.health.state()));
    if (!t.health.last_reason().empty()) body += ": " + t.health.last_reason();
    body += "\n";
  }
  if (!body.empty()) return {503, "text/plain; charset=utf-8", body};
  return {200, "text/plain; charset=utf-8", "ready: " + std::to_string(checked) + " targets healthy\n"};
}

}  // namespace

HttpResponse serve_request(const HttpRequest& request, const std::vector<TargetSnapshot>& targets,
                           const Closures& closures) {
  if (request.path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (request.path == "/readyz") return readyz(request, targets, closures);
  if (request.path == "/status") return {200, "application/json", status_json(targets)};
  if (request.path == "/metrics") return {200, k_metrics_content_type, metrics_text(targets)};
  return {404, "text/plain; charset=utf-8", "not found: try /healthz, /readyz, /status or /metrics\n"};
}

namespace {

// serve's log: whole lines from any thread, flushed at once (a container's
// log is read while serve runs).
class LineLog {
 public:
  explicit LineLog(std::ostream& out) : m_out(out) {}
  void write(const std::string& line) {
    std::lock_guard lock(m_mutex);
    m_out << "stackgate: " << line << "\n";
    m_out.flush();
  }

 private:
  std::mutex m_mutex;
  std::ostream& m_out;
};

std::string describe(const HealthEvent& e) {
  std::string line = e.service + " " + e.target + ": " + std::string(to_string(e.previous)) + " -> " +
                     std::string(to_string(e.state));
  if (!e.reason.empty()) line += ": " + e.reason;
  return line;
}

}  // namespace

bool serve_until(std::vector<ServeTarget> targets, const Closures& closures, HealthThresholds thresholds,
                 const ActionConfig& actions, const std::string& listen, const std::atomic<bool>& cancelled,
                 std::ostream& log) {
  HttpServer server;
  if (auto ok = server.listen(listen); !ok) {
    log << "stackgate: error: " << ok.error() << "\n";
    return false;
  }
  size_t count = targets.size();
  // Shared with the detached loops and action threads, which may outlive this call.
  auto lines = std::make_shared<LineLog>(log);
  LogLine write = [lines](const std::string& line) { lines->write(line); };
  static SteadyClock action_clock;
  RealActions real = make_executor(actions, write);
  std::shared_ptr<ActionDispatcher> dispatcher;
  if (actions.any()) dispatcher = std::make_shared<ActionDispatcher>(actions, action_clock, write, real.execute);
  HealthEventSink sink = [write, dispatcher](const HealthEvent& e) {
    if (e.changed()) write(describe(e));
    if (dispatcher) dispatcher->handle(e);
  };
  // Shared: a connection thread may still answer while this returns.
  auto monitor = std::make_shared<HealthMonitor>(std::move(targets), thresholds, sink);
  write("serving " + std::to_string(count) + (count == 1 ? " target" : " targets") + " on " + server.bound_address());
  monitor->start();
  server.run([monitor, closures](const HttpRequest& request) {
    return serve_request(request, monitor->snapshot(), closures);
  }, cancelled);
  monitor->stop();
  real.stop();
  return true;
}

}  // namespace stackgate::gate
