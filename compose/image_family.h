// The server families stackgate knows, and the one table of the signals that
// say a service runs one: image repositories and the words in their names,
// environment variables only a server sets, the server's own command,
// client tools (healthchecks and jobs), client and peer ports, and the
// connection-string schemes that name the family. Inference (infer*.cpp,
// family_evidence.cpp, connection_refs.cpp) reads only this table; adding an
// image or a variable is one line in image_family.cpp.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace stackgate::compose {

enum class ImageFamily { unknown, postgres, redis, kafka, clickhouse, zookeeper, mqtt, mysql, rabbitmq, elasticsearch };

struct FamilyTraits {
  ImageFamily family;
  std::string_view name;    // "postgres"
  std::string_view scheme;  // probe URL scheme: "postgres", "zk", "mysql", ...
  int client_port;          // the port clients use by default
  // Exact repositories (registry, tag and digest removed); a trailing '*'
  // matches any suffix. Vendor prefixes and mirrors are matched by words.
  std::span<const std::string_view> images;
  // Words of a repository's last component (split at '-', '_', '.') that
  // name the family: "pgvector", "timescaledb", "valkey", "redpanda"...
  std::span<const std::string_view> words;
  // Environment variables only a server of this family sets (ZOO_MY_ID,
  // KAFKA_ADVERTISED_LISTENERS, POSTGRES_INITDB_ARGS...).
  std::span<const std::string_view> server_env;
  // Variables servers and their clients both set (POSTGRES_PASSWORD...):
  // weak evidence, void when the service points at another host.
  std::span<const std::string_view> shared_env;
  // argv[0] (basename) of the server process.
  std::span<const std::string_view> server_commands;
  // Command-line tools that talk to the server: a healthcheck running one
  // against localhost says what the service is; a command running one makes
  // the service a client (a job), not a server.
  std::span<const std::string_view> client_tools;
  // Ports a single node may never open or that are not the client protocol
  // (quorum, election, cluster bus, transport, management): never probed by
  // the TCP fallback.
  std::span<const int> peer_ports;
  // Connection-string schemes naming the family ("postgresql", "rediss").
  std::span<const std::string_view> url_schemes;
  // Words in a variable's name that say its host:port value is this
  // family's ("KAFKA", "ZOOKEEPER", "CLICKHOUSE"...).
  std::span<const std::string_view> variable_words;
};

/// Every family, in a fixed order (unknown excluded).
std::span<const FamilyTraits> family_table();

/// The traits of `family` (nullptr for unknown).
const FamilyTraits* traits(ImageFamily family);

/// "docker.io/library/postgres:16@sha256:..." -> "postgres";
/// "ghcr.io/acme/api:1.2" -> "acme/api". Registry, tag and digest removed.
std::string image_repository(std::string_view image);

/// The family of `image`: an exact repository of the table (also behind a
/// mirror path), else a word of the last path component that names a family
/// and no word that names a tool around it (exporter, admin, ui, backup...).
ImageFamily image_family(std::string_view image);

/// True when the repository is published by Bitnami (its variables differ).
bool is_bitnami(std::string_view image);

/// True for the stackgate image itself.
bool is_stackgate_image(std::string_view image);

/// The family whose client tool (or server command) is `program` (a path or
/// basename, ".sh" tolerated), and whether it is the server.
struct ProgramFamily {
  ImageFamily family = ImageFamily::unknown;
  bool server = false;
};
ProgramFamily program_family(std::string_view program);

/// The family a connection-string scheme names ("postgresql+psycopg2" ->
/// postgres, "rediss" -> redis), unknown otherwise.
ImageFamily scheme_family(std::string_view scheme);

const char* to_string(ImageFamily family);

}  // namespace stackgate::compose
