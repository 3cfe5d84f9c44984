// Typed probes per family. Every value is taken from the strongest source
// that has it, in this order:
//   1. a client's connection string naming the service (DATABASE_URL of the
//      backend: exactly the host, port, user and database it will use);
//   2. the server's documented environment and command line
//      (POSTGRES_USER, --requirepass, KAFKA_ADVERTISED_LISTENERS...);
//   3. the service's own healthcheck (pg_isready -U app -d app);
//   4. the image's defaults.
// Each value carries its provenance; passwords are never in it, only where
// they came from.
#include <algorithm>

#include "compose/infer_support.h"
#include "util/strings.h"

namespace stackgate::compose::infer_detail {

namespace {


// The first source that has a value, with its provenance line.
class Picker {
 public:
  Picker(const Service& s, const Hints& hints, Provenance& prov) : m_s(s), m_hints(hints), m_prov(prov) {}

  // ref field -> environment names -> healthcheck field -> fallback.
  std::string pick(const char* label, const std::optional<std::string>& from_ref,
                   std::initializer_list<std::string_view> names, const std::optional<std::string>& from_health,
                   const std::string& fallback, const std::string& fallback_reason) {
    if (from_ref && !from_ref->empty()) {
      m_prov.emplace_back(label, ref_source(m_hints));
      return *from_ref;
    }
    if (auto hit = env(m_s, names)) {
      m_prov.emplace_back(label, from_env(*hit));
      return hit->value;
    }
    if (from_health && !from_health->empty()) {
      m_prov.emplace_back(label, "healthcheck (" + m_hints.health->program + ")");
      return *from_health;
    }
    if (!fallback_reason.empty()) m_prov.emplace_back(label, fallback_reason);
    return fallback;
  }

  int port(std::initializer_list<std::string_view> names, std::initializer_list<std::string_view> flags, int fallback,
           bool use_ref = true, bool use_health = true) {
    if (use_ref && m_hints.ref && m_hints.ref->port) {
      m_prov.emplace_back("port", ref_source(m_hints));
      return *m_hints.ref->port;
    }
    if (auto hit = env(m_s, names)) {
      if (auto p = to_port(hit->value)) {
        m_prov.emplace_back("port", from_env(*hit));
        return *p;
      }
    }
    if (flags.size() > 0) {
      if (auto value = flag_value(m_s, flags)) {
        if (auto p = to_port(*value)) {
          m_prov.emplace_back("port", std::string(*flags.begin()) + " in command");
          return *p;
        }
      }
    }
    if (use_health && m_hints.health && m_hints.health->port) {
      m_prov.emplace_back("port", "healthcheck (" + m_hints.health->program + ")");
      return *m_hints.health->port;
    }
    m_prov.emplace_back("port", "image default " + std::to_string(fallback));
    return fallback;
  }

