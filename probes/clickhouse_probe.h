// The ClickHouse probe: clickhouse://[user:pass@]host:8123[/db] over the HTTP
// interface (http_client.h; part of the http module).
//
// One attempt = GET /ping, which must answer exactly "Ok.\n" (liveness: it
// touches neither users nor tables), then `SELECT 1` with X-ClickHouse-User
// / X-ClickHouse-Key and `?database=` (18.16 has no X-ClickHouse-Database),
// whose body must be exactly "1\n" (a 200 can still carry an exception
// appended to a streamed body). Errors are classified on the `Code: N` in
// the body, because old servers answer 500 where new ones answer 401/403/404.
//
//   not_yet  refused, timed out, /ping not yet Ok., 5xx without a known
//            code, Code 202 TOO_MANY_SIMULTANEOUS_QUERIES, 225 NO_ZOOKEEPER,
//            242 TABLE_IS_READ_ONLY, /replicas_status not Ok.
//   fatal    Code 81 UNKNOWN_DATABASE, 192 UNKNOWN_USER, 193 WRONG_PASSWORD,
//            194 REQUIRED_PASSWORD, 516 AUTHENTICATION_FAILED, 497
//            ACCESS_DENIED; 401/403 without a code; /ping answering 404
//
// Options: replicas_status=1 (GET /replicas_status must be exactly "Ok.\n",
// else not_yet with the first lagging line).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds a clickhouse:// probe; the error names a bad option.
std::expected<std::unique_ptr<Probe>, std::string> make_clickhouse_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
