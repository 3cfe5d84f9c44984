// What the Kafka integration tests do to the broker, with librdkafka: create
// topics, produce, and run real high-level consumers in a group.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

struct rd_kafka_s;

namespace stackgate::testing {

/// Creates `topic` with `partitions` partitions, replication factor 1.
/// Throws std::runtime_error with the broker's error.
void create_topic(const std::string& bootstrap, const std::string& topic, int partitions);

/// Produces one message with acks=all and waits for its delivery report.
/// Returns "" on success, else the delivery error.
std::string produce_one(const std::string& bootstrap, const std::string& topic);

/// A high-level consumer in `group`, subscribed to `topic`, polled on its own
/// thread until stop() (or destruction), which closes it (LeaveGroup).
class GroupConsumer {
 public:
  GroupConsumer(const std::string& bootstrap, const std::string& group, const std::string& topic);
  ~GroupConsumer();
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  /// True once the consumer has held a non-empty assignment, i.e. its join
  /// and sync completed and the group went Stable with it as a member.
  bool assigned() const { return m_assigned.load(); }
  void stop();

 private:
  void run();

  rd_kafka_s* m_rk = nullptr;
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_assigned{false};
  std::thread m_thread;
};

/// A unique name for a topic or group in this test run.
std::string unique_name(const std::string& prefix);

}  // namespace stackgate::testing