 private:
  const Service& m_s;
  const Hints& m_hints;
  Provenance& m_prov;
};

const ConnectionRef* ref_of(const Hints& h) { return h.ref; }
std::optional<std::string> ref_db(const Hints& h) { return h.ref ? h.ref->database : std::nullopt; }
std::optional<std::string> hc_db(const Hints& h) { return h.health ? h.health->database : std::nullopt; }

std::string userinfo(const std::string& user, const std::string& password) {
  std::string out = percent_encode(user);
  if (!password.empty()) {
    out += ":" + percent_encode(password);
  }
  return out + "@";
}

std::string authority(const Endpoint& e) { return e.host + ":" + std::to_string(e.port); }

// The user and password a probe logs in with. A client's user is used only
// with a password known for it (from the client, or the server's own when
// the users are the same); otherwise the server's configured user, whose
// password the file gives.
struct Login {
  std::string user;
  std::string password;
  std::optional<EnvHit> password_file;
};

Login login(const Service& s, const Hints& hints, Provenance& prov, std::initializer_list<std::string_view> user_names,
            std::initializer_list<std::string_view> password_names, std::initializer_list<std::string_view> file_names,
            const std::string& default_user, const std::string& default_password = "",
            const std::string& default_reason = "") {
  Login out;
  std::optional<EnvHit> env_user = env(s, user_names);
  std::optional<EnvHit> env_password = env(s, password_names);
  std::optional<EnvHit> env_file = env(s, file_names);
  std::string server_user = env_user ? env_user->value : default_user;
  const ConnectionRef* ref = ref_of(hints);
  if (ref && ref->user && !ref->user->empty()) {
    bool same_user = *ref->user == server_user;
    if (ref->password) {
      out.user = *ref->user;
      out.password = *ref->password;
      prov.emplace_back("user", ref_source(hints));
      prov.emplace_back("password", ref->password_variable.empty()
                                        ? ref_source(hints)
                                        : ref->password_variable + " of service " + hints.ref_owner);
      return out;
    }
    if (same_user || (!env_password && !env_file && default_password.empty())) {
      out.user = *ref->user;
      prov.emplace_back("user", ref_source(hints));
      if (!same_user) return out;  // no password configured for it: trust or peer auth
    }
  }
  if (out.user.empty()) {
    if (env_user) {
      out.user = env_user->value;
      prov.emplace_back("user", from_env(*env_user));
    } else if (hints.health && hints.health->user && !env_password) {
      out.user = *hints.health->user;
      prov.emplace_back("user", "healthcheck (" + hints.health->program + ")");
    } else {
      out.user = default_user;
      prov.emplace_back("user", default_reason.empty() ? "image default " + default_user : default_reason);
    }
  }
  if (env_file) {
    out.password_file = env_file;
    prov.emplace_back("password", from_env(*env_file));
  } else if (env_password) {
    out.password = env_password->value;
    prov.emplace_back("password", from_env(*env_password));
  } else if (hints.health && hints.health->password) {
    out.password = *hints.health->password;
    prov.emplace_back("password", "healthcheck (" + hints.health->program + ")");
  } else if (!default_password.empty()) {
    out.password = default_password;
    prov.emplace_back("password", "image default");
  }
  return out;
}

std::string with_file(std::string url, const Login& l) {
  if (l.password_file) url += "?password_file=" + percent_encode(l.password_file->value);
  return url;
}

std::optional<InferredProbe> postgres(const Service& s, const Hints& hints, AddressMode mode,
                                      std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  Picker picker(s, hints, prov);
  bool bitnami = is_bitnami(s.image) || env(s, {"POSTGRESQL_USERNAME", "POSTGRESQL_PASSWORD", "POSTGRESQL_DATABASE"});
  Login l = bitnami ? login(s, hints, prov, {"POSTGRESQL_USERNAME", "POSTGRES_USER"},
                            {"POSTGRESQL_PASSWORD", "POSTGRES_PASSWORD"},
                            {"POSTGRESQL_PASSWORD_FILE", "POSTGRES_PASSWORD_FILE"}, "postgres")
                    : login(s, hints, prov, {"POSTGRES_USER"}, {"POSTGRES_PASSWORD"}, {"POSTGRES_PASSWORD_FILE"},
                            "postgres");
  // The official image creates POSTGRES_DB, defaulting to the user.
  std::string db = bitnami ? picker.pick("database", ref_db(hints), {"POSTGRESQL_DATABASE", "POSTGRES_DB"},
                                         hc_db(hints), "postgres", "image default postgres")
                           : picker.pick("database", ref_db(hints), {"POSTGRES_DB"}, hc_db(hints),
                                         env(s, {"POSTGRES_USER"}) ? env(s, {"POSTGRES_USER"})->value : "postgres",
                                         "defaults to the user");
  int port = bitnami ? picker.port({"POSTGRESQL_PORT_NUMBER", "PGPORT"}, {}, 5432)
                     : picker.port({"PGPORT"}, {"-p", "--port"}, 5432);
  auto at = endpoint(s, port, "postgres", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = with_file("postgres://" + userinfo(l.user, l.password_file ? "" : l.password) + authority(*at) + "/" +
                            percent_encode(db),
                        l);
  return probe;
}

std::optional<InferredProbe> redis(const Service& s, const Hints& hints, AddressMode mode,
                                   std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  Picker picker(s, hints, prov);
  bool bitnami = is_bitnami(s.image);
  std::string password;
  std::string user;
  std::optional<EnvHit> password_file;
  const ConnectionRef* ref = ref_of(hints);
  if (ref && ref->password && !ref->password->empty()) {
    password = *ref->password;
    prov.emplace_back("password", ref->password_variable.empty()
                                      ? ref_source(hints)
                                      : ref->password_variable + " of service " + hints.ref_owner);
    if (ref->user && !ref->user->empty() && *ref->user != "default") {
      user = *ref->user;
      prov.emplace_back("user", ref_source(hints));
    }
  } else if (auto from_command = flag_value(s, {"--requirepass"}); from_command && !from_command->starts_with('$')) {
    password = *from_command;
    prov.emplace_back("password", "--requirepass in command");
  } else if (auto args = env(s, {"REDIS_ARGS"}); args && args->value.find("--requirepass") != std::string::npos) {
    std::string rest = args->value.substr(args->value.find("--requirepass") + 13);
    auto words = util::split(std::string(util::trim(rest)), ' ');
    if (!words.empty() && !words[0].empty()) {
      password = words[0];
      prov.emplace_back("password", "--requirepass in " + from_env(*args));
    }
  } else if (bitnami || env(s, {"REDIS_PASSWORD", "VALKEY_PASSWORD"})) {
    auto empty_ok = env(s, {"ALLOW_EMPTY_PASSWORD"});
    if (bitnami && !(empty_ok && util::to_lower(empty_ok->value) == "yes")) {
      if (auto hit = env(s, {"REDIS_PASSWORD", "VALKEY_PASSWORD"})) {
        password = hit->value;
        prov.emplace_back("password", from_env(*hit));
      }
      password_file = env(s, {"REDIS_PASSWORD_FILE", "VALKEY_PASSWORD_FILE"});
    }
  }
  if (password.empty() && !password_file && hints.health && hints.health->password) {
    password = *hints.health->password;
    prov.emplace_back("password", "healthcheck (" + hints.health->program + ")");
  }
  int port = bitnami ? picker.port({"REDIS_PORT_NUMBER", "VALKEY_PORT_NUMBER"}, {"--port"}, 6379)
                     : picker.port({}, {"--port"}, 6379);
  auto at = endpoint(s, port, "redis", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  std::string auth;
  if (!password.empty() && !password_file) auth = percent_encode(user) + ":" + percent_encode(password) + "@";
  probe.url = "redis://" + auth + authority(*at);
  if (password_file) {
    prov.emplace_back("password", from_env(*password_file));
    probe.url += "?password_file=" + percent_encode(password_file->value);
  }
  return probe;
}

std::optional<InferredProbe> clickhouse(const Service& s, const Hints& hints, AddressMode mode,
                                        std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  Picker picker(s, hints, prov);
  bool bitnami = is_bitnami(s.image);
  Login l = bitnami ? login(s, hints, prov, {"CLICKHOUSE_ADMIN_USER"}, {"CLICKHOUSE_ADMIN_PASSWORD"}, {}, "default",
                            "", "image default \"default\"")
                    : login(s, hints, prov, {"CLICKHOUSE_USER"}, {"CLICKHOUSE_PASSWORD"}, {}, "default", "",
                            "image default \"default\"");
  std::string db = picker.pick("database", ref_db(hints), {"CLICKHOUSE_DB"}, std::nullopt, "default",
                               "image default \"default\"");
  // Only a client speaking HTTP says which HTTP port to use; a native
  // (9000) connection string gives credentials, not the port.
  const ConnectionRef* ref = ref_of(hints);
  bool http_ref = ref && ref->port &&
                  (ref->scheme.starts_with("http") || ref->scheme == "clickhouse+http" || *ref->port == 8123 ||
                   *ref->port == 8443);
  int port = picker.port({"CLICKHOUSE_HTTP_PORT"}, {}, 8123, http_ref, false);
  auto at = endpoint(s, port, "clickhouse http", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "clickhouse://" + userinfo(l.user, l.password) + authority(*at) + "/" + percent_encode(db);
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

std::optional<InferredProbe> zookeeper(const Service& s, const Hints& hints, AddressMode mode,
                                       std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  Picker picker(s, hints, prov);
  int port = 0;
  if (hints.ref && hints.ref->port) {
    port = *hints.ref->port;
    prov.emplace_back("port", ref_source(hints));
  } else if (auto from_cfg = zoo_cfg_client_port(s)) {
    port = *from_cfg;
    prov.emplace_back("port", "clientPort in " + from_env(*env(s, {"ZOO_CFG_EXTRA"})));
  } else {
    bool keeper = image_repository(s.image).find("clickhouse-keeper") != std::string::npos;
    port = picker.port({"ZOO_PORT_NUMBER", "ZOOKEEPER_CLIENT_PORT", "ZOO_PORT"}, {}, keeper ? 9181 : 2181, false);
  }
  auto at = endpoint(s, port, "zookeeper", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "zk://" + authority(*at);
  return probe;
}

std::optional<InferredProbe> mqtt(const Service& s, const Hints& hints, AddressMode mode,
                                  std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  Picker picker(s, hints, prov);
  std::string auth;
  const ConnectionRef* ref = ref_of(hints);
  if (ref && ref->user && !ref->user->empty()) {
    auth = userinfo(*ref->user, ref->password.value_or(""));
    prov.emplace_back("user", ref_source(hints));
  } else if (hints.health && hints.health->user) {
    auth = userinfo(*hints.health->user, hints.health->password.value_or(""));
    prov.emplace_back("user", "healthcheck (" + hints.health->program + ")");
  }
  int port = picker.port({}, {}, 1883);
  auto at = endpoint(s, port, "mqtt", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "mqtt://" + auth + authority(*at);
  return probe;
}

std::optional<InferredProbe> kafka(const Service& s, const Hints& hints, AddressMode mode,
                                   std::vector<std::string>& notes) {
  InferredProbe probe;
  std::optional<int> client_port = hints.ref ? hints.ref->port : std::nullopt;
  if (!client_port && hints.health && hints.health->port) client_port = hints.health->port;
  std::string source = hints.ref && hints.ref->port ? ref_source(hints)
                                                    : (client_port ? "healthcheck (" + hints.health->program + ")" : "");
  auto at = kafka_endpoint(s, mode, probe.provenance, notes, client_port, source);
  if (!at) {
    return std::nullopt;
  }
  std::string protocol = mode == AddressMode::service ? kafka_listener_protocol(s, at->port) : "";
  if (!protocol.empty() && protocol != "PLAINTEXT") {
    // Credentials and trust live in JAAS files and keystores, not in the
    // compose file: a plaintext client could never pass.
    notes.push_back("listener on port " + std::to_string(at->port) + " speaks " + protocol +
                    ": probed by TCP only (give x-stackgate.probes a kafka:// URL with rdkafka.security.protocol "
                    "and its credentials)");
    probe.url = "tcp://" + authority(*at);
    return probe;
  }
  probe.url = "kafka://" + authority(*at);
  return probe;
}

std::optional<InferredProbe> mysql(const Service& s, const Hints& hints, AddressMode mode,
                                   std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  Picker picker(s, hints, prov);
  // The application user when the file creates one, else root.
  Login l;
  auto app_user = env(s, {"MYSQL_USER", "MARIADB_USER"});
  auto app_secret = env(s, {"MYSQL_PASSWORD", "MARIADB_PASSWORD", "MYSQL_PASSWORD_FILE", "MARIADB_PASSWORD_FILE"});
  bool empty_root = env(s, {"MYSQL_ALLOW_EMPTY_PASSWORD", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "ALLOW_EMPTY_PASSWORD"})
                        .has_value();
  auto root_secret = env(s, {"MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD_FILE",
                             "MARIADB_ROOT_PASSWORD_FILE"});
  if ((hints.ref && hints.ref->user && hints.ref->password) || (app_user && app_secret)) {
    l = login(s, hints, prov, {"MYSQL_USER", "MARIADB_USER"}, {"MYSQL_PASSWORD", "MARIADB_PASSWORD"},
              {"MYSQL_PASSWORD_FILE", "MARIADB_PASSWORD_FILE"}, "root");
  } else if (root_secret || empty_root || (hints.health && hints.health->password)) {
    l = login(s, hints, prov, {"MYSQL_ROOT_USER", "MARIADB_ROOT_USER"}, {"MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD"},
              {"MYSQL_ROOT_PASSWORD_FILE", "MARIADB_ROOT_PASSWORD_FILE"}, "root");
  } else {
    notes.push_back("service \"" + s.name +
                    "\": no MySQL/MariaDB credentials in the file (random root password?): probed by TCP only; "
                    "add x-stackgate.probes with a user to check logins");
    return std::nullopt;
  }
  std::string db = picker.pick("database", ref_db(hints), {"MYSQL_DATABASE", "MARIADB_DATABASE"}, std::nullopt, "", "");
  int port = picker.port({"MYSQL_TCP_PORT", "MARIADB_PORT_NUMBER", "MYSQL_PORT_NUMBER"}, {"--port", "-P"}, 3306);
  auto at = endpoint(s, port, "mysql", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = with_file("mysql://" + userinfo(l.user, l.password_file ? "" : l.password) + authority(*at) + "/" +
                            percent_encode(db),
                        l);
  return probe;
}

std::optional<InferredProbe> rabbitmq(const Service& s, const Hints& hints, AddressMode mode,
                                      std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  Picker picker(s, hints, prov);
  bool bitnami = is_bitnami(s.image);
  Login l = bitnami ? login(s, hints, prov, {"RABBITMQ_USERNAME"}, {"RABBITMQ_PASSWORD"}, {}, "user", "bitnami")
                    : login(s, hints, prov, {"RABBITMQ_DEFAULT_USER"}, {"RABBITMQ_DEFAULT_PASS"},
                            {"RABBITMQ_DEFAULT_PASS_FILE"}, "guest", "guest");
  std::string vhost = picker.pick("vhost", ref_db(hints), {"RABBITMQ_DEFAULT_VHOST", "RABBITMQ_VHOST"}, std::nullopt,
                                  "/", "default vhost /");
  int port = picker.port({"RABBITMQ_NODE_PORT", "RABBITMQ_NODE_PORT_NUMBER"}, {}, 5672);
  auto at = endpoint(s, port, "amqp", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = with_file("amqp://" + userinfo(l.user, l.password_file ? "" : l.password) + authority(*at) +
                            (vhost == "/" ? "" : "/" + percent_encode(vhost)),
                        l);
  return probe;
}

// Elasticsearch 8 and OpenSearch 2 serve HTTPS with a generated certificate
// and demand a login unless security is switched off; without a known
// password a probe could never pass.
std::optional<InferredProbe> elasticsearch(const Service& s, const Hints& hints, AddressMode mode,
                                           std::vector<std::string>& notes) {
  InferredProbe probe;
  Provenance& prov = probe.provenance;
  Picker picker(s, hints, prov);
  std::string repository = image_repository(s.image);
  bool opensearch = repository.find("opensearch") != std::string::npos;
  auto off = [&](std::initializer_list<std::string_view> names, std::string_view value) {
    auto hit = env(s, names);
    return hit && util::to_lower(hit->value) == value;
  };
  std::string tag = s.image.find(':') != std::string::npos ? s.image.substr(s.image.rfind(':') + 1) : "";
  bool security_off = opensearch ? (off({"DISABLE_SECURITY_PLUGIN"}, "true") || off({"plugins.security.disabled"}, "true"))
                                 : (off({"xpack.security.enabled", "XPACK_SECURITY_ENABLED"}, "false") ||
                                    (tag.starts_with("7.") || tag.starts_with("6.")));
  const ConnectionRef* ref = ref_of(hints);
  bool ref_http = ref && ref->scheme == "http";
  // Security on but HTTP without TLS: the elastic user's password is in the file.
  auto password = env(s, {"ELASTIC_PASSWORD"});
  bool plain_http = off({"xpack.security.http.ssl.enabled", "XPACK_SECURITY_HTTP_SSL_ENABLED"}, "false");
  if (!security_off && !ref_http && plain_http && password && !opensearch) {
    InferredProbe probe;
    probe.provenance.emplace_back("user", "the built-in elastic user");
    probe.provenance.emplace_back("password", from_env(*password));
    Picker p2(s, hints, probe.provenance);
    int port = p2.port({}, {}, 9200);
    auto at = endpoint(s, port, "elasticsearch", mode, probe.provenance, notes);
    if (!at) return std::nullopt;
    probe.url = "elasticsearch://" + userinfo("elastic", password->value) + authority(*at);
    return probe;
  }
  // Security on with its generated certificate: HTTPS, the certificate not
  // verified (the file cannot say which CA signed it), and the built-in
  // superuser whose password the file sets.
  auto admin = opensearch ? env(s, {"OPENSEARCH_INITIAL_ADMIN_PASSWORD"}) : password;
  if (!security_off && !ref_http && admin) {
    InferredProbe probe;
    probe.provenance.emplace_back("user", opensearch ? "the built-in admin user" : "the built-in elastic user");
    probe.provenance.emplace_back("password", from_env(*admin));
    probe.provenance.emplace_back("tls", "security is on: HTTPS with the image's own certificate, not verified");
    Picker p2(s, hints, probe.provenance);
    int port = p2.port({}, {}, 9200);
    auto at = endpoint(s, port, "elasticsearch", mode, probe.provenance, notes);
    if (!at) return std::nullopt;
    probe.url = "elasticsearch://" + userinfo(opensearch ? "admin" : "elastic", admin->value) + authority(*at) +
                "?tls=1&insecure=1";
    return probe;
  }
  if (!security_off && !ref_http) {
    notes.push_back("service \"" + s.name + "\": " + std::string(opensearch ? "OpenSearch" : "Elasticsearch") +
                    " with security on and no password in the file: probed by TCP only (set "
                    "x-stackgate.probes to check cluster health)");
    return std::nullopt;
  }
  std::string auth;
  if (ref && ref->user && ref->password) {
    auth = userinfo(*ref->user, *ref->password);
    prov.emplace_back("user", ref_source(hints));
  }
  int port = picker.port({"ELASTICSEARCH_PORT_NUMBER", "OPENSEARCH_PORT_NUMBER"}, {}, 9200);
  auto at = endpoint(s, port, "elasticsearch", mode, prov, notes);
  if (!at) {
    return std::nullopt;
  }
  probe.url = "elasticsearch://" + auth + authority(*at);
  return probe;
}

}  // namespace

std::optional<InferredProbe> infer_typed(const Service& service, ImageFamily family, const Hints& hints,
                                         AddressMode mode, std::vector<std::string>& notes) {
  switch (family) {
    case ImageFamily::unknown: return std::nullopt;
    case ImageFamily::postgres: return postgres(service, hints, mode, notes);
    case ImageFamily::redis: return redis(service, hints, mode, notes);
    case ImageFamily::kafka: return kafka(service, hints, mode, notes);
    case ImageFamily::clickhouse: return clickhouse(service, hints, mode, notes);
    case ImageFamily::zookeeper: return zookeeper(service, hints, mode, notes);
    case ImageFamily::mqtt: return mqtt(service, hints, mode, notes);
    case ImageFamily::mysql: return mysql(service, hints, mode, notes);
    case ImageFamily::rabbitmq: return rabbitmq(service, hints, mode, notes);
    case ImageFamily::elasticsearch: return elasticsearch(service, hints, mode, notes);
  }
  return std::nullopt;
}

}  // namespace stackgate::compose::infer_detail
