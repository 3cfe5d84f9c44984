#include "gate/report_files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "util/sanitize.h"

namespace stackgate::gate {
namespace {

std::string xml_escape(const std::string& text) {
  std::string s = util::sanitize(text);  // valid UTF-8, no control characters
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string seconds(Millis d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

// A service's state: the worst of its probes.
std::string service_state(const std::vector<const ProbeStatus*>& probes) {
  for (const ProbeStatus* p : probes) {
    if (p->state != ProbeState::ready) return std::string(to_string(p->state));
  }
  return "ready";
}

}  // namespace

std::string json_report(const RunResult& result, const std::string& project) {
  std::map<std::string, std::vector<const ProbeStatus*>> by_service;
  for (const ProbeStatus& p : result.probes) by_service[p.service].push_back(&p);
  nlohmann::json services = nlohmann::json::object();
  for (const auto& [name, probes] : by_service) {
    nlohmann::json list = nlohmann::json::array();
    for (const ProbeStatus* p : probes) {
      if (p->target.empty()) continue;
      nlohmann::json j{{"type", p->type},
                       {"target", p->target},
                       {"state", std::string(to_string(p->state))},
                       {"attempts", p->attempts},
                       {"elapsed_ms", p->elapsed.count()},
                       {"reason", p->last_reason}};
      if (p->last_verdict) j["verdict"] = std::string(probes::to_string(*p->last_verdict));
      list.push_back(j);
    }
    services[name] = {{"state", service_state(probes)}, {"level", probes.front()->level}, {"probes", list}};
  }
  nlohmann::json j{{"project", project},
                   {"status", std::string(to_string(result.status))},
                   {"elapsed_ms", result.elapsed.count()},
                   {"services", services}};
  if (!result.reason.empty()) j["reason"] = result.reason;
  // Strings here are sanitised already; replace is the guarantee that no
  // stray byte can make dump() throw and lose the report.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string junit_report(const RunResult& result, const std::string& project) {
  int tests = 0, failures = 0;
  std::string cases;
  for (const ProbeStatus& p : result.probes) {
    if (p.target.empty()) continue;
    ++tests;
    cases += "    <testcase classname=\"" + xml_escape(p.service) + "\" name=\"" + xml_escape(p.target) +
             "\" time=\"" + seconds(p.elapsed) + "\"";
    if (p.state == ProbeState::ready) {
      cases += "/>\n";
      continue;
    }
    ++failures;
    std::string message = p.last_reason.empty() ? std::string(to_string(p.state)) : p.last_reason;
    cases += ">\n      <failure message=\"" + xml_escape(message) + "\" type=\"" +
             xml_escape(std::string(to_string(p.state))) + "\">" +
             xml_escape(p.service + " " + p.target + ": " + std::string(to_string(p.state)) + " after " +
                        std::to_string(p.attempts) + " attempts: " + message) +
             "</failure>\n    </testcase>\n";
  }
  std::string name = xml_escape("stackgate " + project);
  std::string counts = " tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
                       "\" errors=\"0\" time=\"" + seconds(result.elapsed) + "\"";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"stackgate\"" + counts + ">\n  <testsuite name=\"" +
         name + "\"" + counts + ">\n" + cases + "  </testsuite>\n</testsuites>\n";
}

std::expected<void, std::string> write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return std::unexpected("cannot write " + path + ": " + std::strerror(errno));
  out << text;
  out.flush();
  if (!out) return std::unexpected("cannot write " + path + ": " + std::strerror(errno));
  return {};
}

}  // namespace stackgate::gate
