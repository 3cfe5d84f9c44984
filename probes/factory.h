// ProbeSpec -> Probe. Which module serves which scheme is the scheme
// table's (spec/scheme.h). TCP, unix socket, disk, DNS, ZooKeeper, MQTT and Docker probes are built in; the
// others live in shared modules loaded with dlopen() on first use, one per
// protocol family, so a HEALTHCHECK `stackgate check redis://...` maps
// hiredis and nothing else:
//   libstackgate-http.so      http, https, http+unix, tls, clickhouse, elasticsearch,
//                             opensearch (cpp-httplib, OpenSSL)
//   libstackgate-postgres.so  postgres, postgresql (libpq)
//   libstackgate-redis.so     redis (hiredis)
//   libstackgate-kafka.so     kafka (librdkafka)
//   libstackgate-mysql.so     mysql, mariadb (libmariadb)
//   libstackgate-amqp.so      amqp (librabbitmq)
//   libstackgate-sqlite.so    sqlite (libsqlite3)
// Modules are looked up in $STACKGATE_MODULE_DIR, <exe dir>/lib/stackgate and
// <exe dir>/../lib/stackgate. With -DSTACKGATE_STATIC_PROBES=ON they are
// linked into the binary instead.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds the probe for `spec`. Errors (unknown scheme, module not found,
/// bad option for the scheme) are one line for the user and are config
/// errors, not outcomes.
/// Thread-safe; a module is loaded once, on the first probe that needs it.
std::expected<std::unique_ptr<Probe>, std::string> make_probe(const ProbeSpec& spec);

/// Where make_probe() looks for modules, in order: each directory of
/// $STACKGATE_MODULE_DIR (colon-separated), <exe dir>/lib/stackgate,
/// <exe dir>/../lib/stackgate.
std::vector<std::string> module_search_path();

}  // namespace stackgate::probes
