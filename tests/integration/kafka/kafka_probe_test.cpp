// The kafka probe against a real Apache Kafka broker (KRaft, from Maven
// Central jars) on loopback. One broker per test process, shared by the test
// cases that run in it; every topic and group name is unique.
//
// Waiting is always a bounded poll; the stability window is driven by
// run_window(), which does what the scheduler does with a probe: attempts at
// an interval, a single not_yet restarts the window, release after `passes`
// passes spanning `stable_for`.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "probes/probe.h"
#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/integration/kafka/kafka_test_support.h"
#include "tests/servers/kafka_server.h"

using namespace std::chrono_literals;
using stackgate::probes::Millis;
using stackgate::probes::Outcome;
using stackgate::probes::Probe;
using stackgate::probes::Verdict;
using stackgate::testing::describe;
using stackgate::testing::GroupConsumer;
using stackgate::testing::KafkaServer;
using stackgate::testing::poll_until;
using stackgate::testing::private_broker;
using stackgate::testing::shared_broker;
using stackgate::testing::unique_name;
using stackgate::testing::k_attempt;
using stackgate::testing::k_settle;
using stackgate::testing::k_session_caveat;
using stackgate::testing::wait_for;
using stackgate::testing::WindowRun;
using stackgate::testing::run_window;
using stackgate::testing::history;

namespace {

std::expected<std::unique_ptr<Probe>, std::string> try_make(const std::string& url) {
  return stackgate::testing::try_make_probe(url);
}

std::unique_ptr<Probe> make(const std::string& url) { return stackgate::testing::make_probe_or_fail(url); }

}  // namespace

TEST_CASE("kafka options: an unknown option is a config error with a suggestion", "[kafka]") {
  auto probe = try_make("kafka://127.0.0.1:1?topic=events");
  REQUIRE_FALSE(probe.has_value());
  CHECK(probe.error() == "kafka: unknown option 'topic' (did you mean 'topics'?)");
}

TEST_CASE("kafka options: bad counts, empty lists and bad rdkafka properties are config errors", "[kafka]") {
  CHECK(try_make("kafka://127.0.0.1:1?brokers=0").error() ==
        "kafka: option 'brokers' wants a positive integer, got '0'");
  CHECK(try_make("kafka://127.0.0.1:1?min_isr=two").error() ==
        "kafka: option 'min_isr' wants a positive integer, got 'two'");
  CHECK(try_make("kafka://127.0.0.1:1?groups=a,,b").error() == "kafka: option 'groups' has an empty name in 'a,,b'");
  CHECK(try_make("kafka://127.0.0.1:1?rdkafka.no.such.thing=1").error() ==
        "kafka: rdkafka.no.such.thing=1: No such configuration property: \"no.such.thing\"");
}

TEST_CASE("kafka options: a group or topic named twice is a config error, not a wait forever", "[kafka]") {
  CHECK(try_make("kafka://127.0.0.1:1?groups=g1,g1").error() == "kafka: option 'groups' names 'g1' twice");
  CHECK(try_make("kafka://127.0.0.1:1?topics=a,b,a").error() == "kafka: option 'topics' names 'a' twice");
}

TEST_CASE("kafka options: options that qualify a missing one are config errors", "[kafka]") {
  CHECK(try_make("kafka://127.0.0.1:1?min_isr=2").error() ==
        "kafka: option 'min_isr' needs topics= (it applies to the listed topics)");
  CHECK(try_make("kafka://127.0.0.1:1?topics=a&min_members=2").error() ==
        "kafka: option 'min_members' needs groups= (it applies to the listed groups)");
  CHECK(try_make("kafka://127.0.0.1:1?assigned=all").error() ==
        "kafka: option 'assigned' needs groups= (it applies to the listed groups)");
  CHECK(try_make("kafka://127.0.0.1:1?groups=g&assigned=some").error() ==
        "kafka: option 'assigned' takes 'all', got 'some'");
  CHECK(try_make("kafka://127.0.0.1:1?topics=a&min_isr=2").has_value());
}

TEST_CASE("kafka options: secrets never appear in errors", "[kafka]") {
  auto probe = try_make("kafka://alice:hunter2hunter2@127.0.0.1:1?rdkafka.security.protocol=bogus"
                        "&rdkafka.ssl.key.password=s3cr3t-key");
  REQUIRE_FALSE(probe.has_value());
  CHECK(probe.error().find("security.protocol=bogus") != std::string::npos);
  CHECK(probe.error().find("hunter2") == std::string::npos);
  CHECK(probe.error().find("s3cr3t") == std::string::npos);
}

