// make_probe() errors that need no module and no socket.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "probes/factory.h"

using stackgate::probes::make_probe;
using stackgate::spec::parse_probe_spec;

namespace {

std::string error_of(std::string_view text) {
  auto spec = parse_probe_spec(text);
  REQUIRE(spec.has_value());
  auto probe = make_probe(*spec);
  REQUIRE_FALSE(probe.has_value());
  return probe.error();
}

}  // namespace


TEST_CASE("the module search path starts with STACKGATE_MODULE_DIR", "[factory]") {
  ::setenv("STACKGATE_MODULE_DIR", "/opt/a:/opt/b", 1);
  auto dirs = stackgate::probes::module_search_path();
  ::unsetenv("STACKGATE_MODULE_DIR");
  REQUIRE(dirs.size() == 4);
  CHECK(dirs[0] == "/opt/a");
  CHECK(dirs[1] == "/opt/b");
  CHECK(dirs[2].ends_with("/lib/stackgate"));
  CHECK(dirs[3].ends_with("/../lib/stackgate"));
}

TEST_CASE("tcp probes are built in and reject unknown options", "[factory]") {
  auto spec = parse_probe_spec("tcp://db:5432?timeout=1s");
  REQUIRE(spec.has_value());
  CHECK(make_probe(*spec).has_value());
  CHECK(error_of("tcp://db:5432?foo=1") == "unknown option 'foo' for tcp:// in tcp://db:5432?foo=1");
}

TEST_CASE("dns probes are built in and check their options", "[factory]") {
  auto spec = parse_probe_spec("dns://tasks.web?min_addresses=3&type=A");
  REQUIRE(spec.has_value());
  CHECK(make_probe(*spec).has_value());
  CHECK(error_of("dns://db?type=MX") == "type must be A, AAAA or any, not 'MX' in dns://db?type=MX");
  CHECK(error_of("dns://user:pw@db") == "dns:// takes no user or password in dns://user:***@db");
  CHECK(error_of("dns://db/path") == "dns:// takes no path ('/path') in dns://db/path");
}

TEST_CASE("password_file works for the new schemes' URLs", "[factory][password_file]") {
  // The common spec parser resolves it for every scheme; a missing file is
  // named, with the URL redacted.
  for (const char* url : {"mysql://app@db/app?password_file=/nonexistent/pw", "amqp://app@mq?password_file=/nonexistent/pw",
                          "elasticsearch://elastic@es?password_file=/nonexistent/pw"}) {
    INFO(url);
    auto spec = parse_probe_spec(url);
    REQUIRE_FALSE(spec.has_value());
    CHECK_THAT(spec.error(), Catch::StartsWith("cannot read password_file /nonexistent/pw"));
  }
}

#ifndef STACKGATE_STATIC_PROBES
TEST_CASE("a missing module is named with the directories searched", "[factory]") {
  ::setenv("STACKGATE_MODULE_DIR", "/nonexistent/modules", 1);
  std::string error = error_of("postgres://app@db/app");
  ::unsetenv("STACKGATE_MODULE_DIR");
  CHECK_THAT(error, Catch::StartsWith("probe module libstackgate-postgres.so not found (looked in /nonexistent/modules, "));
  CHECK_THAT(error, Catch::EndsWith("/../lib/stackgate)"));
}
#endif
