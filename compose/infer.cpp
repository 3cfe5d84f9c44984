// Zero-config probe inference. Order of precedence:
//   1. x-stackgate.skip / stackgate.skip: nothing;
//   2. x-stackgate.probes and stackgate.probe labels, which replace what
//      would be inferred unless `infer: true`;
//   3. a typed probe from the image (image_family.cpp), else TCP on each
//      exposed or published container port;
//   4. plus, for a Kafka consumer (x-stackgate.kafka.groups), a kafka://
//      probe with groups=... against its broker.
// x-stackgate window/timeout become query options on every probe.
#include "compose/infer.h"

#include <algorithm>
#include <deque>
#include <set>

#include "compose/image_family.h"
#include "compose/infer_support.h"
#include "util/duration.h"

namespace stackgate::compose {

using namespace infer_detail;

namespace {

void add_query(std::string& url, std::string_view key, const std::string& value) {
  std::string param = std::string(key) + "=";
  if (url.find("?" + param) != std::string::npos || url.find("&" + param) != std::string::npos) {
    return;  // written in the URL: that wins
  }
  url += (url.find('?') == std::string::npos ? "?" : "&") + param + value;
}

std::vector<InferredProbe> tcp_probes(const Service& s, AddressMode mode, std::vector<std::string>& notes) {
  std::vector<int> ports = s.expose;
  for (const PortMapping& p : s.ports) {
    if (p.protocol == "tcp") {
      ports.push_back(p.target);
    }
  }
  std::vector<InferredProbe> out;
  std::set<int> seen;
  for (int port : ports) {
    if (!seen.insert(port).second) {
      continue;
    }
    InferredProbe probe;
    probe.kind = "ports";
    probe.where = s.where;
    probe.provenance.emplace_back("port", "container port " + std::to_string(port) + " from expose/ports");
    auto at = endpoint(s, port, "tcp", mode, probe.provenance, notes);
    if (!at) {
      continue;
    }
    probe.url = "tcp://" + at->host + ":" + std::to_string(at->port);
    out.push_back(std::move(probe));
  }
  return out;
}

// The Kafka broker a consumer reads from: x-stackgate.kafka.bootstrap, else
// a Kafka service among its dependencies (nearest first), else any.
std::optional<InferredProbe> kafka_group_probe(const Project& project, const Service& s, AddressMode mode,
                                               std::vector<std::string>& notes) {
  const StackgateExtension& ext = s.stackgate;
  InferredProbe probe;
  probe.kind = "kafka-group";
  probe.where = ext.where;
  std::string broker;
  if (ext.kafka_bootstrap) {
    broker = *ext.kafka_bootstrap;
    probe.provenance.emplace_back("broker", "x-stackgate.kafka.bootstrap");
  } else {
    const Service* found = nullptr;
    std::deque<std::string> queue;
    std::set<std::string> visited{s.name};
    for (const Dependency& d : s.depends_on) {
      queue.push_back(d.service);
    }
    while (!queue.empty() && !found) {
      std::string name = queue.front();
      queue.pop_front();
      auto it = project.services.find(name);
      if (!visited.insert(name).second || it == project.services.end()) {
        continue;
      }
      if (image_family(it->second.image) == ImageFamily::kafka) {
        found = &it->second;
        probe.provenance.emplace_back("broker", "Kafka service \"" + name + "\" among the dependencies");
      }
      for (const Dependency& d : it->second.depends_on) {
        queue.push_back(d.service);
      }
    }
    for (const auto& [name, candidate] : project.services) {
      if (!found && image_family(candidate.image) == ImageFamily::kafka) {
        found = &candidate;
        probe.provenance.emplace_back("broker", "Kafka service \"" + name + "\" in the project");
      }
    }
    if (!found) {
      notes.push_back("service \"" + s.name +
                      "\": x-stackgate.kafka.groups needs a broker: set x-stackgate.kafka.bootstrap or add a Kafka "
                      "service");
      return std::nullopt;
    }
    auto at = kafka_endpoint(*found, mode, probe.provenance, notes);
    if (!at) {
      return std::nullopt;
    }
    broker = at->host + ":" + std::to_string(at->port);
  }
  std::string groups;
  for (const std::string& g : ext.kafka_groups) {
    groups += (groups.empty() ? "" : ",") + percent_encode(g);
  }
  probe.url = "kafka://" + broker + "?groups=" + groups;
  probe.provenance.emplace_back("groups", "x-stackgate.kafka.groups (" + where_text(ext.where) + ")");
  if (ext.kafka_stable_for) {
    probe.url += "&stable_for=" + util::format_duration(*ext.kafka_stable_for);
  }
  if (ext.kafka_min_members) {
    probe.url += "&min_members=" + std::to_string(*ext.kafka_min_members);
  }
  return probe;
}

}  // namespace

InferResult explain_probes(const Project& project, const Service& service, const InferOptions& options) {
  InferResult result;
  const StackgateExtension& ext = service.stackgate;
  if (ext.skip) {
    result.notes.push_back("service \"" + service.name + "\": skipped (stackgate skip)");
    return result;
  }
  for (size_t i = 0; i < ext.probes.size(); ++i) {
    InferredProbe probe;
    probe.url = ext.probes[i];
    probe.kind = i < ext.probe_origin.size() ? ext.probe_origin[i] : "x-stackgate";
    probe.where = i < ext.probe_where.size() ? ext.probe_where[i] : ext.where;
    probe.provenance.emplace_back("url", (probe.kind == "label" ? "stackgate.probe label (" : "x-stackgate.probes (") +
                                             where_text(probe.where) + ")");
    result.probes.push_back(std::move(probe));
  }
  if (ext.probes.empty() || !ext.replace_inferred) {
    if (auto typed = infer_from_image(service, options.address_mode, result.notes)) {
      result.probes.push_back(std::move(*typed));
    } else if (image_family(service.image) == ImageFamily::unknown) {
      std::vector<InferredProbe> tcp = tcp_probes(service, options.address_mode, result.notes);
      result.probes.insert(result.probes.end(), tcp.begin(), tcp.end());
    }
  }
  if (!ext.kafka_groups.empty()) {
    if (auto group = kafka_group_probe(project, service, options.address_mode, result.notes)) {
      result.probes.push_back(std::move(*group));
    }
  }
  for (InferredProbe& probe : result.probes) {
    if (ext.timeout) {
      add_query(probe.url, "timeout", *ext.timeout);
    }
    if (ext.window) {
      add_query(probe.url, "window", *ext.window);
    }
  }
  if (result.probes.empty() && result.notes.empty()) {
    result.notes.push_back("no probe: unknown image, no expose or ports, no x-stackgate.probes");
  }
  return result;
}

std::vector<InferredProbe> infer_probes(const Project& project, const Service& service, const InferOptions& options) {
  return explain_probes(project, service, options).probes;
}

}  // namespace stackgate::compose
