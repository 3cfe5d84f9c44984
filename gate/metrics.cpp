#include "gate/metrics.h"

#include <charconv>
#include <map>
#include <utility>

namespace stackgate::gate {
namespace {

// Shortest round-trip form ("0.005", "1.7e+09"), which Prometheus parses.
std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string labels(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out = "{";
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out += ",";
    out += pairs[i].first + "=\"" + escape_label_value(pairs[i].second) + "\"";
  }
  return out + "}";
}

std::string target_labels(const TargetSnapshot& t) {
  return labels({{"service", t.service}, {"target", t.target}, {"type", t.type}});
}

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string metrics_text(const std::vector<TargetSnapshot>& targets) {
  std::string out;
  family(out, "probe_success", "gauge", "Whether the last attempt against the target passed (1) or not (0).");
  for (const TargetSnapshot& t : targets) {
    if (!t.health.attempted()) continue;  // no attempt yet: no sample rather than a made-up 0
    out += "probe_success" + target_labels(t) + " " + (t.health.last_passed() ? "1" : "0") + "\n";
  }

  // One histogram per service and type: the targets of a service that share
  // a type are summed, so the series count does not grow with URLs.
  std::map<std::pair<std::string, std::string>, DurationHistogram> durations;
  for (const TargetSnapshot& t : targets) {
    DurationHistogram& h = durations[{t.service, t.type}];
    const DurationHistogram& d = t.health.durations();
    for (size_t i = 0; i < h.buckets.size(); ++i) h.buckets[i] += d.buckets[i];
    h.count += d.count;
    h.sum += d.sum;
  }
  family(out, "probe_duration_seconds", "histogram", "Duration of probe attempts in seconds.");
  for (const auto& [key, h] : durations) {
    const auto& [service, type] = key;
    for (size_t i = 0; i < h.buckets.size(); ++i) {
      out += "probe_duration_seconds_bucket" +
             labels({{"service", service}, {"type", type}, {"le", number(k_duration_buckets[i])}}) + " " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "probe_duration_seconds_bucket" + labels({{"service", service}, {"type", type}, {"le", "+Inf"}}) + " " +
           std::to_string(h.count) + "\n";
    out += "probe_duration_seconds_sum" + labels({{"service", service}, {"type", type}}) + " " + number(h.sum) + "\n";
    out += "probe_duration_seconds_count" + labels({{"service", service}, {"type", type}}) + " " +
           std::to_string(h.count) + "\n";
  }

  family(out, "stackgate_consecutive_failures", "gauge", "Failed attempts in a row against the target.");
  for (const TargetSnapshot& t : targets) {
    out += "stackgate_consecutive_failures" + target_labels(t) + " " +
           std::to_string(t.health.consecutive_failures()) + "\n";
  }
  family(out, "stackgate_state_changes_total", "counter",
         "Health state changes of the target (unknown, healthy, unhealthy).");
  for (const TargetSnapshot& t : targets) {
    out += "stackgate_state_changes_total" + target_labels(t) + " " + std::to_string(t.health.state_changes()) + "\n";
  }
  family(out, "stackgate_last_transition_timestamp_seconds", "gauge",
         "Unix time of the target's last health state change.");
  for (const TargetSnapshot& t : targets) {
    auto when = t.health.last_transition();
    if (!when) continue;
    double seconds = std::chrono::duration<double>(when->time_since_epoch()).count();
    out += "stackgate_last_transition_timestamp_seconds" + target_labels(t) + " " + number(seconds) + "\n";
  }
  return out;
}

}  // namespace stackgate::gate
