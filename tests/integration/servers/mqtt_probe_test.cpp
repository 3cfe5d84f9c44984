// The mqtt probe against a real Mosquitto 2 on loopback.
#include <catch2/catch.hpp>

#include "tests/integration/servers/fake_servers.h"
#include "tests/integration/servers/probe_support.h"
#include "tests/servers/mosquitto_server.h"

namespace stackgate::testing {
namespace {

using namespace std::chrono_literals;
using MQ = MosquittoServer;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string connack(char code) { return std::string("\x20\x02\x00", 3) + code; }

}  // namespace

TEST_CASE("mqtt: not yet before the broker starts, ready once it is up, killed, not yet", "[mqtt]") {
  MosquittoServer broker;
  auto probe = make(broker.url());
  Attempt before = attempt(*probe);
  INFO(describe(before.outcome));
  CHECK(before.outcome.verdict == Verdict::not_yet);
  CHECK(before.outcome.cheap);

  broker.start();
  Outcome up = poll_for(*probe, Verdict::ready, 10s);
  INFO(describe(up) << "\n" << broker.log_tail());
  REQUIRE(up.verdict == Verdict::ready);

  broker.kill();
  Attempt after = attempt(*probe);
  INFO(describe(after.outcome));
  CHECK(after.outcome.verdict == Verdict::not_yet);
  CHECK(after.outcome.cheap);
}

TEST_CASE("mqtt: credentials", "[mqtt]") {
  MosquittoServer broker;
  broker.start({.anonymous = false});
  REQUIRE(broker.wait_ready());

  Attempt ok = attempt(*make(broker.url(MQ::k_user, MQ::k_password)));
  INFO(describe(ok.outcome) << "\n" << broker.log_tail());
  CHECK(ok.outcome.verdict == Verdict::ready);

  Attempt wrong = attempt(*make(broker.url(MQ::k_user, "Wr0ngPass")));
  INFO(describe(wrong.outcome));
  CHECK(wrong.outcome.verdict == Verdict::fatal);
  CHECK(contains(wrong.outcome.reason, "CONNACK"));
  CHECK_FALSE(contains(wrong.outcome.reason, "Wr0ngPass"));

  Attempt anonymous = attempt(*make(broker.url()));
  INFO(describe(anonymous.outcome));
  CHECK(anonymous.outcome.verdict == Verdict::fatal);
}

TEST_CASE("mqtt: CONNACK return codes", "[mqtt]") {
  auto probe_for = [](const CannedServer& s) { return make("mqtt://127.0.0.1:" + std::to_string(s.port())); };
  SECTION("3 server unavailable is not yet") {
    CannedServer fake(connack(3));
    Attempt a = attempt(*probe_for(fake));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason == "CONNACK 3: server unavailable");
  }
  SECTION("4 bad user name or password is fatal") {
    CannedServer fake(connack(4));
    Attempt a = attempt(*probe_for(fake));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "CONNACK 4: bad user name or password");
  }
  SECTION("1 unacceptable protocol version is fatal") {
    CannedServer fake(connack(1));
    CHECK(attempt(*probe_for(fake)).outcome.verdict == Verdict::fatal);
  }
  SECTION("an HTTP server is not an MQTT broker") {
    CannedServer fake("HTTP/1.1 400 Bad Request\r\n\r\n");
    Attempt a = attempt(*probe_for(fake));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(contains(a.outcome.reason, "not an MQTT broker?"));
  }
  SECTION("closing without CONNACK is not yet") {
    CannedServer fake("");
    CHECK(attempt(*probe_for(fake)).outcome.verdict == Verdict::not_yet);
  }
}

TEST_CASE("mqtt: a hung broker is not yet within the attempt timeout", "[mqtt]") {
  SilentServer silent;
  Attempt a = attempt(*make("mqtt://127.0.0.1:" + std::to_string(silent.port())), 300ms);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(contains(a.outcome.reason, "timed out"));
  CHECK(a.elapsed >= 250ms);
}

TEST_CASE("mqtt: options are checked when the probe is made", "[mqtt]") {
  CHECK(make_error("mqtt://broker:1883?qos=1") == "unknown option 'qos' for mqtt:// in mqtt://broker:1883?qos=1");
}

}  // namespace stackgate::testing