TEST_CASE("no broker listening is not_yet and cheap, and ready once the broker starts",
          "[kafka][integration][own-broker]") {
  KafkaServer& broker = private_broker(false);  // configured, not running
  auto probe = make("kafka://" + broker.bootstrap());

  // Every attempt, not only the first few, is answered at once and cheap:
  // the scheduler then retries within 50 ms.
  for (int i = 0; i < 20; ++i) {
    auto begin = std::chrono::steady_clock::now();
    Outcome down = probe->check(5000ms);
    auto took = std::chrono::steady_clock::now() - begin;
    INFO("attempt " << i << ": " << describe(down));
    CHECK(down.verdict == Verdict::not_yet);
    CHECK(down.cheap);
    CHECK(down.reason == "no broker reachable at " + broker.bootstrap() + ": connection refused");
    CHECK(took < 50ms);
  }

  broker.start();
  WARN("broker started in " << broker.last_start_time().count() << " ms");
  Outcome up = wait_for(*probe, Verdict::ready);
  INFO(describe(up));
  CHECK(up.verdict == Verdict::ready);
  CHECK(up.reason == "1 broker");
}

TEST_CASE("a missing topic is not_yet until it is created", "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string topic = unique_name("events");
  auto probe = make("kafka://" + broker.bootstrap() + "?topics=" + topic);

  Outcome missing = probe->check(k_attempt);
  INFO(describe(missing));
  CHECK(missing.verdict == Verdict::not_yet);
  CHECK(missing.reason == "topic " + topic + " does not exist yet");

  stackgate::testing::create_topic(broker.bootstrap(), topic, 3);
  WindowRun run = run_window(*probe, 2, 500ms, k_settle);
  INFO(history(run));
  REQUIRE(run.released);
  CHECK(run.last.reason == "1 broker, topics " + topic);
  CHECK(stackgate::testing::produce_one(broker.bootstrap(), topic) == "");
}

TEST_CASE("more brokers or replicas than the cluster has is not_yet with the counts", "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string topic = unique_name("isr");
  stackgate::testing::create_topic(broker.bootstrap(), topic, 1);

  auto two_brokers = make("kafka://" + broker.bootstrap() + "?brokers=2");
  Outcome o = two_brokers->check(k_attempt);
  INFO(describe(o));
  CHECK(o.verdict == Verdict::not_yet);
  CHECK(o.reason == "1 broker in the cluster, want at least 2");

  // With one broker every topic has replication factor 1: min_isr=2 can
  // never pass, and the reason says so rather than only counting replicas.
  auto isr = make("kafka://" + broker.bootstrap() + "?topics=" + topic + "&min_isr=2");
  Outcome i = wait_for(*isr, Verdict::not_yet, 20s);
  // The topic may need a moment to get its leader; then the replicas decide.
  poll_until([&] {
    i = isr->check(k_attempt);
    return i.reason.find("replica") != std::string::npos;
  }, 20s, 100ms);
  INFO(describe(i));
  CHECK(i.verdict == Verdict::not_yet);
  CHECK(i.reason == "topic " + topic +
                        " partition 0 has 1 replica, so min_isr=2 can never be met (the replication factor is below "
                        "min_isr)");
}

TEST_CASE("a group is ready once Stable, and a consumer joining mid-window restarts the window", "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string topic = unique_name("collect");
  std::string group = unique_name("collector");
  stackgate::testing::create_topic(broker.bootstrap(), topic, 2);
  auto probe = make("kafka://" + broker.bootstrap() + "?topics=" + topic + "&groups=" + group);

  GroupConsumer first(broker.bootstrap(), group, topic);
  WindowRun one = run_window(*probe, 3, 1s, k_settle);
  INFO(history(one));
  REQUIRE(one.released);
  CHECK(one.last.reason == "1 broker, topics " + topic + ", group " + group + " Stable (1 member)" + k_session_caveat);

  // Mid-window: the second consumer joins and the group rebalances. Wait
  // (without asking the probe) until its join and sync completed, so the
  // group is Stable again, now with two members.
  GroupConsumer second(broker.bootstrap(), group, topic);
  REQUIRE(poll_until([&] { return second.assigned(); }, k_settle));
  Outcome changed = probe->check(k_attempt);
  INFO(describe(changed));
  CHECK(changed.verdict == Verdict::not_yet);
  CHECK(changed.reason == "group " + group + " membership changed (1 → 2 members)");

  WindowRun two = run_window(*probe, 3, 1s, k_settle);
  INFO(history(two));
  REQUIRE(two.released);
  CHECK(two.last.reason == "1 broker, topics " + topic + ", group " + group + " Stable (2 members)" + k_session_caveat);
}

