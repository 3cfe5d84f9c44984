// Listeners a client can reach but not use, and the wrong protocol on the
// right port, against the suite's real broker (kafka_server.h lists its
// UNRESOLVABLE and MISADVERTISED listeners).
#include <catch2/catch.hpp>

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
