// Zero-config probe inference. Where each service's probes come from, in
// order of precedence:
//   1. x-stackgate.skip / stackgate.skip: nothing;
//   2. x-stackgate.probes and stackgate.probe labels, which replace what
//      would be inferred unless `infer: true`;
//   3. nothing for the service that runs stackgate itself, and for a job
//      (a dependent waits for it with service_completed_successfully: a
//      server probe could never pass once it exits) -- with the Docker
//      Engine, its exit code (docker://...?state=exited0);
//   4. a typed probe for its server family (family_evidence.cpp), each value
//      from a client's connection string naming it, else the server's
//      environment, else its healthcheck, else the image default;
//   5. else a probe translated from its healthcheck (curl, wget, nc,
//      stackgate check);
//   6. else TCP on its client ports (quorum, cluster and admin ports left out);
//   7. with the Docker Engine, the container's health where the file has a
//      healthcheck (and a dependent waits for service_healthy, or nothing
//      typed covers it);
//   8. plus, for a Kafka consumer (x-stackgate.kafka.groups), a kafka://
//      probe with groups=... against its broker.
// x-stackgate window/timeout/max_latency become every probe's typed
// settings (InferredProbe::settings), below the probe kind's own keys.
#include "compose/infer.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "compose/connection_refs.h"
#include "compose/family_evidence.h"
#include "compose/healthcheck_hint.h"
#include "compose/image_family.h"
#include "compose/infer_index.h"
#include "compose/infer_support.h"
#include "util/duration.h"
#include "util/strings.h"

