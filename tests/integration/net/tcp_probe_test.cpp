// The TCP probe against real loopback sockets.
#include <catch2/catch.hpp>

#include <chrono>

#include "probes/factory.h"
#include "test_server.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using stackgate::testing::TestServer;

namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<Probe> tcp_probe(int port) {
  auto spec = parse_probe_spec("tcp://127.0.0.1:" + std::to_string(port));
  REQUIRE(spec.has_value());
  auto probe = make_probe(*spec);
  REQUIRE(probe.has_value());
  return std::move(*probe);
}

TestServer::Handler close_at_once() {
  return [](TestServer&, int) {};
}

}  // namespace

TEST_CASE("tcp: a listening port is ready", "[tcp]") {
  TestServer server(close_at_once());
  server.listen();
  Outcome outcome = tcp_probe(server.port())->check(1000ms);
  CHECK(outcome.verdict == Verdict::ready);
}

TEST_CASE("tcp: a refused connection is a cheap not_yet", "[tcp]") {
  TestServer server(close_at_once());  // bound, not listening: connections are refused
  auto start = Clock::now();
  Outcome outcome = tcp_probe(server.port())->check(1000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.cheap);
  CHECK(outcome.reason == "connection refused");
  CHECK(Clock::now() - start < 500ms);
}

TEST_CASE("tcp: a server that comes up late is ready once it listens", "[tcp]") {
  TestServer server(close_at_once());
  auto probe = tcp_probe(server.port());
  int attempts = 0;
  Outcome outcome;
  // Bounded poll: refused for the first attempts, then the server listens.
  for (; attempts < 100; ++attempts) {
    if (attempts == 3) server.listen();
    outcome = probe->check(500ms);
    if (outcome.verdict == Verdict::ready) break;
    CHECK(outcome.reason == "connection refused");
  }
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(attempts == 3);
}

TEST_CASE("tcp: a full accept queue times out within the timeout", "[tcp][timeout]") {
  TestServer server(close_at_once(), "", 0);
  server.listen_without_accepting();
  // Fill the queue, then the probe's SYN is dropped and connect() hangs.
  for (int i = 0; i < 4; ++i) tcp_probe(server.port())->check(100ms);
  auto start = Clock::now();
  Outcome outcome = tcp_probe(server.port())->check(300ms);
  auto elapsed = Clock::now() - start;
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK_FALSE(outcome.cheap);
  CHECK(outcome.reason == "timed out after 300ms connecting to 127.0.0.1:" + std::to_string(server.port()));
  CHECK(elapsed >= 290ms);
  CHECK(elapsed < 300ms + 150ms);
}

TEST_CASE("tcp: an unresolvable name is not_yet within the timeout", "[tcp][dns]") {
  auto spec = parse_probe_spec("tcp://no-such-host.invalid:5432");
  REQUIRE(spec.has_value());
  auto probe = make_probe(*spec);
  REQUIRE(probe.has_value());
  auto start = Clock::now();
  Outcome outcome = (*probe)->check(1000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(Clock::now() - start < 1000ms + 150ms);
  // Without any resolver the lookup may time out instead of failing.
  if (outcome.reason != "timed out after 1s resolving no-such-host.invalid") {
    CHECK(outcome.reason == "no-such-host.invalid: name not resolvable yet");
    CHECK(outcome.cheap);
  }
}
