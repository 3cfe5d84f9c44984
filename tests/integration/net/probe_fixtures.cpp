#include "probe_fixtures.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "probes/factory.h"

namespace stackgate::testing {

std::expected<std::unique_ptr<probes::Probe>, std::string> try_probe(const std::string& url) {
#ifdef STACKGATE_TEST_MODULE_DIR
  // The HTTP and SQLite probes are modules; the docker executable has every
  // probe it needs built in and defines no module directory.
  ::setenv("STACKGATE_MODULE_DIR", STACKGATE_TEST_MODULE_DIR, 1);
#endif
  auto spec = spec::parse_probe_spec(url);
  if (!spec) return std::unexpected(spec.error());
  return probes::make_probe(*spec);
}

std::unique_ptr<probes::Probe> probe_for(const std::string& url) {
  auto probe = try_probe(url);
  INFO(url);
  if (!probe) FAIL(probe.error());
  return std::move(*probe);
}

}  // namespace stackgate::testing
