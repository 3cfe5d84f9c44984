// Line and JSON reporters, the fan-out, and the summary text.
#include "gate/reporter.h"

#include <ctime>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>

#include "util/duration.h"
#include "util/strings.h"

namespace stackgate::gate {

// --- MultiReporter ---------------------------------------------------------

void MultiReporter::run_started(const std::vector<ProbeStatus>& rows) {
  for (Reporter* r : m_reporters) r->run_started(rows);
}
void MultiReporter::level_started(int level, const std::vector<std::string>& services) {
  for (Reporter* r : m_reporters) r->level_started(level, services);
}
void MultiReporter::attempt_started(const ProbeStatus& probe) {
  for (Reporter* r : m_reporters) r->attempt_started(probe);
}
void MultiReporter::attempt_finished(const ProbeStatus& probe, const probes::Outcome& outcome, Millis took) {
  for (Reporter* r : m_reporters) r->attempt_finished(probe, outcome, took);
}
void MultiReporter::window_progress(const ProbeStatus& probe) {
  for (Reporter* r : m_reporters) r->window_progress(probe);
}
void MultiReporter::service_ready(const std::string& service, int level, Millis elapsed) {
  for (Reporter* r : m_reporters) r->service_ready(service, level, elapsed);
}
void MultiReporter::level_released(int level, const std::vector<std::string>& services, Millis elapsed) {
  for (Reporter* r : m_reporters) r->level_released(level, services, elapsed);
}
void MultiReporter::finished(const RunResult& result) {
  for (Reporter* r : m_reporters) r->finished(result);
}
void MultiReporter::tick() {
  for (Reporter* r : m_reporters) r->tick();
}
std::optional<Millis> MultiReporter::tick_interval() const {
  std::optional<Millis> best;
  for (const Reporter* r : m_reporters) {
    if (auto t = r->tick_interval(); t && (!best || *t < *best)) best = t;
  }
  return best;
}

// --- helpers ---------------------------------------------------------------

Timestamp local_timestamp() {
  return [] {
    auto now = std::chrono::system_clock::now();
    std::time_t secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return std::string(buf);
  };
}

std::string format_seconds(Millis d) {
  if (d >= Millis{60'000}) return util::format_duration(d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

namespace {

std::string row_key(const ProbeStatus& p) { return p.service + "#" + std::to_string(p.index); }

// Remembers the last (verdict, reason) per probe; true when it changed.
bool changed(std::vector<std::pair<std::string, std::string>>& last, const ProbeStatus& p) {
  std::string key = row_key(p);
  std::string value = std::string(p.last_verdict ? probes::to_string(*p.last_verdict) : "") + "|" + p.last_reason;
  for (auto& [k, v] : last) {
    if (k == key) {
      if (v == value) return false;
      v = value;
      return true;
    }
  }
  last.emplace_back(key, value);
  return true;
}


std::string attempts_text(const ProbeStatus& p) {
  return "(" + std::to_string(p.attempts) + " attempts, " + format_seconds(p.elapsed) + ")";
}

std::string window_text(const ProbeStatus& p) {
  // Once enough passes are in, only the time span is still open: "3 passes"
  // rather than a confusing "3/2 passes".
  std::string passes = p.passes >= p.passes_needed
                           ? std::to_string(p.passes) + " passes"
                           : std::to_string(p.passes) + "/" + std::to_string(p.passes_needed) + " passes";
  return passes + ", " + format_seconds(p.window_span) + " of " + util::format_duration(p.stable_for);
}

}  // namespace

std::string summary_text(const RunResult& result, const std::string& what) {
  std::string out;
  std::string subject = what.empty() ? "all services" : what;
  switch (result.status) {
    case RunStatus::released:
      out = what.empty() ? "all services ready after " + format_seconds(result.elapsed)
                         : "released " + what + " after " + format_seconds(result.elapsed);
      break;
    case RunStatus::failed: out = "failed: " + result.reason; break;
    case RunStatus::cancelled: out = "interrupted after " + format_seconds(result.elapsed); break;
    case RunStatus::timed_out: out = result.reason + " waiting for " + subject; break;
    case RunStatus::not_ready: {
      int ok = 0, total = 0;
      for (const ProbeStatus& p : result.probes) {
        if (p.target.empty()) continue;
        ++total;
        if (p.state == ProbeState::ready) ++ok;
      }
      out = std::to_string(ok) + " of " + std::to_string(total) + " probes healthy";
      break;
    }
  }
  if (result.status == RunStatus::released) return out + "\n";
  out += "\n";
  for (const ProbeStatus& p : result.probes) {
    if (p.state == ProbeState::ready) continue;
    if (p.state == ProbeState::waiting) {
      out += "  " + p.service + ": not probed (level " + std::to_string(p.level) + " waits for its upstreams)\n";
      continue;
    }
    if (p.target.empty()) continue;
    out += "  " + p.service + " " + p.target + " " + std::string(to_string(p.state)) + " " + attempts_text(p);
    if (!p.last_reason.empty()) out += ": " + p.last_reason;
    out += "\n";
  }
  return out;
}

// --- LineReporter ----------------------------------------------------------

LineReporter::LineReporter(std::ostream& out, Timestamp stamp, std::string what)
    : m_out(out), m_stamp(std::move(stamp)), m_what(std::move(what)) {}

void LineReporter::level_started(int level, const std::vector<std::string>& services) {
  m_out << m_stamp() << " level " << level << ": probing " << util::join(services, ", ") << "\n" << std::flush;
}

void LineReporter::attempt_finished(const ProbeStatus& p, const probes::Outcome& outcome, Millis took) {
  if (p.state == ProbeState::stabilizing) return;  // window_progress prints passes
  bool terminal = p.state == ProbeState::ready || p.state == ProbeState::failed || p.state == ProbeState::not_ready;
  if (!changed(m_last, p) && !terminal) return;
  std::string word = p.state == ProbeState::ready ? "ready" : std::string(probes::to_string(outcome.verdict));
  m_out << m_stamp() << " " << p.service << " " << p.target << " " << word << " " << attempts_text(p);
  if (p.state != ProbeState::ready || outcome.reason != "ready") m_out << ": " << outcome.reason;
  m_out << "\n" << std::flush;
}

void LineReporter::window_progress(const ProbeStatus& p) {
  changed(m_last, p);
  m_out << m_stamp() << " " << p.service << " " << p.target << " stabilizing " << window_text(p) << " "
        << attempts_text(p) << "\n"
        << std::flush;
}

void LineReporter::service_ready(const std::string& service, int level, Millis elapsed) {
  m_out << m_stamp() << " " << service << " ready after " << format_seconds(elapsed) << "\n" << std::flush;
}

void LineReporter::level_released(int level, const std::vector<std::string>& services, Millis elapsed) {
  m_out << m_stamp() << " level " << level << " released (" << util::join(services, ", ") << ") after "
        << format_seconds(elapsed) << "\n"
        << std::flush;
}

void LineReporter::finished(const RunResult& result) {
  m_out << m_stamp() << " " << summary_text(result, m_what) << std::flush;
}

// --- JsonReporter ----------------------------------------------------------

namespace {

nlohmann::json probe_json(const ProbeStatus& p) {
  nlohmann::json j;
  j["service"] = p.service;
  j["level"] = p.level;
  j["probe"] = p.index;
  j["type"] = p.type;
  j["target"] = p.target;
  j["state"] = std::string(to_string(p.state));
  j["attempts"] = p.attempts;
  j["elapsed_ms"] = p.elapsed.count();
  if (p.last_verdict) j["verdict"] = std::string(probes::to_string(*p.last_verdict));
  if (!p.last_reason.empty()) j["reason"] = p.last_reason;
  return j;
}

}  // namespace

JsonReporter::JsonReporter(std::ostream& out, Timestamp stamp) : m_out(out), m_stamp(std::move(stamp)) {}

void JsonReporter::level_started(int level, const std::vector<std::string>& services) {
  nlohmann::json j{{"time", m_stamp()}, {"event", "level_started"}, {"level", level}, {"services", services}};
  m_out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

void JsonReporter::attempt_finished(const ProbeStatus& p, const probes::Outcome& outcome, Millis took) {
  if (p.state == ProbeState::stabilizing) return;
  bool terminal = p.state == ProbeState::ready || p.state == ProbeState::failed || p.state == ProbeState::not_ready;
  if (!changed(m_last, p) && !terminal) return;
  nlohmann::json j = probe_json(p);
  j["time"] = m_stamp();
  j["event"] = "probe";
  j["cheap"] = outcome.cheap;
  j["took_ms"] = took.count();
  m_out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

void JsonReporter::window_progress(const ProbeStatus& p) {
  changed(m_last, p);
  nlohmann::json j = probe_json(p);
  j["time"] = m_stamp();
  j["event"] = "window";
  j["passes"] = p.passes;
  j["passes_needed"] = p.passes_needed;
  j["window_span_ms"] = p.window_span.count();
  j["stable_for_ms"] = p.stable_for.count();
  m_out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

void JsonReporter::service_ready(const std::string& service, int level, Millis elapsed) {
  nlohmann::json j{{"time", m_stamp()}, {"event", "service_ready"}, {"service", service}, {"level", level},
                   {"elapsed_ms", elapsed.count()}};
  m_out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

void JsonReporter::level_released(int level, const std::vector<std::string>& services, Millis elapsed) {
  nlohmann::json j{{"time", m_stamp()}, {"event", "level_released"}, {"level", level}, {"services", services},
                   {"elapsed_ms", elapsed.count()}};
  m_out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

void JsonReporter::finished(const RunResult& result) {
  nlohmann::json probes = nlohmann::json::array();
  for (const ProbeStatus& p : result.probes) probes.push_back(probe_json(p));
  nlohmann::json j{{"time", m_stamp()},
                   {"event", "result"},
                   {"status", std::string(to_string(result.status))},
                   {"elapsed_ms", result.elapsed.count()},
                   {"levels_released", result.levels_released},
                   {"probes", probes}};
  if (!result.reason.empty()) j["reason"] = result.reason;
  m_out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

}  // namespace stackgate::gate
