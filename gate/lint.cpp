#include "gate/lint.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "compose/infer_index.h"
#include "gate/graph.h"
#include "gate/host_ports.h"
#include "gate/plan.h"
#include "spec/probe_spec.h"
#include "util/strings.h"

namespace stackgate::gate {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

void check_healthchecks(const compose::Project& project, std::vector<Finding>& out) {
  for (const auto& [name, service] : project.services) {
    for (const compose::Dependency& dep : service.depends_on) {
      if (dep.condition != compose::Condition::service_healthy) continue;
      auto it = project.services.find(dep.service);
      if (it == project.services.end()) continue;  // reported by the graph
      const auto& hc = it->second.healthcheck;
      if (hc && hc->disabled) {
        out.push_back(util::Diagnostic(dep.where,
                       "service " + quoted(name) + " waits for " + quoted(dep.service) +
                           " to be healthy, but its healthcheck is disabled: Compose will fail with \"container " +
                           dep.service + " has no healthcheck configured\""));
      } else if (!hc) {
        out.push_back(util::warning(dep.where,
                       "service " + quoted(name) + " waits for " + quoted(dep.service) + " to be healthy, but " +
                           quoted(dep.service) + " has no healthcheck here (fine only if its image defines "
                           "HEALTHCHECK; or gate it with stackgate)"));
      }
    }
  }
}

void check_ports(const compose::Project& project, std::vector<Finding>& out) {
  struct Use {
    std::string service;
    std::string host_ip;
    util::SourceLocation where;
  };
  std::map<std::pair<int, std::string>, std::vector<Use>> by_port;  // (port, protocol)
  for (const auto& [name, service] : project.services) {
    for (const compose::PortMapping& port : service.ports) {
      if (port.published == 0) continue;
      int last = port.published_end > 0 ? port.published_end : port.published;
      for (int p = port.published; p <= last; ++p) {
        auto& uses = by_port[{p, port.protocol}];
        for (const Use& u : uses) {
          if (u.service == name) continue;
          if (!u.host_ip.empty() && !port.host_ip.empty() && u.host_ip != port.host_ip) continue;
          out.push_back(util::Diagnostic(service.where,
                         "services " + quoted(u.service) + " and " + quoted(name) + " both publish host port " +
                             std::to_string(p) + "/" + port.protocol));
        }
        uses.push_back({name, port.host_ip, service.where});
      }
    }
  }
}

// "127.0.0.1:8080:80/tcp", "8000-8002:80/tcp", "[::1]:53:53/udp".
std::string mapping_text(const compose::PortMapping& port) {
  std::string out;
  if (!port.host_ip.empty()) {
    out = (port.host_ip.find(':') != std::string::npos ? "[" + port.host_ip + "]" : port.host_ip) + ":";
  }
  out += std::to_string(port.published);
  if (port.published_end > 0) out += "-" + std::to_string(port.published_end);
  return out + ":" + std::to_string(port.target) + "/" + port.protocol;
}

// --host-ports: each published host port bound the way the daemon will bind
// it. A range for one container port ("8000-8002:80") needs only one free port.
void check_host_ports(const compose::Project& project, std::vector<Finding>& out) {
  for (const auto& [name, service] : project.services) {
    if (service.replicas && *service.replicas == 0) continue;
    for (const compose::PortMapping& port : service.ports) {
      if (port.published == 0) continue;
      std::string what = "service " + quoted(name) + " publishes " + quoted(mapping_text(port)) + ", but host ";
      std::string address = port.host_ip.empty() ? "0.0.0.0" : port.host_ip;
      int last = port.published_end > 0 ? port.published_end : port.published;
      std::vector<std::string> held;     // "8080/tcp"
      std::vector<std::string> holders;  // "python3, pid 12"
      bool one_free = false;
      for (int p = port.published; p <= last; ++p) {
        HostPortCheck check = check_host_port(port.host_ip, p, port.protocol);
        if (check.state == HostPortState::not_local) {
          out.push_back(util::warning(port.where, what + "IP " + address +
                                                      " is not an address of this machine (`up` here fails with "
                                                      "\"cannot assign requested address\")"));
          break;
        }
        if (check.state != HostPortState::in_use) {
          one_free = true;
          continue;
        }
        held.push_back(std::to_string(p) + "/" + port.protocol);
        if (!check.detail.empty() && holders.size() < 3) holders.push_back("held by " + check.detail);
      }
      bool range_for_one = port.published_end > 0;
      if (held.empty() || (range_for_one && one_free)) continue;
      if (std::any_of(holders.begin(), holders.end(), [](const std::string& h) { return h.contains("docker-proxy,"); })) {
        holders.push_back("a container publishes it already: this project's own, if it is running");
      }
      holders.push_back("`up` fails with \"address already in use\"");
      std::string ports = held.size() == 1 ? "port " + held.front() + " is" : "ports " + util::join(held, ", ") + " are";
      out.push_back(util::Diagnostic{port.where,
                                     what + ports + " already in use on this machine" +
                                         (address == "0.0.0.0" ? "" : " at " + address) + " (" +
                                         util::join(holders, "; ") + ")"});
    }
  }
}

void check_probes(const compose::Project& project, const compose::InferOptions& infer, std::vector<Finding>& out) {
  std::vector<std::string> gated = compose::gated_services(project);
  compose::InferIndex index(project);
  for (const auto& [name, service] : project.services) {
    if (service.stackgate.skip || (service.replicas && *service.replicas == 0)) continue;
    compose::InferResult explained = compose::explain_probes(index, service, infer);
    for (const std::string& hazard : explained.hazards) {
      out.push_back(util::warning(service.where, "service " + quoted(name) + ": " + hazard));
    }
    // The gate itself, and a job the gate leaves to Compose, have no probe
    // by design.
    bool released_by_gate = std::find(gated.begin(), gated.end(), name) != gated.end();
    if (explained.probes.empty() && !explained.gate && !explained.job && !released_by_gate &&
        explained.hazards.empty()) {
      // The notes say why nothing was inferred ("port 6379 (redis) is not
      // published"); the generic one only repeats this message.
      std::vector<std::string> why;
      for (const std::string& note : explained.notes) {
        if (!note.starts_with("no probe: ")) why.push_back(note);
      }
      out.push_back(util::warning(service.where,
                     "service " + quoted(name) + " has no probe" +
                         (why.empty() ? std::string() : " (" + util::join(why, "; ") + ")") +
                         ": it counts as ready as soon as its level starts (add x-stackgate.probes, "
                         "a stackgate.probe label or ports)"));
    }
    for (const compose::InferredProbe& ip : explained.probes) {
      auto url = spec::parse_url(ip.url);
      if (!url) {
        out.push_back(util::Diagnostic(ip.where, "service " + quoted(name) + ": " + url.error()));
        continue;
      }
      if (auto spec = spec::probe_spec_from(std::move(*url)); !spec) {
        out.push_back(util::warning(ip.where, "service " + quoted(name) + ": " + spec.error()));
      }
    }
  }
}

}  // namespace

std::vector<Finding> lint_project(const compose::Project& project, const compose::InferOptions& infer,
                                  const LintOptions& options) {
  std::vector<Finding> out;
  for (const compose::Warning& w : project.warnings) out.push_back(util::warning(w.where, w.message));
  std::vector<compose::Warning> graph_warnings;
  auto graph = ServiceGraph::build(project, &graph_warnings);
  if (!graph) {
    for (const util::ConfigError& e : graph.error()) out.push_back(util::Diagnostic(e.where, e.message));
  }
  for (const compose::Warning& w : graph_warnings) out.push_back(util::warning(w.where, w.message));
  check_healthchecks(project, out);
  check_ports(project, out);
  if (options.host_ports) check_host_ports(project, out);
  check_probes(project, infer, out);
  return out;
}

}  // namespace stackgate::gate
