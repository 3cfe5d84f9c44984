// The ZooKeeper probe: zk://host:2181[,host2:2181...][?mode=any] over the
// `srvr` four-letter word (plain TCP; the reply ends when the server closes).
// srvr is the one command ZooKeeper 3.5.3+ allows by default; ruok is not.
//
//   ready    "Mode: standalone|leader|follower|observer", subject to `mode`;
//            with several hosts, every node serving and exactly one leader
//   not_yet  refused, timed out, "This ZooKeeper instance is not currently
//            serving requests" (no quorum yet), a mode other than the one
//            asked for (leadership moves)
//   fatal    "srvr is not executed because it is not in the whitelist."
//            (add srvr to 4lw.commands.whitelist, ZOO_4LW_COMMANDS_WHITELIST
//            in the official image), a reply that is not ZooKeeper's
//
// Options: mode=any|leader|follower|observer|standalone (default any;
// leader also accepts standalone, a single node being its own leader).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds a zk:// probe; the error names a bad option.
std::expected<std::unique_ptr<Probe>, std::string> make_zk_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
