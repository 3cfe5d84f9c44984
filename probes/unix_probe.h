// The unix socket probe: unix:///path/to.sock is ready when a connection to
// the stream socket is accepted. Like tcp://, necessary but not sufficient;
// for an HTTP server on the socket prefer http+unix://.
//
//   not_yet (cheap)  "unix socket /run/app.sock does not exist yet", "connection refused"
//   fatal            "permission denied connecting to unix socket /run/app.sock
//                    (mode 0600, owner uid 0 gid 0; probing as uid 33 gid 33)"
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds a unix:// probe; it takes no options beyond the common ones.
std::expected<std::unique_ptr<Probe>, std::string> make_unix_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
