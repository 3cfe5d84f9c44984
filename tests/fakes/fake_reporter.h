// FakeReporter: records every event as a short line, for exact assertions
// on what the scheduler announced and in which order.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "gate/reporter.h"

namespace stackgate::testing {

class FakeReporter final : public gate::Reporter {
 public:
  void run_started(const std::vector<gate::ProbeStatus>& rows) override {
    events.push_back("run_started " + std::to_string(rows.size()));
  }
  void level_started(int level, const std::vector<std::string>& services) override {
    events.push_back("level_started " + std::to_string(level) + " " + join(services));
  }
  void attempt_started(const gate::ProbeStatus& p) override {
    events.push_back("attempt " + p.service + "#" + std::to_string(p.index));
  }
  void attempt_finished(const gate::ProbeStatus& p, const probes::Outcome& o, gate::Millis) override {
    events.push_back("finished " + p.service + "#" + std::to_string(p.index) + " " +
                     std::string(probes::to_string(o.verdict)) + " " + std::string(gate::to_string(p.state)));
  }
  void window_progress(const gate::ProbeStatus& p) override {
    events.push_back("window " + p.service + "#" + std::to_string(p.index) + " " + std::to_string(p.passes) + "/" +
                     std::to_string(p.passes_needed));
  }
  void service_ready(const std::string& service, int level, gate::Millis) override {
    events.push_back("service_ready " + service);
  }
  void level_released(int level, const std::vector<std::string>& services, gate::Millis) override {
    events.push_back("level_released " + std::to_string(level) + " " + join(services));
  }
  void finished(const gate::RunResult& r) override {
    events.push_back("result " + std::string(gate::to_string(r.status)));
    result = r;
  }

  /// Events whose text starts with `prefix`.
  std::vector<std::string> matching(const std::string& prefix) const {
    std::vector<std::string> out;
    std::copy_if(events.begin(), events.end(), std::back_inserter(out),
                 [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
    return out;
  }
  /// Index of the first event equal to `event`, or -1.
  int index_of(const std::string& event) const {
    auto it = std::find(events.begin(), events.end(), event);
    return it == events.end() ? -1 : static_cast<int>(it - events.begin());
  }

  std::vector<std::string> events;
  gate::RunResult result;

 private:
  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
    return out;
  }
};

}  // namespace stackgate::testing
