#include "tests/integration/kafka/kafka_test_client.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>
#include <vector>

#include "tests/servers/harness.h"

namespace stackgate::testing {
namespace {

void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

rd_kafka_conf_t* base_conf(const std::string& bootstrap,
                           const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> props = {{"bootstrap.servers", bootstrap},
                                                           {"reconnect.backoff.max.ms", "250"}};
  props.insert(props.end(), extra.begin(), extra.end());
  char errstr[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error("conf " + k + ": " + errstr);
    }
  }
  rd_kafka_conf_set_log_cb(conf, quiet_log);
  return conf;
}

rd_kafka_t* new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("rd_kafka_new: ") + errstr);
  }
  return rk;
}

}  // namespace

std::string unique_name(const std::string& prefix) {
  // Test processes share one broker (the kafka_broker CTest fixture): the pid
  // and the process's start time keep names apart across processes, the
  // counter within one.
  static const long long started = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count() % 100000000;
  static int counter = 0;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(started) + "-" + std::to_string(++counter);
}

void create_topic(const std::string& bootstrap, const std::string& topic, int partitions) {
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, base_conf(bootstrap));
  char errstr[512];
  rd_kafka_NewTopic_t* spec = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, errstr, sizeof errstr);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, 20000, errstr, sizeof errstr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &spec, 1, options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
  std::string error;
  if (!event) {
    error = "no answer in 30s";
  } else if (rd_kafka_event_error(event)) {
    error = rd_kafka_event_error_string(event);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
    if (n != 1) error = "expected one topic result";
    else if (rd_kafka_topic_result_error(results[0])) error = rd_kafka_topic_result_error_string(results[0]);
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(spec);
  rd_kafka_destroy(rk);
  if (!error.empty()) throw std::runtime_error("create topic " + topic + ": " + error);
}

std::string produce_one(const std::string& bootstrap, const std::string& topic) {
  struct Delivery {
    bool done = false;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  } delivery;
  rd_kafka_conf_t* conf = base_conf(bootstrap, {{"acks", "all"}, {"message.timeout.ms", "20000"}});
  rd_kafka_conf_set_opaque(conf, &delivery);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
    auto* d = static_cast<Delivery*>(opaque);
    d->done = true;
    d->err = msg->err;
  });
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, conf);
  const char payload[] = "hello";
  rd_kafka_resp_err_t err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                                              RD_KAFKA_V_VALUE(const_cast<char*>(payload), sizeof payload - 1),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (!err) rd_kafka_flush(rk, 25000);
  rd_kafka_poll(rk, 0);
  rd_kafka_destroy(rk);
  if (err) return rd_kafka_err2str(err);
  if (!delivery.done) return "no delivery report";
  return delivery.err ? rd_kafka_err2str(delivery.err) : "";
}

