// What the probe tests start from: a probe built from its URL as the CLI
// builds it. Shared by the net and docker test executables instead of a copy
// in each test file. (A free loopback port: free_port() in
// tests/servers/harness.h.)
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::testing {

/// The probe for `url` (parse_probe_spec, then make_probe), or the error of
/// either. In an executable built with STACKGATE_TEST_MODULE_DIR, protocol
/// modules load from the build's module directory, not an installed one.
std::expected<std::unique_ptr<probes::Probe>, std::string> try_probe(const std::string& url);

/// try_probe's probe; fails the test with the URL and the error when there
/// is none.
std::unique_ptr<probes::Probe> probe_for(const std::string& url);

}  // namespace stackgate::testing
