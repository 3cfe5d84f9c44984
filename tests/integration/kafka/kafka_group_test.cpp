// Consumer groups that look Stable but are not: rebalances that keep the
// member ids, partitions left without an owner, members that died without
// leaving. Against the suite's real broker; every topic and group is unique.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "probes/kafka_groups.h"
#include "probes/probe.h"
#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/integration/kafka/kafka_test_support.h"

using namespace std::chrono_literals;
using stackgate::probes::Outcome;
using stackgate::probes::Verdict;
using stackgate::probes::kafka::describe_change;
using stackgate::probes::kafka::GroupSnapshot;
using stackgate::probes::kafka::unassigned_partitions;
using namespace stackgate::testing;

namespace {

bool any_line_has(const WindowRun& run, const std::string& text) {
  for (const std::string& line : run.log) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("group snapshots: a changed assignment with the same member ids is a change", "[kafka]") {
  GroupSnapshot before{{{"m1", {{"events", {0, 1}}}}, {"m2", {}}}};
  GroupSnapshot after{{{"m1", {{"events", {0}}}}, {"m2", {{"events", {1}}}}}};
  CHECK(describe_change(before, before) == std::nullopt);
  CHECK(describe_change(before, after) == "was reassigned (member m1: events[0,1] → events[0])");
  GroupSnapshot third{{{"m1", {{"events", {0}}}}, {"m2", {}}, {"m3", {}}}};
  CHECK(describe_change(after, third) == "membership changed (2 → 3 members)");
  GroupSnapshot renamed{{{"m1", {{"events", {0}}}}, {"m9", {{"events", {1}}}}}};
  CHECK(describe_change(after, renamed) == "membership changed (2 → 2 members, different member ids)");
}

TEST_CASE("group snapshots: unassigned partitions are listed per topic", "[kafka]") {
  GroupSnapshot gap{{{"m1", {{"events", {0}}}}, {"m2", {}}}};
  CHECK(unassigned_partitions(gap, {{"events", 2}, {"audit", 1}}) == "audit[0] events[1]");
  GroupSnapshot full{{{"m1", {{"events", {0}}}}, {"m2", {{"events", {1}}}}}};
  CHECK(unassigned_partitions(full, {{"events", 2}}) == std::nullopt);
}

TEST_CASE("a consumer that changes its subscription every 2 s (same member id) never releases",
          "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string first = unique_name("sub-a"), second = unique_name("sub-b"), group = unique_name("resub");
  create_topic(broker.bootstrap(), first, 1);
  create_topic(broker.bootstrap(), second, 1);
  GroupConsumer consumer(broker.bootstrap(), group, first);
  REQUIRE(poll_until([&] { return consumer.assigned(); }, k_settle));
  auto probe = make_probe_or_fail("kafka://" + broker.bootstrap() + "?groups=" + group);

  auto last_flip = std::chrono::steady_clock::now();
  bool both = false;
  auto flip_every_2s = [&] {
    if (std::chrono::steady_clock::now() - last_flip < 2s) return;
    last_flip = std::chrono::steady_clock::now();
    both = !both;
    consumer.resubscribe(both ? std::vector<std::string>{first, second} : std::vector<std::string>{first});
  };
  // A window of 4 s at 250 ms: the member ids never change, only the
  // assignment (sub-a[0] <-> sub-a[0] sub-b[0]) does.
  WindowRun run = run_window(*probe, 2, 4s, 11s, 250ms, flip_every_2s);
  INFO(history(run) << "subscription changes: " << consumer.resubscribed());
  CHECK(consumer.resubscribed() >= 4);
  CHECK_FALSE(run.released);
  CHECK(any_line_has(run, "not_yet: group " + group + " was reassigned (member "));
}

TEST_CASE("assigned=all: a Stable group that leaves partitions without an owner is not_yet naming them",
          "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string listed = unique_name("all-a"), unread = unique_name("all-b"), group = unique_name("all");
  create_topic(broker.bootstrap(), listed, 2);
  create_topic(broker.bootstrap(), unread, 1);
  GroupConsumer consumer(broker.bootstrap(), group, listed);
  REQUIRE(poll_until([&] { return consumer.assigned(); }, k_settle));

  // The group reads only `listed`; asking for every partition of `unread`
  // too can never pass, and the reason says which partitions lack an owner.
  auto strict = make_probe_or_fail("kafka://" + broker.bootstrap() + "?topics=" + unread + "&groups=" + group +
                                   "&assigned=all");
  Outcome o = wait_for(*strict, Verdict::not_yet, 20s);
  poll_until([&] {
    o = strict->check(k_attempt);
    return o.reason.find("unassigned") != std::string::npos;
  }, 20s, 100ms);
  INFO(describe(o));
  CHECK(o.reason == "group " + group + " is Stable (1 member) but leaves " + unread + "[0] unassigned (assigned=all)");

  auto covered = make_probe_or_fail("kafka://" + broker.bootstrap() + "?groups=" + group + "&assigned=all");
  WindowRun run = run_window(*covered, 2, 500ms, k_settle);
  INFO(history(run));
  REQUIRE(run.released);
  CHECK(run.last.reason == "1 broker, group " + group + " Stable (1 member, every partition assigned)" + k_session_caveat);
}

TEST_CASE("a member killed without leaving counts until its session times out, a longer window catches it",
          "[kafka][integration]") {
  KafkaServer& broker = shared_broker();
  std::string topic = unique_name("crash"), group = unique_name("crash");
  create_topic(broker.bootstrap(), topic, 2);
  GroupConsumer survivor(broker.bootstrap(), group, topic, {.session_timeout_ms = 6000});
  GroupConsumer doomed(broker.bootstrap(), group, topic, {.session_timeout_ms = 6000});
  REQUIRE(poll_until([&] { return survivor.assigned() && doomed.assigned(); }, k_settle));
  auto probe = make_probe_or_fail("kafka://" + broker.bootstrap() + "?groups=" + group + "&min_members=2");
  REQUIRE(wait_for(*probe, Verdict::ready, k_settle).verdict == Verdict::ready);

  doomed.crash();
  auto crashed_at = std::chrono::steady_clock::now();
  // Within the session timeout the broker still lists the dead member: a
  // window shorter than the session timeout releases (the caveat the README
  // and the ready reason state).
  WindowRun short_window = run_window(*probe, 2, 1s, 4s);
  INFO(history(short_window));
  CHECK(short_window.released);
  CHECK(std::chrono::steady_clock::now() - crashed_at < 6s);
  CHECK(short_window.last.reason.find("session") != std::string::npos);

  // A window longer than the session timeout sees the member expire and the
  // group drop below min_members, and does not release.
  WindowRun long_window = run_window(*probe, 2, 8s, 12s);
  INFO(history(long_window));
  CHECK_FALSE(long_window.released);
  CHECK(long_window.last_not_yet.starts_with("group " + group));
}
