#include "tests/integration/kafka/kafka_test_client.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>
#include <vector>

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
  static int counter = 0;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
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

GroupConsumer::GroupConsumer(const std::string& bootstrap, const std::string& group, const std::string& topic) {
  // Short heartbeats so that members notice a rebalance, and rejoin, quickly.
  rd_kafka_conf_t* conf = base_conf(bootstrap, {{"group.id", group},
                                                {"session.timeout.ms", "6000"},
                                                {"heartbeat.interval.ms", "300"},
                                                {"enable.auto.commit", "false"},
                                                {"auto.offset.reset", "earliest"}});
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

void GroupConsumer::run() {
  while (!m_stop.load()) {
    if (rd_kafka_message_t* msg = rd_kafka_consumer_poll(m_rk, 100)) rd_kafka_message_destroy(msg);
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(m_rk, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR && assignment) {
      if (assignment->cnt > 0) m_assigned.store(true);
      rd_kafka_topic_partition_list_destroy(assignment);
    }
  }
  rd_kafka_consumer_close(m_rk);
}

void GroupConsumer::stop() {
  if (!m_thread.joinable()) return;
  m_stop.store(true);
  m_thread.join();
  rd_kafka_destroy(m_rk);
  m_rk = nullptr;
}

}  // namespace stackgate::testing
