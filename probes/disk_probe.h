// The disk probe: disk:///path checks a directory a service is about to use
// (a volume): that it exists, that the probing user can create files in it,
// and that its file system has room.
//
//   ready            "/data: 12.3 GiB free of 20.0 GiB"
//   not_yet          "/data does not exist yet (not created or not mounted)",
//                    "/data: 1.2 GiB free of 20.0 GiB, want at least 5.0 GiB"
//   fatal            "/data is not a directory",
//                    "uid 999 gid 999 cannot create files in /data (owner 0:0, mode 0755): Permission denied"
//
// Options: min_free=SIZE (64MiB, 1GiB; available to unprivileged users, as
// df's "Avail"), min_free_pct=N (0-100), writable=1 (creates and removes a
// temporary file in the directory).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

std::expected<std::unique_ptr<Probe>, std::string> make_disk_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
