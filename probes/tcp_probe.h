// The TCP probe: tcp://host:port is ready when a connection is accepted
// within the attempt timeout. Necessary, never sufficient: prefer a protocol
// probe where one exists.
//
//   not_yet (cheap)  "connection refused", "db: name not resolvable yet",
//                    "no route to host db:5432"
//   not_yet          "timed out after 2s connecting to db:5432"
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds a tcp:// probe; tcp takes no options beyond the common ones.
std::expected<std::unique_ptr<Probe>, std::string> make_tcp_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
