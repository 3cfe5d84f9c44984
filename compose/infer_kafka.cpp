// Which address reaches a Kafka broker. A client bootstraps anywhere, then
// reconnects to the *advertised* listener, so the probe must use the port of
// the listener that its side of the network can resolve:
//  - from another container: the listener advertised under the service's
//    name (or hostname / container_name / alias), else one that is not
//    localhost, else 9092;
//  - from the Docker host (published mode): the localhost listener, through
//    the host port published for its container port (KAFKA_LISTENERS, else
//    the advertised port), else through its advertised port if that is
//    published; without a localhost listener, the internal listener's
//    container port through its published port (with a note).
#include <algorithm>

#include "compose/connection_refs.h"
#include "compose/image_family.h"
#include "compose/infer_support.h"
#include "util/strings.h"

namespace stackgate::compose::infer_detail {

namespace {

struct Listener {
  std::string name;  // PLAINTEXT, INTERNAL, ...
  std::string host;
  int port = 0;
};

std::vector<Listener> parse_listeners(const std::string& text) {
  std::vector<Listener> out;
  for (const std::string& item : util::split(text, ',')) {
    std::string_view s = util::trim(item);
    size_t scheme = s.find("://");
    if (scheme == std::string_view::npos) {
      continue;
    }
    std::string_view hostport = s.substr(scheme + 3);
    size_t colon = hostport.rfind(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    auto port = to_port(hostport.substr(colon + 1));
    if (!port) {
      continue;
    }
    std::string host(hostport.substr(0, colon));
    if (host.size() > 2 && host.front() == '[') {
      host = host.substr(1, host.size() - 2);
    }
    out.push_back(Listener{std::string(s.substr(0, scheme)), host, *port});
  }
  return out;
}

bool is_local(const std::string& host) { return is_local_host(host); }

// Where the advertised listeners are written: KAFKA_ADVERTISED_LISTENERS
// (Apache, Confluent, Bitnami images) or Redpanda's --advertise-kafka-addr.
struct Advertised {
  std::string value;
  std::string source;  // "KAFKA_ADVERTISED_LISTENERS from environment (compose.yaml:9:7)"
};

std::optional<Advertised> advertised(const Service& s) {
  if (auto hit = env(s, {"KAFKA_ADVERTISED_LISTENERS", "KAFKA_CFG_ADVERTISED_LISTENERS"})) {
    return Advertised{hit->value, from_env(*hit)};
  }
  if (auto flag = flag_value(s, {"--advertise-kafka-addr"})) {
    // "internal://redpanda:9092,external://localhost:19092" or "redpanda:9092".
    std::string value;
    for (const std::string& item : util::split(*flag, ',')) {
      std::string_view t = util::trim(item);
      value += std::string(value.empty() ? "" : ",") + (t.find("://") == std::string_view::npos ? "default://" : "") + std::string(t);
    }
    return Advertised{value, "--advertise-kafka-addr in command"};
  }
  return std::nullopt;
}

std::string describe(const Listener& l, const Advertised& hit) {
  return "advertised listener " + l.name + "://" + l.host + ":" + std::to_string(l.port) + " in " + hit.source;
}

}  // namespace

std::string kafka_listener_protocol(const Service& s, int port) {
  std::optional<Advertised> hit = advertised(s);
  std::string name;
  if (hit) {
    for (const Listener& l : parse_listeners(hit->value)) {
      if (l.port == port && !is_local(l.host)) name = l.name;
    }
  }
  if (name.empty()) {
    if (auto bound = env(s, {"KAFKA_LISTENERS", "KAFKA_CFG_LISTENERS"})) {
      for (const Listener& l : parse_listeners(bound->value)) {
        if (l.port == port) name = l.name;
      }
    }
  }
  if (name.empty()) return "";
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto map = env(s, {"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP"})) {
    for (const std::string& item : util::split(map->value, ',')) {
      std::string_view entry = util::trim(item);
      size_t colon = entry.find(':');
      if (colon == std::string_view::npos) continue;
      std::string key(entry.substr(0, colon));
      for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (key == upper) return std::string(util::trim(entry.substr(colon + 1)));
    }
  }
  // Kafka's default map names the four protocols after themselves.
  for (std::string_view p : {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}) {
    if (upper == p) return upper;
  }
  return "";
}

bool kafka_advertises_only_local(const Service& s) {
  std::optional<Advertised> hit = advertised(s);
  if (!hit) {
    // apache/kafka without configuration advertises localhost:9092; the
    // Confluent and Bitnami images need the variable to start at all.
    std::string repository = image_repository(s.image);
    return repository == "apache/kafka" || repository == "apache/kafka-native";
  }
  std::vector<Listener> listeners = parse_listeners(hit->value);
  return !listeners.empty() &&
         std::all_of(listeners.begin(), listeners.end(), [](const Listener& l) { return is_local(l.host); });
}

std::optional<Endpoint> kafka_endpoint(const Service& s, AddressMode mode, Provenance& provenance,
                                       std::vector<std::string>& notes, std::optional<int> client_port,
                                       const std::string& client_source) {
  std::optional<Advertised> hit = advertised(s);
  std::vector<Listener> listeners = hit ? parse_listeners(hit->value) : std::vector<Listener>{};

  // The listener other containers use: the one advertised under the
  // service's own name (or hostname / container_name / alias), else any
  // that is not local.
  const Listener* internal = nullptr;
  for (const Listener& l : listeners) {
    if (!internal && names_service(s, l.host)) {
      internal = &l;
    }
  }
  for (const Listener& l : listeners) {
    if (!internal && !is_local(l.host)) {
      internal = &l;
    }
  }

  if (mode == AddressMode::published) {
    const Listener* host_listener = nullptr;
    for (const Listener& l : listeners) {
      if (!host_listener && is_local(l.host)) {
        host_listener = &l;
      }
    }
    if (host_listener) {
      // The port the listener binds inside the container: from
      // KAFKA_LISTENERS under the same listener name, else the advertised one.
      int container_port = host_listener->port;
      if (auto bound = env(s, {"KAFKA_LISTENERS", "KAFKA_CFG_LISTENERS"})) {
        for (const Listener& l : parse_listeners(bound->value)) {
          if (l.name == host_listener->name) {
            container_port = l.port;
          }
        }
      }
      // Probe the host port published for that container port; failing
      // that, the advertised port itself if it is published.
      for (const PortMapping& p : s.ports) {
        if (p.target == container_port && p.published != 0 && p.protocol == "tcp") {
          provenance.emplace_back("port", describe(*host_listener, *hit));
          return endpoint(s, container_port, "kafka", mode, provenance, notes);
        }
      }
      for (const PortMapping& p : s.ports) {
        bool covers = p.published == host_listener->port ||
                      (p.published_end != 0 && p.published <= host_listener->port && host_listener->port <= p.published_end);
        if (covers && p.protocol == "tcp") {
          provenance.emplace_back("port", describe(*host_listener, *hit));
          provenance.emplace_back("host", "published on the Docker host: 127.0.0.1");
          return Endpoint{"127.0.0.1", host_listener->port};
        }
      }
      notes.push_back("service \"" + s.name + "\": Kafka advertises " + host_listener->host + ":" +
                      std::to_string(host_listener->port) + " for the host, but neither container port " +
                      std::to_string(container_port) + " nor host port " + std::to_string(host_listener->port) +
                      " is published");
      return std::nullopt;
    }
    if (internal) {
      // No listener for the host: reach the internal one through its
      // published port; clients will be redirected to a name only other
      // containers resolve.
      notes.push_back("service \"" + s.name + "\": Kafka advertises no listener for the host (only " +
                      internal->host + ":" + std::to_string(internal->port) +
                      "): a client on the host is redirected to a name it may not resolve");
    }
  }
  int port = 9092;
  if (client_port && mode == AddressMode::service) {
    // The port a client of the broker bootstraps from: exactly what it uses.
    for (const Listener& l : listeners) {
      if (l.port == *client_port && !is_local(l.host)) {
        provenance.emplace_back("port", describe(l, *hit) + ", used by " + client_source);
        return endpoint(s, l.port, "kafka", mode, provenance, notes);
      }
    }
    provenance.emplace_back("port", client_source);
    return endpoint(s, *client_port, "kafka", mode, provenance, notes);
  }
  if (internal) {
    port = internal->port;
    provenance.emplace_back("port", describe(*internal, *hit));
  } else if (auto legacy = env(s, {"KAFKA_ADVERTISED_PORT"}); legacy && to_port(legacy->value)) {
    port = *to_port(legacy->value);
    provenance.emplace_back("port", from_env(*legacy));
  } else {
    provenance.emplace_back("port", hit ? "no listener for other containers in " + hit->source + ": default 9092"
                                        : "image default 9092");
  }
  return endpoint(s, port, "kafka", mode, provenance, notes);
}

}  // namespace stackgate::compose::infer_detail
