// `stackgate serve`: probe every target forever, each at its own interval,
// and answer /healthz, /readyz, /status and /metrics from the cached results
// (a scrape never triggers a probe).
//
// HealthMonitor runs one loop per target on its own thread. Each attempt runs
// on a further short-lived thread and is awaited for the probe's timeout plus
// 250 ms: a probe that hangs is recorded as a failure and only holds its own
// target (no new attempt starts until the late one returns), never another.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gate/actions.h"
#include "gate/health.h"
#include "gate/http_server.h"
#include "gate/scheduler.h"

namespace stackgate::gate {

inline constexpr Millis k_default_serve_interval{10'000};
inline constexpr const char* k_default_listen = "0.0.0.0:9400";

struct ServeTarget {
  std::string service;
  ProbeTask task;    // task.target is the redacted URL
  Millis interval;   // time from the start of one attempt to the start of the next
};

struct TargetSnapshot {
  std::string service;
  std::string type;
  std::string target;
  TargetHealth health;
};

// Called from a loop's thread after an attempt that produced an event (see
// HealthEvent); must be thread-safe and must not block.
using HealthEventSink = std::function<void(const HealthEvent&)>;

class HealthMonitor {
 public:
  HealthMonitor(std::vector<ServeTarget> targets, HealthThresholds thresholds, HealthEventSink on_event = {});
  /// Stops the loops; threads still inside a probe finish on their own
  /// (they own their state).
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  /// Starts one loop per target. Call once.
  void start();
  void stop();
  /// A copy of every target's state, in the order given. Thread-safe.
  std::vector<TargetSnapshot> snapshot() const;

  struct Loop;  // one target's state, shared with its threads

 private:
  std::vector<std::shared_ptr<Loop>> m_loops;
};

// What /readyz?service=S checks: S's upstream closure, the services
// `wait --for S` would wait for. Services given as URLs name themselves.
using Closures = std::map<std::string, std::vector<std::string>>;

/// The answer to one request, from cached state only.
HttpResponse serve_request(const HttpRequest& request, const std::vector<TargetSnapshot>& targets,
                           const Closures& closures);

/// /status's JSON document.
std::string status_json(const std::vector<TargetSnapshot>& targets);

/// Listens on `listen`, prints "stackgate: serving N targets on ADDRESS" to
/// `log`, probes and answers until `cancelled`. Every state change is a log
/// line, and so is every action `actions` runs. Returns false (message
/// printed) when it cannot listen.
bool serve_until(std::vector<ServeTarget> targets, const Closures& closures, HealthThresholds thresholds,
                 const ActionConfig& actions, const std::string& listen, const std::atomic<bool>& cancelled,
                 std::ostream& log);

/// "2026-11-29T21:30:55.123Z".
std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace stackgate::gate