TEST_CASE("a rebalance seen by the probe is not_yet naming the state", "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string topic = unique_name("rebal");
  std::string group = unique_name("rebalancing");
  stackgate::testing::create_topic(broker.bootstrap(), topic, 2);
  auto probe = make("kafka://" + broker.bootstrap() + "?groups=" + group + "&min_members=2");

  GroupConsumer first(broker.bootstrap(), group, topic);
  Outcome too_few = wait_for(*probe, Verdict::not_yet, k_settle);
  poll_until([&] {
    too_few = probe->check(k_attempt);
    return too_few.reason.find("Stable") != std::string::npos;
  }, k_settle, 100ms);
  INFO(describe(too_few));
  CHECK(too_few.reason == "group " + group + " is Stable (1 member), want at least 2");

  // Asked at a high rate while the second member joins, the probe sees the
  // rebalance itself (or, if it was too quick, the membership change).
  GroupConsumer second(broker.bootstrap(), group, topic);
  std::vector<std::string> seen;
  Outcome o = too_few;
  bool ready = poll_until([&] {
    o = probe->check(k_attempt);
    if (seen.empty() || seen.back() != o.reason) seen.push_back(o.reason);
    return o.verdict == Verdict::ready;
  }, k_settle, 20ms);
  std::string all;
  for (const std::string& s : seen) all += "  " + s + "\n";
  INFO(all);
  REQUIRE(ready);
  bool saw_rebalance = false;
  for (const std::string& s : seen) {
    saw_rebalance = saw_rebalance || s.find("Rebalance (2 members)") != std::string::npos ||
                    s.find("membership changed") != std::string::npos || s.find("was reassigned") != std::string::npos;
  }
  CHECK(saw_rebalance);
  CHECK(o.reason == "1 broker, group " + group + " Stable (2 members)" + k_session_caveat);
}

TEST_CASE("a group nobody joined is Dead, a group everyone left is Empty, and neither releases",
          "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string group = unique_name("nobody");
  auto probe = make("kafka://" + broker.bootstrap() + "?groups=" + group);

  WindowRun run = run_window(*probe, 2, 1s, 6s);
  INFO(history(run));
  CHECK_FALSE(run.released);
  CHECK(run.last.verdict == Verdict::not_yet);
  CHECK(run.last_not_yet ==
        "group " + group + " does not exist (Dead) — no consumer has joined yet, or the group id is wrong");

  std::string topic = unique_name("left");
  std::string left = unique_name("left");
  stackgate::testing::create_topic(broker.bootstrap(), topic, 1);
  {
    GroupConsumer gone(broker.bootstrap(), left, topic);
    REQUIRE(poll_until([&] { return gone.assigned(); }, k_settle));
  }  // closed: LeaveGroup
  auto empty = make("kafka://" + broker.bootstrap() + "?groups=" + left);
  WindowRun after = run_window(*empty, 2, 1s, 4s);
  INFO(history(after));
  CHECK_FALSE(after.released);
  CHECK(after.last_not_yet == "group " + left + " is Empty (0 members)");
}

