#include "compose/image_family.h"

namespace stackgate::compose {

namespace {

struct ImageRule {
  std::string_view repository;  // a trailing '*' matches any suffix
  ImageFamily family;
};

constexpr ImageRule k_rules[] = {
    {"postgres", ImageFamily::postgres},
    {"postgis/postgis", ImageFamily::postgres},
    {"timescale/timescaledb", ImageFamily::postgres},
    {"timescale/timescaledb-ha", ImageFamily::postgres},
    {"pgvector/pgvector", ImageFamily::postgres},
    {"ankane/pgvector", ImageFamily::postgres},
    {"supabase/postgres", ImageFamily::postgres},
    {"bitnami/postgresql", ImageFamily::bitnami_postgres},
    {"bitnami/postgresql-repmgr", ImageFamily::bitnami_postgres},
    {"redis", ImageFamily::redis},
    {"redis/redis-stack*", ImageFamily::redis},
    {"valkey/valkey", ImageFamily::redis},
    {"valkey", ImageFamily::redis},
    {"eqalpha/keydb", ImageFamily::redis},
    {"bitnami/redis", ImageFamily::bitnami_redis},
    {"bitnami/valkey", ImageFamily::bitnami_redis},
    {"apache/kafka", ImageFamily::kafka},
    {"apache/kafka-native", ImageFamily::kafka},
    {"bitnami/kafka", ImageFamily::kafka},
    {"confluentinc/cp-kafka", ImageFamily::kafka},
    {"confluentinc/cp-server", ImageFamily::kafka},
    {"wurstmeister/kafka", ImageFamily::kafka},
    {"clickhouse/clickhouse-server", ImageFamily::clickhouse},
    {"clickhouse", ImageFamily::clickhouse},
    {"yandex/clickhouse-server", ImageFamily::clickhouse},
    {"zookeeper", ImageFamily::zookeeper},
    {"bitnami/zookeeper", ImageFamily::zookeeper},
    {"confluentinc/cp-zookeeper", ImageFamily::zookeeper},
    {"eclipse-mosquitto", ImageFamily::mqtt},
    {"emqx", ImageFamily::mqtt},
    {"emqx/emqx", ImageFamily::mqtt},
};

bool matches(std::string_view repository, std::string_view rule) {
  if (rule.ends_with('*')) {
    return repository.starts_with(rule.substr(0, rule.size() - 1));
  }
  return repository == rule;
}

}  // namespace

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
  return std::string(image);
}

ImageFamily image_family(std::string_view image) {
  std::string repository = image_repository(image);
  for (const ImageRule& rule : k_rules) {
    if (matches(repository, rule.repository)) {
      return rule.family;
    }
  }
  // Mirrors: "mirror/docker.io/bitnami/redis", "proxy/library/postgres".
  for (const ImageRule& rule : k_rules) {
    bool namespaced = rule.repository.find('/') != std::string_view::npos;
    std::string suffix = (namespaced ? "/" : "/library/") + std::string(rule.repository);
    if (!rule.repository.ends_with('*') && repository.ends_with(suffix)) {
      return rule.family;
    }
  }
  return ImageFamily::unknown;
}

const char* to_string(ImageFamily family) {
  switch (family) {
    case ImageFamily::unknown: return "unknown";
    case ImageFamily::postgres: return "postgres";
    case ImageFamily::bitnami_postgres: return "postgres (bitnami)";
    case ImageFamily::redis: return "redis";
    case ImageFamily::bitnami_redis: return "redis (bitnami)";
    case ImageFamily::kafka: return "kafka";
    case ImageFamily::clickhouse: return "clickhouse";
    case ImageFamily::zookeeper: return "zookeeper";
    case ImageFamily::mqtt: return "mqtt";
  }
  return "?";
}

}  // namespace stackgate::compose