namespace stackgate::compose {

using namespace infer_detail;

namespace {

// A port that may never open: ZooKeeper's quorum and election ports (only
// in an ensemble, 2888 only on the leader) and Redis's cluster bus. For a
// service of a known family, also its own peer, transport and admin ports
// (the family table's); for an unknown one, nothing more: 8081 or 9300 may
// be exactly what it serves.
bool peer_port(int port, ImageFamily family) {
  for (int p : {2888, 3888, 16379}) {
    if (p == port) return true;
  }
  if (const FamilyTraits* t = traits(family)) {
    for (int p : t->peer_ports) {
      if (p == port) return true;
    }
  }
  return false;
}

std::vector<InferredProbe> tcp_probes(const Service& s, AddressMode mode, ImageFamily family,
                                      std::vector<std::string>& notes) {
  std::vector<int> ports = s.expose;
  for (const PortMapping& p : s.ports) {
    if (p.protocol == "tcp") {
      ports.push_back(p.target);
    }
  }
  std::vector<InferredProbe> out;
  std::set<int> seen;
  std::vector<std::string> dropped;
  for (int port : ports) {
    if (!seen.insert(port).second) {
      continue;
    }
    if (peer_port(port, family)) {
      dropped.push_back(std::to_string(port));
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
  if (!dropped.empty()) {
    notes.push_back("port" + std::string(dropped.size() == 1 ? " " : "s ") + util::join(dropped, ", ") +
                    " not probed: cluster, peer or admin port" + (dropped.size() == 1 ? "" : "s") +
                    " that a single node may never open");
  }
  return out;
}

// The service runs `stackgate wait|smoke|plan|lint|check` itself (the init
// container): probing it would wait for itself.
bool runs_gate(const Service& s) {
  std::vector<std::string> words = command_words(s);
  bool stackgate = is_stackgate_image(s.image);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    if (w.ends_with("/stackgate") || w == "stackgate") {
      stackgate = true;
      continue;
    }
    if (stackgate && !w.starts_with('-')) return w == "wait" || w == "smoke" || w == "plan" || w == "lint" || w == "check";
  }
  return stackgate && words.empty();
}

// The connection string naming `s` that a probe should follow. Clients
// often disagree (one service reads its own database on the same server),
// so prefer, in order: the database and user the server itself is
// configured with (a value of its environment: POSTGRES_DB, MYSQL_USER...),
// what most clients use, the decided family's scheme over a bare host, a
// direct dependent, and then the first client in name order.
struct BestRef {
  std::optional<ConnectionRef> ref;
  std::string owner;
};

BestRef best_ref(const InferIndex& index, const Service& s, ImageFamily family) {
  auto configured = [&](const std::optional<std::string>& value) {
    if (!value || value->empty()) return false;
    return std::any_of(s.environment.begin(), s.environment.end(),
                       [&](const auto& kv) { return kv.second == *value; });
  };
  std::vector<const NamedRef*> candidates;
  for (const NamedRef& named : index.refs_naming(s.name)) {
    auto owner = index.project().services.find(named.owner);
    if (owner == index.project().services.end() || runs_gate(owner->second)) continue;
    if (named.ref.family != family && named.ref.family != ImageFamily::unknown) continue;
    candidates.push_back(&named);
  }
  // How many candidates share each (user, database, port): counted once,
  // not by a scan per candidate (a server with many clients made that
  // quadratic).
  auto by_target = [](const ConnectionRef* a, const ConnectionRef* b) {
    return std::tie(a->user, a->database, a->port) < std::tie(b->user, b->database, b->port);
  };
  std::map<const ConnectionRef*, long, decltype(by_target)> same_target(by_target);
  for (const NamedRef* named : candidates) ++same_target[&named->ref];
  BestRef best;
  long best_score = -1;
  for (const NamedRef* named : candidates) {
    const ConnectionRef& ref = named->ref;
    long same = same_target.at(&ref);
    long score = (configured(ref.database) ? 1 << 20 : 0) + (configured(ref.user) ? 1 << 19 : 0) + same * 8 +
                 (ref.family == family ? (ref.family_from_scheme ? 4 : 2) : 0) + (named->direct ? 1 : 0);
    if (score > best_score) {  // ties: the first client in name order
      best_score = score;
      best.ref = ref;
      best.owner = named->owner;
    }
  }
  return best;
}

// A client's user or database is probed only when the server is sure to
// have it: a value of its own environment (POSTGRES_USER, MYSQL_DATABASE...),
// its healthcheck's, or the image's default. A database or user that the
// application or a job creates later (`rails db:setup`, an entrypoint's
// CREATE DATABASE) would fail the probe fatally on a fresh volume, or
// deadlock when that application waits for the server. Brokers whose users
// live in config files (MQTT, Redis ACLs) keep the client's login.
void keep_guaranteed(const Service& s, ImageFamily family, ConnectionRef& ref, const std::string& owner,
                     const std::optional<HealthcheckHint>& health, std::vector<std::string>& notes) {
  std::vector<std::string> default_users, default_databases;
  switch (family) {
    case ImageFamily::postgres: default_users = {"postgres"}; default_databases = {"postgres"}; break;
    case ImageFamily::mysql: default_users = {"root"}; break;
    case ImageFamily::clickhouse: default_users = {"default"}; default_databases = {"default"}; break;
    case ImageFamily::rabbitmq: default_users = {"guest", "user"}; default_databases = {"/"}; break;
    default: return;
  }
  auto guaranteed = [&](const std::string& value, const std::vector<std::string>& defaults,
                        const std::optional<std::string>& from_health) {
    if (std::find(defaults.begin(), defaults.end(), value) != defaults.end()) return true;
    if (from_health && *from_health == value) return true;
    return std::any_of(s.environment.begin(), s.environment.end(), [&](const auto& kv) { return kv.second == value; });
  };
  std::string at = ref.variable + " of service " + owner;
  if (ref.user && !ref.user->empty() &&
      !guaranteed(*ref.user, default_users, health ? health->user : std::nullopt)) {
    notes.push_back("clients log in as \"" + *ref.user + "\" (" + at +
                    "), a user the server's configuration does not create: the probe logs in as the server's own "
                    "user, since one created later would fail it until then");
    ref.user.reset();
    ref.password.reset();
  }
  // The official Postgres image's database defaults to its user.
  if (family == ImageFamily::postgres) {
    auto user = s.environment.find("POSTGRES_USER");
    if (user != s.environment.end()) default_databases.push_back(user->second);
  }
  if (ref.database && !ref.database->empty() &&
      !guaranteed(*ref.database, default_databases, health ? health->database : std::nullopt)) {
    notes.push_back("clients use database \"" + *ref.database + "\" (" + at +
                    "), which the server's configuration does not create: the probe checks the server's own, since "
                    "one the application creates later would fail it until then");
    ref.database.reset();
  }
}

std::string docker_url(const Project& project, const Service& s, std::string_view state) {
  return "docker://" + s.name + "?project=" + percent_encode(project.name) + "&state=" + std::string(state);
}

InferredProbe docker_probe(const Project& project, const Service& s, std::string_view state, std::string why) {
  InferredProbe probe;
  probe.kind = "docker";
  probe.where = s.where;
  probe.url = docker_url(project, s, state);
  // An exit code is final: no stability window to wait out.
  if (state == "exited0") probe.settings.window = spec::WindowSettings{1, Millis{0}};
  probe.provenance.emplace_back("state", std::move(why));
  probe.provenance.emplace_back("containers", "labels com.docker.compose.project=" + project.name +
                                                  ", com.docker.compose.service=" + s.name);
  return probe;
}

// A probe from the service's own healthcheck, with the service as host.
std::optional<InferredProbe> healthcheck_probe(const Service& s, const HealthcheckHint& hint, AddressMode mode,
                                               std::vector<std::string>& notes) {
  InferredProbe probe;
  probe.kind = "healthcheck";
  probe.where = s.where;
  probe.provenance.emplace_back("from", "healthcheck.test runs " + hint.program);
  if (!hint.url.empty()) {
    if (mode == AddressMode::published) return std::nullopt;
    probe.url = hint.url;
    return probe;
  }
  if (!hint.port) return std::nullopt;
  auto at = endpoint(s, *hint.port, hint.scheme, mode, probe.provenance, notes);
  if (!at) return std::nullopt;
  std::string authority = at->host + ":" + std::to_string(at->port);
  if (hint.scheme == "http" || hint.scheme == "https") {
    std::string path = hint.path.empty() ? "/" : hint.path;
    probe.url = hint.scheme + "://" + authority + path + (path.find('?') == std::string::npos ? "?" : "&") +
                "status=" + hint.status;
  } else if (hint.scheme == "tcp" || hint.scheme == "zk") {
    probe.url = hint.scheme + "://" + authority;
  } else {
    return std::nullopt;
  }
  return probe;
}

// The Kafka broker a consumer reads from: x-stackgate.kafka.bootstrap, else
// a Kafka service among its dependencies (nearest first), else any.
std::optional<InferredProbe> kafka_group_probe(const InferIndex& index, const Service& s, AddressMode mode,
                                               std::vector<std::string>& notes) {
  const Project& project = index.project();
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
      if (index.family(it->second).family == ImageFamily::kafka) {
        found = &it->second;
        probe.provenance.emplace_back("broker", "Kafka service \"" + name + "\" among the dependencies");
      }
      for (const Dependency& d : it->second.depends_on) {
        queue.push_back(d.service);
      }
    }
    for (const auto& [name, candidate] : project.services) {
      if (!found && index.family(candidate).family == ImageFamily::kafka) {
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
  probe.provenance.emplace_back("groups", "x-stackgate.kafka.groups (" + util::format_location(ext.where) + ")");
  // kafka.stable_for is this probe's own window, above the service's.
  probe.settings.window.stable_for = ext.kafka_stable_for;
  if (ext.kafka_min_members) {
    probe.url += "&min_members=" + std::to_string(*ext.kafka_min_members);
  }
  return probe;
}

void infer_service(const InferIndex& index, const Service& service, const InferOptions& options, InferResult& result) {
  const Project& project = index.project();
  AddressMode mode = options.address_mode;
  if (runs_gate(service)) {
    result.gate = true;
    result.notes.push_back("runs stackgate itself: not probed");
    return;
  }
  std::vector<std::string> waiting = index.awaited_to_complete(service.name);
  if (!waiting.empty()) {
    result.job = true;
    std::string who = "\"" + util::join(waiting, "\", \"") + "\" waits for it with service_completed_successfully";
    if (options.docker) {
      result.probes.push_back(docker_probe(project, service, "exited0", "a job: " + who));
    } else {
      result.notes.push_back("a job: " + who +
                             "; a server probe could never pass once it exits, so the gate trusts Compose for it "
                             "(give stackgate the Docker socket to check its exit code)");
    }
    return;
  }
  const FamilyDecision& family = index.family(service);
  if (family.family == ImageFamily::unknown && family.runs_client) {
    result.notes.push_back("runs " + family.client_program + ", a client, not a server: not probed");
    return;
  }
  std::optional<HealthcheckHint> health = healthcheck_hint(service);
  bool has_healthcheck = service.healthcheck && !service.healthcheck->disabled;
  bool typed = false;
  if (family.family != ImageFamily::unknown) {
    result.family = to_string(family.family);
    BestRef ref = best_ref(index, service, family.family);
    if (ref.ref) keep_guaranteed(service, family.family, *ref.ref, ref.owner, health, result.notes);
    Hints hints;
    if (ref.ref) {
      hints.ref = &*ref.ref;
      hints.ref_owner = ref.owner;
    }
    if (health && (health->family == family.family || health->family == ImageFamily::unknown)) hints.health = &*health;
    if (auto probe = infer_typed(service, family.family, hints, mode, result.notes)) {
      probe->kind = "family";
      probe->where = service.where;
      probe->provenance.insert(probe->provenance.begin(),
                               {"family", std::string(to_string(family.family)) + ": " + util::join(family.evidence, "; ")});
      if (probe->url.starts_with("tcp://")) {
        result.hazards.push_back("runs " + std::string(to_string(family.family)) +
                                 " but is probed only by TCP: an open port does not mean it serves");
      }
      result.probes.push_back(std::move(*probe));
      typed = true;
    } else {
      // No typed probe could pass (or the port is not reachable from
      // here): its client port alone, never its peer ports.
      Service client_only = service;
      client_only.expose.clear();
      client_only.ports.clear();
      int client_port = traits(family.family)->client_port;
      for (const PortMapping& p : service.ports) {
        if (p.target == client_port) client_only.ports.push_back(p);
      }
      if (client_only.ports.empty() && mode == AddressMode::service) client_only.expose.push_back(client_port);
      std::vector<std::string> ignored;
      for (InferredProbe& probe : tcp_probes(client_only, mode, family.family, ignored)) {
        for (auto& [key, value] : probe.provenance) {
          if (key == "port" && client_only.ports.empty()) value = to_string(family.family) + std::string(" client port ") + std::to_string(client_port);
        }
        probe.provenance.insert(probe.provenance.begin(), {"family", std::string(to_string(family.family)) + ": " +
                                                                         util::join(family.evidence, "; ")});
        result.probes.push_back(std::move(probe));
      }
      if (!result.probes.empty()) {
        result.hazards.push_back("runs " + std::string(to_string(family.family)) +
                                 " but is probed only by TCP: an open port does not mean it serves");
      }
    }
    if (family.family == ImageFamily::kafka && mode == AddressMode::service && kafka_advertises_only_local(service)) {
      result.hazards.push_back("Kafka advertises only localhost listeners: other containers bootstrap, then are "
                               "sent to localhost and cannot use the cluster (set KAFKA_ADVERTISED_LISTENERS to a "
                               "name they resolve, e.g. PLAINTEXT://" + service.name + ":9092)");
    }
  } else if (health && !(options.docker && has_healthcheck)) {
    if (auto probe = healthcheck_probe(service, *health, mode, result.notes)) result.probes.push_back(std::move(*probe));
  }
  if (result.probes.empty() && family.family == ImageFamily::unknown && !(options.docker && has_healthcheck)) {
    std::vector<InferredProbe> tcp = tcp_probes(service, mode, family.family, result.notes);
    if (tcp.size() > 1) {
      std::vector<std::string> ports;
      for (const InferredProbe& p : tcp) ports.push_back(p.url.substr(p.url.rfind(':') + 1));
      result.hazards.push_back("probed by TCP on ports " + util::join(ports, ", ") +
                               ": if any of them opens only in some configurations the wait never ends (name the "
                               "one that matters in x-stackgate.probes)");
    }
    result.probes.insert(result.probes.end(), tcp.begin(), tcp.end());
  }
  if (options.docker && has_healthcheck && (!typed || index.awaited_healthy(service.name))) {
    result.probes.push_back(docker_probe(project, service, "healthy",
                                         index.awaited_healthy(service.name)
                                             ? "healthcheck in the file; a dependent waits for service_healthy"
                                             : "healthcheck in the file"));
  }
  if (result.probes.empty() && has_healthcheck && !options.docker) {
    result.hazards.push_back("has a healthcheck stackgate cannot translate and no other probe (give stackgate the "
                             "Docker socket to use the container's health, or add x-stackgate.probes)");
  }
}

}  // namespace

InferResult explain_probes(const InferIndex& index, const Service& service, const InferOptions& options) {
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
                                             util::format_location(probe.where) + ")");
    result.probes.push_back(std::move(probe));
  }
  if (ext.probes.empty() || !ext.replace_inferred) {
    infer_service(index, service, options, result);
  } else if (!ext.probes.empty()) {
    std::vector<std::string> waiting = index.awaited_to_complete(service.name);
    if (!waiting.empty()) {
      result.job = true;
      for (const std::string& url : ext.probes) {
        if (!url.starts_with("docker://")) {
          result.hazards.push_back("\"" + util::join(waiting, "\", \"") +
                                   "\" waits for it to complete (service_completed_successfully), but x-stackgate "
                                   "gives it a server probe that can never pass once it exits");
          break;
        }
      }
    }
  }
  if (!ext.kafka_groups.empty()) {
    if (auto group = kafka_group_probe(index, service, options.address_mode, result.notes)) {
      result.probes.push_back(std::move(*group));
    }
  }
  for (InferredProbe& probe : result.probes) {
    probe.settings = spec::overlay(probe.settings, ext.settings);
  }
  if (!ext.probes.empty() && ext.replace_inferred && !result.job) {
    ImageFamily family = index.family(service).family;
    bool only_tcp = std::all_of(result.probes.begin(), result.probes.end(),
                                [](const InferredProbe& p) { return p.url.starts_with("tcp://"); });
    if (family != ImageFamily::unknown && only_tcp) {
      result.family = to_string(family);
      result.hazards.push_back("runs " + std::string(to_string(family)) +
                               " but x-stackgate probes it only by TCP: an open port does not mean it serves (use " +
                               std::string(traits(family)->scheme) + "://)");
    }
  }
  if (result.probes.empty() && result.notes.empty()) {
    result.notes.push_back("no probe: unknown image, no expose or ports, no x-stackgate.probes");
  }
  std::vector<std::string> unique;
  for (std::string& note : result.notes) {
    if (std::find(unique.begin(), unique.end(), note) == unique.end()) unique.push_back(std::move(note));
  }
  result.notes = std::move(unique);
  return result;
}

std::vector<std::string> gated_services(const Project& project) {
  std::vector<std::string> out;
  for (const auto& [name, service] : project.services) {
    std::vector<std::string> words = command_words(service);
    bool stackgate = is_stackgate_image(service.image) ||
                     std::any_of(words.begin(), words.end(), [](const std::string& w) {
                       return w == "stackgate" || w.ends_with("/stackgate");
                     });
    if (!stackgate) continue;
    for (size_t i = 0; i < words.size(); ++i) {
      if (words[i] == "--for" && i + 1 < words.size()) out.push_back(words[i + 1]);
      if (words[i].starts_with("--for=")) out.push_back(words[i].substr(6));
    }
    if (auto it = service.environment.find("STACKGATE_FOR"); it != service.environment.end()) {
      for (const std::string& t : util::split(it->second, ',')) out.push_back(std::string(util::trim(t)));
    }
  }
  return out;
}

InferResult explain_probes(const Project& project, const Service& service, const InferOptions& options) {
  return explain_probes(InferIndex(project), service, options);
}

std::vector<InferredProbe> infer_probes(const Project& project, const Service& service, const InferOptions& options) {
  return explain_probes(project, service, options).probes;
}

}  // namespace stackgate::compose
