// Typed probes from what an image's documented environment says: users,
// passwords, databases and ports of Postgres, Redis, Kafka, ClickHouse,
// ZooKeeper and MQTT brokers.
#include "compose/image_family.h"
#include "compose/infer_support.h"
#include "util/strings.h"

namespace stackgate::compose::infer_detail {

namespace {

// A value from the environment, else a default, with its provenance line.
std::string pick(const Service& s, std::initializer_list<std::string_view> names, const std::string& fallback,
                 const std::string& fallback_reason, const char* label, Provenance& provenance) {
  if (auto hit = env(s, names)) {
    provenance.emplace_back(label, from_env(*hit));
    return hit->value;
  }
  if (!fallback_reason.empty()) {
    provenance.emplace_back(label, fallback_reason);
  }
  return fallback;
}

int pick_port(const Service& s, std::initializer_list<std::string_view> names,
              std::initializer_list<std::string_view> flags, int fallback, Provenance& provenance) {
  if (auto hit = env(s, names)) {
    if (auto port = to_port(hit->value)) {
      provenance.emplace_back("port", from_env(*hit));
      return *port;
    }
  }
  if (flags.size() > 0) {
    if (auto value = flag_value(s, flags)) {
      if (auto port = to_port(*value)) {
        provenance.emplace_back("port", std::string(*flags.begin()) + " in command");
        return *port;
      }
    }
  }
  provenance.emplace_back("port", "image default " + std::to_string(fallback));
  return fallback;
}

std::string userinfo(const std::string& user, const std::string& password) {
  std::string out = percent_encode(user);
  if (!password.empty()) {
    out += ":" + percent_encode(password);
  }
  return out + "@";
}

std::string authority(const Endpoint& e) { return e.host + ":" + std::to_string(e.port); }

std::optional<InferredProbe> postgres(const Service& s, bool bitnami, AddressMode mode, std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  std::string user, password, db;
  std::optional<EnvHit> password_file;
  int port = 0;
  if (bitnami) {
    user = pick(s, {"POSTGRESQL_USERNAME", "POSTGRES_USER"}, "postgres", "image default postgres", "user", prov);
    password = pick(s, {"POSTGRESQL_PASSWORD", "POSTGRES_PASSWORD"}, "", "", "password", prov);
    password_file = env(s, {"POSTGRESQL_PASSWORD_FILE", "POSTGRES_PASSWORD_FILE"});
    db = pick(s, {"POSTGRESQL_DATABASE", "POSTGRES_DB"}, "postgres", "image default postgres", "database", prov);
    port = pick_port(s, {"POSTGRESQL_PORT_NUMBER"}, {}, 5432, prov);
  } else {
    user = pick(s, {"POSTGRES_USER"}, "postgres", "image default postgres", "user", prov);
    password = pick(s, {"POSTGRES_PASSWORD"}, "", "", "password", prov);
    password_file = env(s, {"POSTGRES_PASSWORD_FILE"});
    db = pick(s, {"POSTGRES_DB"}, user, "defaults to the user", "database", prov);
    port = pick_port(s, {"PGPORT"}, {"-p", "--port"}, 5432, prov);
  }
  auto at = endpoint(s, port, "postgres", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "postgres://" + userinfo(user, password_file ? "" : password) + authority(*at) + "/" + percent_encode(db);
  if (password_file) {
    prov.emplace_back("password", from_env(*password_file));
    probe.url += "?password_file=" + percent_encode(password_file->value);
  }
  return probe;
}

std::optional<InferredProbe> redis(const Service& s, bool bitnami, AddressMode mode, std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  std::string password;
  std::optional<EnvHit> password_file;
  if (auto from_command = flag_value(s, {"--requirepass"}); from_command && !from_command->starts_with('$')) {
    password = *from_command;
    prov.emplace_back("password", "--requirepass in command");
  } else if (bitnami) {
    auto empty_ok = env(s, {"ALLOW_EMPTY_PASSWORD"});
    if (!(empty_ok && util::to_lower(empty_ok->value) == "yes")) {
      password = pick(s, {"REDIS_PASSWORD"}, "", "", "password", prov);
      password_file = env(s, {"REDIS_PASSWORD_FILE"});
    }
  }
  int port = bitnami ? pick_port(s, {"REDIS_PORT_NUMBER"}, {"--port"}, 6379, prov)
                     : pick_port(s, {}, {"--port"}, 6379, prov);
  auto at = endpoint(s, port, "redis", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "redis://" + (password.empty() || password_file ? "" : ":" + percent_encode(password) + "@") + authority(*at);
  if (password_file) {
    prov.emplace_back("password", from_env(*password_file));
    probe.url += "?password_file=" + percent_encode(password_file->value);
  }
  return probe;
}

std::optional<InferredProbe> clickhouse(const Service& s, AddressMode mode, std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  std::string user = pick(s, {"CLICKHOUSE_USER"}, "default", "image default \"default\"", "user", prov);
  std::string password = pick(s, {"CLICKHOUSE_PASSWORD"}, "", "", "password", prov);
  std::string db = pick(s, {"CLICKHOUSE_DB"}, "default", "image default \"default\"", "database", prov);
  prov.emplace_back("port", "image default 8123 (HTTP interface)");
  auto at = endpoint(s, 8123, "clickhouse http", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "clickhouse://" + userinfo(user, password) + authority(*at) + "/" + percent_encode(db);
  return probe;
}

std::optional<int> zoo_cfg_client_port(const Service& s) {
  auto extra = env(s, {"ZOO_CFG_EXTRA"});
  if (!extra) {
    return std::nullopt;
  }
  size_t at = extra->value.find("clientPort=");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  std::string rest = extra->value.substr(at + 11);
  return to_port(rest.substr(0, rest.find_first_of(" \t")));
}

std::optional<InferredProbe> zookeeper(const Service& s, AddressMode mode, std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  int port = 0;
  if (auto from_cfg = zoo_cfg_client_port(s)) {
    port = *from_cfg;
    prov.emplace_back("port", "clientPort in " + from_env(*env(s, {"ZOO_CFG_EXTRA"})));
  } else {
    port = pick_port(s, {"ZOO_PORT_NUMBER", "ZOOKEEPER_CLIENT_PORT", "ZOO_PORT"}, {}, 2181, prov);
  }
  auto at = endpoint(s, port, "zookeeper", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "zk://" + authority(*at);
  return probe;
}

std::optional<InferredProbe> mqtt(const Service& s, AddressMode mode, std::vector<std::string>& notes) {
  InferredProbe probe;
  probe.provenance.emplace_back("port", "image default 1883");
  auto at = endpoint(s, 1883, "mqtt", mode, probe.provenance, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "mqtt://" + authority(*at);
  return probe;
}

std::optional<InferredProbe> kafka(const Service& s, AddressMode mode, std::vector<std::string>& notes) {
  InferredProbe probe;
  auto at = kafka_endpoint(s, mode, probe.provenance, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "kafka://" + authority(*at);
  return probe;
}

}  // namespace

std::optional<InferredProbe> infer_from_image(const Service& service, AddressMode mode, std::vector<std::string>& notes) {
  ImageFamily family = image_family(service.image);
  std::optional<InferredProbe> probe;
  switch (family) {
    case ImageFamily::unknown: return std::nullopt;
    case ImageFamily::postgres: probe = postgres(service, false, mode, notes); break;
    case ImageFamily::bitnami_postgres: probe = postgres(service, true, mode, notes); break;
    case ImageFamily::redis: probe = redis(service, false, mode, notes); break;
    case ImageFamily::bitnami_redis: probe = redis(service, true, mode, notes); break;
    case ImageFamily::kafka: probe = kafka(service, mode, notes); break;
    case ImageFamily::clickhouse: probe = clickhouse(service, mode, notes); break;
    case ImageFamily::zookeeper: probe = zookeeper(service, mode, notes); break;
    case ImageFamily::mqtt: probe = mqtt(service, mode, notes); break;
  }
  if (probe) {
    probe->kind = "image";
    probe->where = service.where;
    probe->provenance.insert(probe->provenance.begin(), {"image", service.image + " is " + to_string(family)});
  }
  return probe;
}

}  // namespace stackgate::compose::infer_detail
