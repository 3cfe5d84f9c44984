// Listeners a client can reach but not use, and the wrong protocol on the
// right port, against the suite's real broker (kafka_server.h lists its
// UNRESOLVABLE and MISADVERTISED listeners).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "probes/probe.h"
#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/integration/kafka/kafka_test_support.h"

using namespace std::chrono_literals;
using stackgate::probes::Outcome;
using stackgate::probes::Verdict;
using namespace stackgate::testing;

TEST_CASE("a broker advertising a name that does not resolve is not_yet naming the broker and the address",
          "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string topic = unique_name("adv");
  create_topic(broker.bootstrap(), topic, 1);
  std::string advertised = "kafka-broker.invalid:" + std::to_string(broker.unresolvable_port());
  for (const std::string& query : std::vector<std::string>{"", "?topics=" + topic, "?groups=" + unique_name("adv")}) {
    auto probe = make_probe_or_fail("kafka://" + broker.unresolvable_bootstrap() + query);
    WindowRun run = run_window(*probe, 1, 0ms, 2s);
    INFO(query << "\n" << history(run));
    CHECK_FALSE(run.released);
    CHECK(run.last_not_yet ==
          "broker 1 advertises " + advertised + ", which does not resolve from here (check advertised.listeners)");
  }
}

TEST_CASE("a broker advertising an address nothing listens on is not_yet naming it", "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  auto probe = make_probe_or_fail("kafka://" + broker.misadvertised_bootstrap());
  WindowRun run = run_window(*probe, 1, 0ms, 2s);
  INFO(history(run));
  CHECK_FALSE(run.released);
  CHECK(run.last_not_yet == "broker 1 advertises 127.0.0.1:" + std::to_string(broker.dead_advertised_port()) +
                                ", which refuses connections from here (check advertised.listeners)");
  // The same broker through a listener it advertises correctly is ready.
  auto good = make_probe_or_fail("kafka://" + broker.bootstrap());
  CHECK(wait_for(*good, Verdict::ready, 20s).verdict == Verdict::ready);
}

TEST_CASE("a plaintext client on a SASL listener is told, at once, that the listener expects SASL or TLS",
          "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  auto probe = make_probe_or_fail("kafka://" + broker.sasl_bootstrap());
  for (int i = 0; i < 3; ++i) {
    auto begin = std::chrono::steady_clock::now();
    Outcome o = probe->check(5000ms);
    auto took = std::chrono::steady_clock::now() - begin;
    INFO("attempt " << i << ": " << describe(o) << " in "
                    << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    CHECK(o.verdict == Verdict::not_yet);
    CHECK(o.reason == "the listener at " + broker.sasl_bootstrap() +
                          " closed the connection instead of answering a plaintext Metadata request: it expects SASL "
                          "or TLS, but security.protocol is PLAINTEXT (set rdkafka.security.protocol, or user:pass@ "
                          "for SASL/PLAIN)");
    CHECK(took < 1000ms);  // not librdkafka's 5 s "metadata did not arrive in time"
  }
}

TEST_CASE("a SASL client on a plaintext listener is fatal, saying the listener has no SASL", "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  auto probe = make_probe_or_fail("kafka://alice:alice-secret@" + broker.bootstrap());
  Outcome o = wait_for(*probe, Verdict::fatal, 20s);
  INFO(describe(o));
  CHECK(o.verdict == Verdict::fatal);
  CHECK(o.reason.starts_with("cannot use broker " + broker.bootstrap() +
                             ": this listener has no SASL: it offers no SASL mechanism, but security.protocol is "
                             "SASL_* ("));
  CHECK(o.reason.ends_with("supported mechanisms: (none))"));
  CHECK(o.reason.find("alice-secret") == std::string::npos);
}

TEST_CASE("a plaintext client on a TLS listener is told, at once, that the listener expects SASL or TLS",
          "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  auto probe = make_probe_or_fail("kafka://" + broker.tls_bootstrap());
  auto begin = std::chrono::steady_clock::now();
  Outcome o = probe->check(5000ms);
  auto took = std::chrono::steady_clock::now() - begin;
  INFO(describe(o) << " in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(o.verdict == Verdict::not_yet);
  CHECK(o.reason.starts_with("the listener at " + broker.tls_bootstrap() +
                             " closed the connection instead of answering a plaintext Metadata request: it expects "
                             "SASL or TLS"));
  CHECK(took < 1000ms);
}
