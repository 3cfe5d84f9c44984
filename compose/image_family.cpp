#include "compose/image_family.h"

#include <array>
#include <vector>

#include "util/strings.h"

namespace stackgate::compose {

namespace {

using W = std::string_view;

// --- postgres ---------------------------------------------------------------
constexpr W k_pg_images[] = {"postgres", "postgis/postgis", "timescale/timescaledb", "timescale/timescaledb-ha",
                             "pgvector/pgvector", "ankane/pgvector", "supabase/postgres", "bitnami/postgresql",
                             "bitnami/postgresql-repmgr", "tensorchord/pgvecto-rs", "citusdata/citus",
                             "paradedb/paradedb", "apache/age", "crunchydata/crunchy-postgres"};
constexpr W k_pg_words[] = {"postgres", "postgresql", "postgis", "pgvector", "pgvecto", "timescaledb", "citus",
                            "paradedb", "vectorchord"};
constexpr W k_pg_server_env[] = {"POSTGRES_INITDB_ARGS", "POSTGRES_INITDB_WALDIR", "POSTGRES_HOST_AUTH_METHOD",
                                 "PGDATA", "POSTGRESQL_POSTGRES_PASSWORD", "POSTGRESQL_REPLICATION_MODE",
                                 "POSTGRESQL_PORT_NUMBER", "POSTGRESQL_DATA_DIR"};
constexpr W k_pg_shared_env[] = {"POSTGRES_PASSWORD",   "POSTGRES_USER",       "POSTGRES_DB",
                                 "POSTGRES_PASSWORD_FILE", "POSTGRESQL_PASSWORD", "POSTGRESQL_USERNAME",
                                 "POSTGRESQL_DATABASE"};
constexpr W k_pg_server[] = {"postgres"};
constexpr W k_pg_tools[] = {"psql", "pg_isready", "pg_dump", "pg_restore", "pg_dumpall", "createdb", "dropdb",
                            "pg_basebackup"};
constexpr W k_pg_schemes[] = {"postgres", "postgresql", "pgsql", "postgis", "timescaledb"};
constexpr W k_pg_vars[] = {"POSTGRES", "POSTGRESQL", "PG", "PGSQL", "PSQL"};

// --- redis ------------------------------------------------------------------
constexpr W k_redis_images[] = {"redis", "redis/redis-stack*", "valkey/valkey", "valkey", "eqalpha/keydb",
                                "bitnami/redis", "bitnami/valkey", "dragonflydb/dragonfly", "redislabs/redismod",
                                "redislabs/rejson", "redislabs/redisearch"};
constexpr W k_redis_words[] = {"redis", "valkey", "keydb", "dragonfly", "dragonflydb", "redismod", "rejson",
                               "redisearch"};
constexpr W k_redis_server_env[] = {"REDIS_ARGS", "REDIS_REPLICATION_MODE", "REDIS_AOF_ENABLED", "REDIS_PORT_NUMBER",
                                    "REDIS_DISABLE_COMMANDS", "REDIS_IO_THREADS", "REDIS_EXTRA_FLAGS",
                                    "VALKEY_EXTRA_FLAGS", "VALKEY_PORT_NUMBER", "VALKEY_PASSWORD"};
constexpr W k_redis_shared_env[] = {"REDIS_PASSWORD", "REDIS_PASSWORD_FILE"};
constexpr W k_redis_server[] = {"redis-server", "valkey-server", "keydb-server", "dragonfly", "redis-stack-server"};
constexpr W k_redis_tools[] = {"redis-cli", "valkey-cli", "keydb-cli"};
constexpr int k_redis_peer[] = {16379, 26379};
constexpr W k_redis_schemes[] = {"redis", "rediss", "valkey", "valkeys", "redis-socket"};
constexpr W k_redis_vars[] = {"REDIS", "VALKEY", "KEYDB", "DRAGONFLY"};

// --- kafka ------------------------------------------------------------------
constexpr W k_kafka_images[] = {"apache/kafka",     "apache/kafka-native", "bitnami/kafka", "confluentinc/cp-kafka",
                                "confluentinc/cp-server", "wurstmeister/kafka", "redpandadata/redpanda",
                                "vectorized/redpanda", "ubuntu/kafka"};
constexpr W k_kafka_words[] = {"kafka", "redpanda"};
constexpr W k_kafka_server_env[] = {
    "KAFKA_ADVERTISED_LISTENERS",      "KAFKA_CFG_ADVERTISED_LISTENERS", "KAFKA_BROKER_ID",
    "KAFKA_CFG_BROKER_ID",             "KAFKA_NODE_ID",                  "KAFKA_CFG_NODE_ID",
    "KAFKA_PROCESS_ROLES",             "KAFKA_CFG_PROCESS_ROLES",        "KAFKA_CONTROLLER_QUORUM_VOTERS",
    "KAFKA_CFG_CONTROLLER_QUORUM_VOTERS", "KAFKA_LISTENERS",             "KAFKA_CFG_LISTENERS",
    "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP",
    "KAFKA_ZOOKEEPER_CONNECT",         "KAFKA_CFG_ZOOKEEPER_CONNECT",    "KAFKA_INTER_BROKER_LISTENER_NAME",
    "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_KRAFT_CLUSTER_ID",  "KAFKA_LOG_DIRS",
    "KAFKA_CFG_LOG_DIRS",              "KAFKA_ADVERTISED_HOST_NAME",     "KAFKA_ADVERTISED_PORT"};
constexpr W k_kafka_server[] = {"kafka-server-start", "redpanda", "kafka-server-start.sh"};
constexpr W k_kafka_tools[] = {"kafka-topics",           "kafka-broker-api-versions", "kafka-console-consumer",
                               "kafka-console-producer", "kafka-configs",             "kafka-consumer-groups",
                               "kafka-acls",             "kafka-cluster",             "kcat",
                               "kafkacat",               "rpk",                       "kafka-metadata-quorum",
                               "cub"};
constexpr W k_kafka_schemes[] = {"kafka", "kafka+ssl", "kafka+sasl"};
constexpr W k_kafka_vars[] = {"KAFKA", "BROKER", "BROKERS", "BOOTSTRAP", "REDPANDA"};

// --- clickhouse -------------------------------------------------------------
constexpr W k_ch_images[] = {"clickhouse/clickhouse-server", "clickhouse", "yandex/clickhouse-server",
                             "altinity/clickhouse-server", "bitnami/clickhouse", "myscale/myscaledb"};
constexpr W k_ch_words[] = {"clickhouse", "myscaledb"};
constexpr W k_ch_server_env[] = {"CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", "CLICKHOUSE_SKIP_USER_SETUP",
                                 "CLICKHOUSE_DO_NOT_CHOWN",  "CLICKHOUSE_UID", "CLICKHOUSE_INIT_TIMEOUT",
                                 "CLICKHOUSE_ADMIN_USER", "CLICKHOUSE_ADMIN_PASSWORD", "CLICKHOUSE_WATCHDOG_ENABLE"};
constexpr W k_ch_shared_env[] = {"CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_DB"};
constexpr W k_ch_server[] = {"clickhouse-server"};
constexpr W k_ch_tools[] = {"clickhouse-client"};
constexpr int k_ch_peer[] = {9009, 9010, 9234, 9181, 9444};
constexpr W k_ch_schemes[] = {"clickhouse", "clickhouses", "ch", "chs", "clickhouse+native", "clickhouse+http",
                              "clickhouse+https"};
constexpr W k_ch_vars[] = {"CLICKHOUSE", "CH"};

// --- zookeeper ----------------------------------------------------------------
constexpr W k_zk_images[] = {"zookeeper", "bitnami/zookeeper", "confluentinc/cp-zookeeper", "wurstmeister/zookeeper",
                             "clickhouse/clickhouse-keeper"};
constexpr W k_zk_words[] = {"zookeeper"};
constexpr W k_zk_server_env[] = {"ZOO_MY_ID",         "ZOO_SERVERS",           "ZOO_TICK_TIME",
                                 "ZOO_INIT_LIMIT",    "ZOO_SYNC_LIMIT",        "ZOO_4LW_COMMANDS_WHITELIST",
                                 "ZOO_CFG_EXTRA",     "ZOO_STANDALONE_ENABLED", "ZOO_ADMINSERVER_ENABLED",
                                 "ZOO_AUTOPURGE_PURGEINTERVAL", "ZOOKEEPER_CLIENT_PORT", "ZOOKEEPER_SERVER_ID",
                                 "ZOOKEEPER_SERVERS", "ZOOKEEPER_TICK_TIME", "ZOO_SERVER_ID", "ZOO_PORT_NUMBER",
                                 "ZOO_ENABLE_AUTH", "ZOO_HEAP_SIZE"};
constexpr W k_zk_server[] = {"zkServer.sh", "zookeeper-server-start", "zookeeper-server-start.sh",
                             "clickhouse-keeper"};
constexpr W k_zk_tools[] = {"zkCli.sh", "zookeeper-shell", "zookeeper-shell.sh", "zkServer.sh"};
constexpr int k_zk_peer[] = {2888, 3888, 7000, 9234};
constexpr W k_zk_schemes[] = {"zk", "zookeeper"};
constexpr W k_zk_vars[] = {"ZOOKEEPER", "ZK", "ZOO"};

// --- mqtt -------------------------------------------------------------------
constexpr W k_mqtt_images[] = {"eclipse-mosquitto", "emqx", "emqx/emqx", "hivemq/hivemq4", "hivemq/hivemq-ce",
                               "vernemq/vernemq", "emqx/nanomq", "iegomez/mosquitto-go-auth"};
constexpr W k_mqtt_words[] = {"mosquitto", "emqx", "hivemq", "hivemq4", "vernemq", "nanomq"};
constexpr W k_mqtt_server_env[] = {"EMQX_NAME", "EMQX_NODE_NAME", "EMQX_NODE__NAME", "EMQX_CLUSTER__DISCOVERY_STRATEGY",
                                   "DOCKER_VERNEMQ_ACCEPT_EULA", "DOCKER_VERNEMQ_ALLOW_ANONYMOUS"};
constexpr W k_mqtt_server[] = {"mosquitto", "emqx", "vernemq", "nanomq"};
constexpr W k_mqtt_tools[] = {"mosquitto_sub", "mosquitto_pub", "emqx_ctl", "mqttx"};
constexpr int k_mqtt_peer[] = {18083, 4370, 5370, 8888, 8081};
constexpr W k_mqtt_schemes[] = {"mqtt", "mqtts", "mqtt+ssl"};
constexpr W k_mqtt_vars[] = {"MQTT", "MOSQUITTO", "EMQX"};

// --- mysql / mariadb --------------------------------------------------------
constexpr W k_my_images[] = {"mysql", "mariadb", "bitnami/mysql", "bitnami/mariadb", "bitnami/mariadb-galera",
                             "percona", "percona/percona-server", "mysql/mysql-server", "linuxserver/mariadb",
                             "yobasystems/alpine-mariadb"};
constexpr W k_my_words[] = {"mysql", "mariadb", "percona"};
constexpr W k_my_server_env[] = {"MYSQL_ROOT_PASSWORD",      "MYSQL_ROOT_PASSWORD_FILE",   "MYSQL_RANDOM_ROOT_PASSWORD",
                                 "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_ROOT_HOST",          "MARIADB_ROOT_PASSWORD",
                                 "MARIADB_ROOT_PASSWORD_FILE", "MARIADB_RANDOM_ROOT_PASSWORD",
                                 "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "MARIADB_AUTO_UPGRADE", "MARIADB_ROOT_HOST",
                                 "MYSQL_INITDB_SKIP_TZINFO", "MARIADB_INITDB_SKIP_TZINFO"};
constexpr W k_my_shared_env[] = {"MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_DATABASE", "MARIADB_USER", "MARIADB_PASSWORD",
                                 "MARIADB_DATABASE", "MYSQL_PASSWORD_FILE", "MARIADB_PASSWORD_FILE"};
constexpr W k_my_server[] = {"mysqld", "mariadbd"};
constexpr W k_my_tools[] = {"mysqladmin", "mariadb-admin", "mysql", "mariadb", "healthcheck.sh", "mysqldump",
                            "mariadb-dump"};
constexpr int k_my_peer[] = {33060, 4444, 4567, 4568};
constexpr W k_my_schemes[] = {"mysql", "mariadb", "mysqlx"};
constexpr W k_my_vars[] = {"MYSQL", "MARIADB"};

// --- rabbitmq ---------------------------------------------------------------
constexpr W k_rmq_images[] = {"rabbitmq", "bitnami/rabbitmq"};
constexpr W k_rmq_words[] = {"rabbitmq"};
constexpr W k_rmq_server_env[] = {"RABBITMQ_ERLANG_COOKIE", "RABBITMQ_NODENAME", "RABBITMQ_DEFAULT_USER",
                                  "RABBITMQ_DEFAULT_PASS", "RABBITMQ_DEFAULT_VHOST",
                                  "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "RABBITMQ_MANAGEMENT_ALLOW_WEB_ACCESS",
                                  "RABBITMQ_DEFAULT_PASS_FILE", "RABBITMQ_DEFAULT_USER_FILE"};
constexpr W k_rmq_shared_env[] = {"RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "RABBITMQ_VHOST"};
constexpr W k_rmq_server[] = {"rabbitmq-server"};
constexpr W k_rmq_tools[] = {"rabbitmq-diagnostics", "rabbitmqctl", "rabbitmqadmin"};
constexpr int k_rmq_peer[] = {15672, 15671, 25672, 4369, 15692};
constexpr W k_rmq_schemes[] = {"amqp", "amqps"};
constexpr W k_rmq_vars[] = {"RABBITMQ", "RABBIT", "AMQP"};

// --- elasticsearch / opensearch ---------------------------------------------
constexpr W k_es_images[] = {"elasticsearch", "elasticsearch/elasticsearch", "opensearchproject/opensearch",
                             "bitnami/elasticsearch", "bitnami/opensearch"};
constexpr W k_es_words[] = {"elasticsearch", "opensearch"};
constexpr W k_es_server_env[] = {"discovery.type", "ES_JAVA_OPTS", "OPENSEARCH_JAVA_OPTS", "xpack.security.enabled",
                                 "ELASTIC_PASSWORD", "DISABLE_SECURITY_PLUGIN", "OPENSEARCH_INITIAL_ADMIN_PASSWORD",
                                 "bootstrap.memory_lock", "discovery.seed_hosts", "cluster.initial_master_nodes",
                                 "plugins.security.disabled", "ELASTICSEARCH_HEAP_SIZE"};
constexpr W k_es_server[] = {"elasticsearch", "opensearch"};
constexpr int k_es_peer[] = {9300, 9600};
constexpr W k_es_schemes[] = {"elasticsearch", "opensearch", "es"};
constexpr W k_es_vars[] = {"ELASTICSEARCH", "ELASTIC", "OPENSEARCH", "ES"};

const FamilyTraits k_families[] = {
    {ImageFamily::postgres, "postgres", "postgres", 5432, k_pg_images, k_pg_words, k_pg_server_env, k_pg_shared_env,
     k_pg_server, k_pg_tools, {}, k_pg_schemes, k_pg_vars},
    {ImageFamily::redis, "redis", "redis", 6379, k_redis_images, k_redis_words, k_redis_server_env, k_redis_shared_env,
     k_redis_server, k_redis_tools, k_redis_peer, k_redis_schemes, k_redis_vars},
    {ImageFamily::kafka, "kafka", "kafka", 9092, k_kafka_images, k_kafka_words, k_kafka_server_env, {}, k_kafka_server,
     k_kafka_tools, {}, k_kafka_schemes, k_kafka_vars},
    {ImageFamily::clickhouse, "clickhouse", "clickhouse", 8123, k_ch_images, k_ch_words, k_ch_server_env,
     k_ch_shared_env, k_ch_server, k_ch_tools, k_ch_peer, k_ch_schemes, k_ch_vars},
    {ImageFamily::zookeeper, "zookeeper", "zk", 2181, k_zk_images, k_zk_words, k_zk_server_env, {}, k_zk_server,
     k_zk_tools, k_zk_peer, k_zk_schemes, k_zk_vars},
    {ImageFamily::mqtt, "mqtt", "mqtt", 1883, k_mqtt_images, k_mqtt_words, k_mqtt_server_env, {}, k_mqtt_server,
     k_mqtt_tools, k_mqtt_peer, k_mqtt_schemes, k_mqtt_vars},
    {ImageFamily::mysql, "mysql", "mysql", 3306, k_my_images, k_my_words, k_my_server_env, k_my_shared_env, k_my_server,
     k_my_tools, k_my_peer, k_my_schemes, k_my_vars},
    {ImageFamily::rabbitmq, "rabbitmq", "amqp", 5672, k_rmq_images, k_rmq_words, k_rmq_server_env, k_rmq_shared_env,
     k_rmq_server, k_rmq_tools, k_rmq_peer, k_rmq_schemes, k_rmq_vars},
    {ImageFamily::elasticsearch, "elasticsearch", "elasticsearch", 9200, k_es_images, k_es_words, k_es_server_env, {},
     k_es_server, {}, k_es_peer, k_es_schemes, k_es_vars},
};

// Words in an image name that make it a tool around a server, not the
// server: "prometheuscommunity/postgres-exporter", "redis-commander",
// "provectuslabs/kafka-ui", "confluentinc/cp-kafka-connect".
constexpr W k_tool_words[] = {
    "exporter", "admin",    "pgadmin",  "pgadmin4",  "phpmyadmin", "adminer",  "ui",        "console",
    "commander", "insight", "redisinsight", "kafdrop", "akhq",     "navigator", "zoonavigator", "backup",
    "backups",  "dump",     "operator", "connect",   "registry",   "rest",     "manager",   "dashboard",
    "dashboards", "kibana", "web",      "gui",       "metrics",    "init",     "setup",     "migrate",
    "migrations", "cli",    "client",   "shell",     "bridge",     "mirror",   "mirrormaker", "burrow",
    "cruise",   "control",  "center",   "lag",       "ksqldb",     "ksql",     "schema",    "proxy",
    "router",   "head",     "curator",  "sentinel",  "pgbouncer",  "bouncer",  "pooler",    "exporters",
    "streams",  "sink",     "source",   "tools",     "toolbox",    "debezium", "cdc",       "replicator",
    "benchmark", "bench",   "sync",     "monitor",   "monitoring", "agent",    "meta",      "studio",
    "api",      "gateway",  "auth",     "graphql",    "realtime", "analytics", "logs",
    "keeper-ui", "connector", "exporter-rs", "collector", "consumer", "producer", "worker"};

bool matches(std::string_view repository, std::string_view rule) {
  if (rule.ends_with('*')) {
    return repository.starts_with(rule.substr(0, rule.size() - 1));
  }
  return repository == rule;
}

std::vector<std::string> name_words(std::string_view component) {
  std::vector<std::string> out;
  std::string word;
  for (char c : component) {
    if (c == '-' || c == '_' || c == '.') {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

template <typename List, typename T>
bool contains(const List& list, const T& value) {
  for (const auto& item : list) {
    if (item == value) return true;
  }
  return false;
}

std::string_view basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::span<const FamilyTraits> family_table() { return k_families; }

const FamilyTraits* traits(ImageFamily family) {
  for (const FamilyTraits& t : k_families) {
    if (t.family == family) return &t;
  }
  return nullptr;
}

std::string image_repository(std::string_view image) {
  if (size_t at = image.find('@'); at != std::string_view::npos) {
    image = image.substr(0, at);
  }
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    image = image.substr(0, colon);
  }
  // A first component with '.' or ':' (or "localhost") is a registry.
  if (size_t first = image.find('/'); first != std::string_view::npos) {
    std::string_view head = image.substr(0, first);
    if (head.find('.') != std::string_view::npos || head.find(':') != std::string_view::npos || head == "localhost") {
      image = image.substr(first + 1);
    }
  }
  if (image.starts_with("library/")) {
    image.remove_prefix(8);
  }
  return util::to_lower(std::string(image));
}

ImageFamily image_family(std::string_view image) {
  std::string repository = image_repository(image);
  if (repository.empty()) return ImageFamily::unknown;
  for (const FamilyTraits& t : k_families) {
    for (W rule : t.images) {
      if (matches(repository, rule)) return t.family;
    }
  }
  // Mirrors: "mirror/docker.io/bitnami/redis", "proxy/library/postgres".
  // (Compared in place: this runs for every service and its dependencies.)
  for (const FamilyTraits& t : k_families) {
    for (W rule : t.images) {
      bool namespaced = rule.find('/') != std::string_view::npos;
      W prefix = namespaced ? "/" : "/library/";
      if (rule.ends_with('*') || !repository.ends_with(rule)) continue;
      W before = W(repository).substr(0, repository.size() - rule.size());
      if (before.ends_with(prefix)) return t.family;
    }
  }
  // Vendor forks and rebuilds: a word of the last component names exactly
  // one family, and no word makes it a tool around that server.
  std::vector<std::string> words = name_words(basename(repository));
  for (const std::string& w : words) {
    if (contains(k_tool_words, w)) return ImageFamily::unknown;
  }
  ImageFamily found = ImageFamily::unknown;
  for (const FamilyTraits& t : k_families) {
    for (const std::string& w : words) {
      if (contains(t.words, w)) {
        if (found != ImageFamily::unknown && found != t.family) return ImageFamily::unknown;  // "kafka-zookeeper"
        found = t.family;
      }
    }
  }
  return found;
}

bool is_bitnami(std::string_view image) {
  std::string repository = image_repository(image);
  return repository.starts_with("bitnami/") || repository.find("/bitnami/") != std::string::npos;
}

bool is_stackgate_image(std::string_view image) {
  std::string repository = image_repository(image);
  return basename(repository) == "stackgate";
}

ProgramFamily program_family(std::string_view program) {
  std::string_view name = basename(program);
  for (const FamilyTraits& t : k_families) {
    if (contains(t.server_commands, name)) return {t.family, true};
  }
  for (const FamilyTraits& t : k_families) {
    if (contains(t.client_tools, name)) return {t.family, false};
    if (name.ends_with(".sh") && contains(t.client_tools, name.substr(0, name.size() - 3))) return {t.family, false};
  }
  return {};
}

ImageFamily scheme_family(std::string_view scheme) {
  std::string s = util::to_lower(std::string(scheme));
  if (s.starts_with("jdbc:")) s = s.substr(5);
  std::string base = s.substr(0, s.find('+'));
  for (const FamilyTraits& t : k_families) {
    if (contains(t.url_schemes, s) || contains(t.url_schemes, base)) return t.family;
  }
  return ImageFamily::unknown;
}

const char* to_string(ImageFamily family) {
  if (const FamilyTraits* t = traits(family)) return t->name.data();
  return "unknown";
}

}  // namespace stackgate::compose