TEST_CASE("a group whose members keep leaving and joining never releases", "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string topic = unique_name("storm");
  std::string group = unique_name("storm");
  stackgate::testing::create_topic(broker.bootstrap(), topic, 2);
  auto probe = make("kafka://" + broker.bootstrap() + "?groups=" + group);

  GroupConsumer steady(broker.bootstrap(), group, topic);
  REQUIRE(poll_until([&] { return steady.assigned(); }, k_settle));

  // A member that joins, gets its assignment and leaves, over and over.
  std::atomic<bool> stop{false};
  std::atomic<int> cycles{0};
  std::thread churn([&] {
    while (!stop.load()) {
      GroupConsumer flapping(broker.bootstrap(), group, topic);
      poll_until([&] { return stop.load() || flapping.assigned(); }, 10s);
      ++cycles;
    }
  });
  WindowRun run = run_window(*probe, 3, 3s, 15s);
  stop.store(true);
  churn.join();

  INFO(history(run) << "churn cycles: " << cycles.load());
  CHECK(cycles.load() >= 3);
  CHECK_FALSE(run.released);
  bool names_state = run.last_not_yet.find("PreparingRebalance") != std::string::npos ||
                     run.last_not_yet.find("CompletingRebalance") != std::string::npos ||
                     run.last_not_yet.find("membership changed") != std::string::npos ||
                     run.last_not_yet.find("was reassigned") != std::string::npos;
  CHECK(names_state);
}

// Kills the broker: [own-broker], never the shared one.
TEST_CASE("a broker killed mid-window is not_yet, and ready again after it restarts",
          "[kafka][integration][own-broker]") {
  KafkaServer& broker = private_broker();
  std::string topic = unique_name("restart");
  stackgate::testing::create_topic(broker.bootstrap(), topic, 1);
  auto probe = make("kafka://" + broker.bootstrap() + "?topics=" + topic);
  REQUIRE(wait_for(*probe, Verdict::ready).verdict == Verdict::ready);

  broker.kill();
  Outcome down = wait_for(*probe, Verdict::not_yet, 20s);
  INFO(describe(down));
  CHECK(down.verdict == Verdict::not_yet);
  CHECK((down.reason.starts_with("no broker reachable at " + broker.bootstrap()) ||
         down.reason.starts_with("metadata from " + broker.bootstrap() + " did not arrive in time")));

  broker.start();
  WARN("broker restarted in " << broker.last_start_time().count() << " ms");
  WindowRun run = run_window(*probe, 2, 1s, k_settle);
  INFO(history(run));
  CHECK(run.released);
}

// Pauses the broker: [own-broker], never the shared one.
TEST_CASE("a hung broker is not_yet within the attempt timeout", "[kafka][integration][own-broker]") {
  KafkaServer& broker = private_broker();
  std::string topic = unique_name("hung");
  std::string group = unique_name("hung");
  stackgate::testing::create_topic(broker.bootstrap(), topic, 1);
  GroupConsumer consumer(broker.bootstrap(), group, topic);
  auto probe = make("kafka://" + broker.bootstrap() + "?topics=" + topic + "&groups=" + group);
  REQUIRE(wait_for(*probe, Verdict::ready).verdict == Verdict::ready);

  broker.pause();
  auto begin = std::chrono::steady_clock::now();
  Outcome hung = probe->check(1000ms);
  auto took = std::chrono::steady_clock::now() - begin;
  broker.resume();
  INFO(describe(hung));
  CHECK(hung.verdict == Verdict::not_yet);
  // Usually the metadata request times out; if SIGSTOP landed just after it
  // was answered, the DescribeGroups request does.
  CHECK((hung.reason.starts_with("metadata from " + broker.bootstrap() + " did not arrive in time: Local: Timed out") ||
         hung.reason == "group " + group + ": Local: Timed out"));
  CHECK(took >= 950ms);
  CHECK(took < 1000ms + 100ms);

  // The broker may fence itself after the pause; it comes back on its own.
  WindowRun run = run_window(*probe, 2, 1s, k_settle);
  INFO(history(run));
  CHECK(run.released);
}

TEST_CASE("SASL/PLAIN: a wrong password is fatal and never shown, the right one is ready", "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  auto wrong = make("kafka://alice:not-the-password@" + broker.sasl_bootstrap());
  Outcome o = wait_for(*wrong, Verdict::fatal, 20s);
  INFO(describe(o));
  CHECK(o.verdict == Verdict::fatal);
  CHECK(o.reason.find("Authentication failed") != std::string::npos);
  CHECK(o.reason.find("not-the-password") == std::string::npos);

  auto right = make("kafka://" + broker.sasl_bootstrap() +
                    "?rdkafka.security.protocol=SASL_PLAINTEXT&rdkafka.sasl.mechanism=PLAIN"
                    "&rdkafka.sasl.username=alice&rdkafka.sasl.password=alice-secret");
  Outcome ok = wait_for(*right, Verdict::ready, 20s);
  INFO(describe(ok));
  CHECK(ok.verdict == Verdict::ready);
}
