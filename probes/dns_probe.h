// The DNS probe: dns://name is ready when the system resolver (NSS: hosts
// file, then DNS, as every client in the container would see it) returns at
// least min_addresses distinct addresses for the name within the attempt
// timeout. Built in: no library beyond glibc.
//
// A container's upstream is reachable only once its name resolves: Docker's
// embedded DNS adds a service's name when its container starts, and Swarm's
// tasks.<service> name lists one address per running task.
//
//   not_yet (cheap)  "db: no such name (NXDOMAIN)", "db: no A address yet",
//                    "db: resolver failed temporarily (EAI_AGAIN)"
//   not_yet          "timed out after 2s resolving db", fewer addresses than
//                    min_addresses ("tasks.web: 2 addresses, want at least 3")
//
// Options: type=A|AAAA|any (default any: IPv4 and IPv6 both count),
// min_addresses=N (default 1). The URL takes no port: dns://tasks.web.
// Lookups run on glibc's getaddrinfo_a threads; one still running at the
// deadline is abandoned, so an attempt never blocks past its timeout.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds a dns:// probe; the error names a bad or unknown option.
std::expected<std::unique_ptr<Probe>, std::string> make_dns_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
