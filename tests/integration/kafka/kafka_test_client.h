// What the Kafka integration tests do to the broker, with librdkafka: create
// topics, produce, and run real high-level consumers in a group.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct rd_kafka_s;

namespace stackgate::testing {

/// Creates `topic` with `partitions` partitions, replication factor 1.
/// Throws std::runtime_error with the broker's error.
void create_topic(const std::string& bootstrap, const std::string& topic, int partitions);

/// Produces one message with acks=all and waits for its delivery report.
/// Returns "" on success, else the delivery error.
std::string produce_one(const std::string& bootstrap, const std::string& topic);

struct ConsumerOptions {
  std::string assignor{};  // partition.assignment.strategy; "" for librdkafka's default
  int session_timeout_ms = 6000;
};

/// A high-level consumer in `group`, subscribed to `topic`, polled on its own
/// thread until stop() (or destruction), which closes it (LeaveGroup).
class GroupConsumer {
 public:
  GroupConsumer(const std::string& bootstrap, const std::string& group, const std::string& topic,
                ConsumerOptions options = {});
  ~GroupConsumer();
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  /// True once the consumer has held a non-empty assignment, i.e. its join
  /// and sync completed and the group went Stable with it as a member.
  bool assigned() const { return m_assigned.load(); }
  /// Changes the subscription (on the poll thread, at its next turn): the
  /// group rebalances and the member keeps its member id.
  void resubscribe(std::vector<std::string> topics);
  /// How many subscription changes the poll thread has applied.
  int resubscribed() const { return m_resubscribed.load(); }
  void stop();
  /// Like kill -9 of the consumer's process: stops heartbeating and goes away
  /// without LeaveGroup, so the broker lists it until its session times out.
  void crash();

 private:
  void run();
  void finish(bool leave);

  rd_kafka_s* m_rk = nullptr;
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_leave{true};
  std::atomic<bool> m_assigned{false};
  std::atomic<int> m_resubscribed{0};
  std::mutex m_mutex;
  std::optional<std::vector<std::string>> m_pending;  // guarded by m_mutex
  std::thread m_thread;
};

/// An observer independent of the probe: describes `group` every ~2 ms on its
/// own thread (for at most 10 minutes) and records every change of state,
/// members or assignment with the time it was first seen.
class GroupWatcher {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  struct Change {
    time_point at;     // when the answer that first showed it arrived
    time_point after;  // when the last request that still showed the state before was sent
    bool stable = false;
    std::string text;  // "Stable m1=events[0,1] m2=events[2]"
  };

  GroupWatcher(const std::string& bootstrap, const std::string& group);
  ~GroupWatcher();
  GroupWatcher(const GroupWatcher&) = delete;
  GroupWatcher& operator=(const GroupWatcher&) = delete;

  /// When the group was first seen Stable.
  std::optional<time_point> first_stable() const;
  /// When the latest unchanged stretch began, if the group is Stable in it.
  std::optional<time_point> stable_since() const;
  /// A time before the latest unchanged stretch began, if the group is Stable
  /// in it: unlike stable_since(), never late when this thread ran late.
  std::optional<time_point> stable_after() const;
  std::vector<Change> changes() const;
  void stop();

 private:
  void run();

  rd_kafka_s* m_rk = nullptr;
  std::string m_group;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::vector<Change> m_changes;  // guarded by m_mutex
  std::thread m_thread;
};

/// A unique name for a topic or group in this test run.
std::string unique_name(const std::string& prefix);

}  // namespace stackgate::testing