GroupConsumer::GroupConsumer(const std::string& bootstrap, const std::string& group, const std::string& topic,
                             ConsumerOptions options) {
  // Short heartbeats so that members notice a rebalance, and rejoin, quickly.
  std::vector<std::pair<std::string, std::string>> props = {
      {"group.id", group},
      {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
      {"heartbeat.interval.ms", "300"},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "earliest"}};
  if (!options.assignor.empty()) props.emplace_back("partition.assignment.strategy", options.assignor);
  rd_kafka_conf_t* conf = base_conf(bootstrap, props);
  m_rk = new_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(m_rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(m_rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) {
    rd_kafka_destroy(m_rk);
    throw std::runtime_error(std::string("subscribe: ") + rd_kafka_err2str(err));
  }
  m_thread = std::thread([this] { run(); });
}

GroupConsumer::~GroupConsumer() { stop(); }

void GroupConsumer::resubscribe(std::vector<std::string> topics) {
  std::lock_guard lock(m_mutex);
  m_pending = std::move(topics);
}

void GroupConsumer::run() {
  while (!m_stop.load()) {
    std::optional<std::vector<std::string>> pending;
    {
      std::lock_guard lock(m_mutex);
      pending.swap(m_pending);
    }
    if (pending) {
      rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(static_cast<int>(pending->size()));
      for (const std::string& t : *pending) rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
      if (rd_kafka_subscribe(m_rk, topics) == RD_KAFKA_RESP_ERR_NO_ERROR) ++m_resubscribed;
      rd_kafka_topic_partition_list_destroy(topics);
    }
    if (rd_kafka_message_t* msg = rd_kafka_consumer_poll(m_rk, 20)) rd_kafka_message_destroy(msg);
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(m_rk, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR && assignment) {
      if (assignment->cnt > 0) m_assigned.store(true);
      rd_kafka_topic_partition_list_destroy(assignment);
    }
  }
  if (m_leave.load()) rd_kafka_consumer_close(m_rk);
}

void GroupConsumer::stop() { finish(true); }

void GroupConsumer::crash() { finish(false); }

void GroupConsumer::finish(bool leave) {
  if (!m_thread.joinable()) return;
  m_leave.store(leave);
  m_stop.store(true);
  m_thread.join();
  rd_kafka_destroy_flags(m_rk, leave ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  m_rk = nullptr;
}

GroupWatcher::GroupWatcher(const std::string& bootstrap, const std::string& group) : m_group(group) {
  m_rk = new_client(RD_KAFKA_PRODUCER, base_conf(bootstrap));
  m_thread = std::thread([this] { run(); });
}

GroupWatcher::~GroupWatcher() { stop(); }

void GroupWatcher::stop() {
  if (!m_thread.joinable()) return;
  m_stop.store(true);
  m_thread.join();
  rd_kafka_destroy(m_rk);
  m_rk = nullptr;
}

namespace {

// One DescribeGroups; "" when it got no answer.
std::string describe_group(rd_kafka_t* rk, const std::string& group, bool* stable) {
  char errstr[256];
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
  rd_kafka_AdminOptions_set_request_timeout(options, 1000, errstr, sizeof errstr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  const char* names[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, names, 1, options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 1500);
  std::string text;
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups =
      event && !rd_kafka_event_error(event)
          ? rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(event), &n)
          : nullptr;
  if (n == 1 && !rd_kafka_ConsumerGroupDescription_error(groups[0])) {
    rd_kafka_consumer_group_state_t state = rd_kafka_ConsumerGroupDescription_state(groups[0]);
    *stable = state == RD_KAFKA_CONSUMER_GROUP_STATE_STABLE;
    text = rd_kafka_consumer_group_state_name(state);
    std::vector<std::string> members;
    for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(groups[0]); ++i) {
      const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(groups[0], i);
      std::string line = rd_kafka_MemberDescription_consumer_id(m) + std::string("=");
      const rd_kafka_topic_partition_list_t* parts =
          rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m));
      std::vector<std::string> held;
      for (int p = 0; parts && p < parts->cnt; ++p) {
        held.push_back(std::string(parts->elems[p].topic) + "[" + std::to_string(parts->elems[p].partition) + "]");
      }
      std::sort(held.begin(), held.end());
      for (const std::string& h : held) line += h;
      members.push_back(line);
    }
    std::sort(members.begin(), members.end());
    for (const std::string& m : members) text += " " + m;
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(options);
  return text;
}

}  // namespace

void GroupWatcher::run() {
  // The broker answered each request between its sending and its answer's
  // arrival, so a new state began after the previous answered request was sent.
  std::optional<time_point> previous_sent;
  poll_until([&] {
    bool stable = false;
    auto sent = std::chrono::steady_clock::now();
    std::string text = describe_group(m_rk, m_group, &stable);
    auto now = std::chrono::steady_clock::now();
    if (!text.empty()) {
      std::lock_guard lock(m_mutex);
      if (m_changes.empty() || m_changes.back().text != text) {
        m_changes.push_back({now, previous_sent.value_or(sent), stable, text});
      }
      previous_sent = sent;
    }
    return m_stop.load();
  }, std::chrono::minutes(10), std::chrono::milliseconds(2));
}

std::optional<GroupWatcher::time_point> GroupWatcher::first_stable() const {
  std::lock_guard lock(m_mutex);
  for (const Change& c : m_changes) {
    if (c.stable) return c.at;
  }
  return std::nullopt;
}

std::optional<GroupWatcher::time_point> GroupWatcher::stable_since() const {
  std::lock_guard lock(m_mutex);
  if (m_changes.empty() || !m_changes.back().stable) return std::nullopt;
  return m_changes.back().at;
}

std::optional<GroupWatcher::time_point> GroupWatcher::stable_after() const {
  std::lock_guard lock(m_mutex);
  if (m_changes.empty() || !m_changes.back().stable) return std::nullopt;
  return m_changes.back().after;
}

std::vector<GroupWatcher::Change> GroupWatcher::changes() const {
  std::lock_guard lock(m_mutex);
  return m_changes;
}

}  // namespace stackgate::testing
