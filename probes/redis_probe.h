// The Redis probe: redis://[user:pass@]host:port[/db] over hiredis 0.14.
//
// One attempt = connect (bounded), AUTH first when a password is given
// (AUTH user pass for an ACL user), SELECT db when the path names one, then
// PING must answer PONG; the role and cluster checks follow when asked for.
//
//   not_yet  refused, timed out, LOADING, MASTERDOWN, BUSY, TRYAGAIN,
//            CLUSTERDOWN, a replica whose master link is not up, a cluster
//            whose state is not ok
//   fatal    WRONGPASS, "-ERR invalid password", AUTH without a password
//            configured, NOAUTH when the URL has no password, DENIED
//            (protected mode), NOPERM, a bad database index, rediss:// (this
//            build's hiredis 0.14 has no TLS)
//
// Options: role=master|replica|any (INFO replication; a replica must have
// master_link_status:up and master_sync_in_progress:0), cluster=1 (CLUSTER
// INFO: cluster_state:ok and cluster_slots_ok:16384).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds a redis:// (or rediss://) probe; the error names a bad option.
std::expected<std::unique_ptr<Probe>, std::string> make_redis_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
