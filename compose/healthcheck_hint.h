// What a service's own healthcheck says about it: `pg_isready -U app -d app`,
// `redis-cli -a $REDIS_PASSWORD ping`, `curl -f http://localhost:8080/health`,
// `wget --spider ...`, `nc -z localhost 9000`, `echo srvr | nc localhost 2181`,
// `kafka-topics --bootstrap-server localhost:9092 --list`,
// `clickhouse-client ...`, `stackgate check URL`. Only commands aimed at the
// container itself count: a healthcheck that checks another host says
// nothing about this service.
#pragma once

#include <optional>
#include <string>

#include "compose/image_family.h"
#include "compose/model.h"

namespace stackgate::compose {

struct HealthcheckHint {
  ImageFamily family = ImageFamily::unknown;  // the family whose tool it runs
  std::string scheme;        // "http", "https", "tcp", "zk" or a family's scheme
  std::optional<int> port;
  std::optional<std::string> user;
  std::optional<std::string> password;  // a secret: never print it
  std::optional<std::string> database;
  std::string path;          // http(s): path and query
  std::string status;        // http(s): accepted statuses ("2xx,3xx")
  std::string url;           // `stackgate check URL`: the URL with the service as host
  std::string program;       // the command that decided it ("pg_isready")
};

/// The hint from `service`'s healthcheck, if it has an enabled one whose
/// command is understood.
std::optional<HealthcheckHint> healthcheck_hint(const Service& service);

}  // namespace stackgate::compose
