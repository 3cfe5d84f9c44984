// The dns:// probe through the real system resolver (glibc, NSS files then
// DNS), inside a private network and mount namespace where /etc/hosts and
// /etc/resolv.conf are the test's and 127.0.0.1:53 is a DnsServer of the
// test (tests/servers/dns_server.h): no query leaves the machine.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "tests/integration/servers/probe_support.h"
#include "tests/servers/dns_server.h"

int main(int argc, char** argv) {
  try {
    stackgate::testing::enter_private_resolver(
        "127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.20.30.40 from-hosts-file\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dns_integration_test: %s\n", e.what());
    return 2;
  }
  return Catch::Session().run(argc, argv);
}

namespace stackgate::testing {
namespace {

using namespace std::chrono_literals;

// One server per process: the port is 53, so there is only one.
DnsServer& dns() {
  static DnsServer server;
  return server;
}

// The server, answering from its table (each case starts from here).
DnsServer& answering() {
  dns().set_mode(DnsServer::Mode::answer);
  return dns();
}

}  // namespace

TEST_CASE("dns: a name with an address is ready", "[dns]") {
  answering().set("db", {"10.0.0.5"});
  Attempt a = attempt(*make("dns://db"));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);
  CHECK(a.outcome.reason == "1 address");
  CHECK(attempt(*make("dns://db?type=A")).outcome.reason == "1 A address");
}

TEST_CASE("dns: the hosts file counts, as for every client in the container", "[dns]") {
  Attempt a = attempt(*make("dns://from-hosts-file"));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);
}

TEST_CASE("dns: NXDOMAIN is a cheap not yet, then ready once the name exists", "[dns]") {
  answering().set("later", {});
  auto probe = make("dns://later");
  Attempt before = attempt(*probe);
  INFO(describe(before.outcome));
  CHECK(before.outcome.verdict == Verdict::not_yet);
  CHECK(before.outcome.cheap);
  CHECK(before.outcome.reason == "later: no such name (NXDOMAIN)");

  dns().set("later", {"10.0.0.9"});
  Attempt after = attempt(*probe);
  INFO(describe(after.outcome));
  CHECK(after.outcome.verdict == Verdict::ready);
}

TEST_CASE("dns: min_addresses waits for every Swarm task", "[dns]") {
  answering().set("tasks.web", {"10.0.1.2", "10.0.1.3"});
  auto probe = make("dns://tasks.web?min_addresses=3");
  Attempt two = attempt(*probe);
  INFO(describe(two.outcome));
  CHECK(two.outcome.verdict == Verdict::not_yet);
  CHECK(two.outcome.reason == "tasks.web: 2 addresses, want at least 3");

  dns().set("tasks.web", {"10.0.1.2", "10.0.1.3", "10.0.1.4"});
  Attempt three = attempt(*probe);
  INFO(describe(three.outcome));
  CHECK(three.outcome.verdict == Verdict::ready);
  CHECK(three.outcome.reason == "3 addresses");
}

TEST_CASE("dns: type=AAAA counts only IPv6 addresses", "[dns]") {
  answering().set("v4only", {"10.0.0.7"});
  dns().set("dual", {"10.0.0.8", "fd00::8"});
  Attempt v4 = attempt(*make("dns://v4only?type=AAAA"));
  INFO(describe(v4.outcome));
  CHECK(v4.outcome.verdict == Verdict::not_yet);
  CHECK(v4.outcome.reason == "v4only: no AAAA address yet");

  Attempt dual = attempt(*make("dns://dual?type=AAAA"));
  INFO(describe(dual.outcome));
  CHECK(dual.outcome.verdict == Verdict::ready);
  CHECK(dual.outcome.reason == "1 AAAA address");
  CHECK(attempt(*make("dns://dual")).outcome.reason == "2 addresses");
}

TEST_CASE("dns: SERVFAIL is not yet", "[dns]") {
  answering().set("db", {"10.0.0.5"});
  dns().set_mode(DnsServer::Mode::servfail);
  Attempt a = attempt(*make("dns://db"));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason == "db: resolver failed temporarily (EAI_AGAIN)");
}

TEST_CASE("dns: a resolver that never answers cannot hold the attempt past its timeout", "[dns]") {
  answering().set("db", {"10.0.0.5"});
  dns().set_mode(DnsServer::Mode::mute);
  int before = dns().queries();
  // resolv.conf says timeout:1, so glibc would wait a second: the probe
  // abandons the lookup at 300 ms.
  Attempt a = attempt(*make("dns://db"), 300ms);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason == "timed out after 300ms resolving db");
  CHECK(a.elapsed < 600ms);
  CHECK(dns().queries() > before);
}

TEST_CASE("dns: options are checked when the probe is made", "[dns]") {
  CHECK(make_error("dns://db?type=MX") == "type must be A, AAAA or any, not 'MX' in dns://db?type=MX");
  CHECK(make_error("dns://db?min_addresses=0") ==
        "min_addresses must be a whole number >= 1, not '0' in dns://db?min_addresses=0");
  CHECK(make_error("dns://db?min_adresses=2") ==
        "unknown option 'min_adresses' for dns:// (did you mean 'min_addresses'?) in dns://db?min_adresses=2");
  CHECK(make_error("dns://db:53") == "dns:// takes a name without a port in dns://db:53");
}

}  // namespace stackgate::testing
