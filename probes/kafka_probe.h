// The Kafka probe: brokers answer metadata under names clients can use,
// topics have leaders and enough in-sync replicas, consumer groups are Stable
// with an unchanged membership and assignment.
//
//   kafka://b1:9092,b2:9092?brokers=2&topics=events,audit&min_isr=2
//          &groups=collector&min_members=1&assigned=all
//          &rdkafka.security.protocol=SASL_SSL
//
// Options (besides the common ones in url.h):
//   brokers=N       at least N brokers in the metadata (default 1); every
//                   broker the metadata lists must resolve and accept a TCP
//                   connection at the address it advertises
//   topics=a,b      each topic exists, every partition has a leader and at
//                   least min_isr in-sync replicas (min_isr default 1; only
//                   with topics=)
//   groups=g1,g2    each consumer group is Stable with at least min_members
//                   members (default 1), and its member ids and each member's
//                   assigned partitions are the same as at the previous
//                   passing attempt: a consumer joining, leaving, rejoining
//                   or changing its subscription restarts the window
//   assigned=all    (with groups=) every partition of the topics in topics=
//                   and of the topics the group holds is assigned to a member
//   session_timeout=DUR  (with groups=) the consumers' session.timeout.ms,
//                   default 45s. A consumer killed without leaving the group
//                   stays a member of a Stable group for that long; when the
//                   window is shorter, the ready reason says so. A window
//                   longer than the session timeout sees the member expire.
//   rdkafka.<prop>  any librdkafka client property, passed through
//                   (security.protocol, sasl.*, ssl.*, ...)
// The URL's user:pass@ becomes sasl.username/sasl.password, with
// security.protocol=SASL_PLAINTEXT and sasl.mechanism=PLAIN unless the
// rdkafka.* options say otherwise. Values of properties whose name contains
// "password" or "secret" never appear in reasons or errors. Naming a group or
// topic twice, and min_isr without topics= or min_members / assigned without
// groups=, are errors: they could never mean anything.
//
// librdkafka is included only by kafka_probe.cpp; this module is built as
// libstackgate-kafka.so and loaded on first use of a kafka:// URL.
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "probes/probe.h"
#include "spec/probe_spec.h"

namespace stackgate::probes {

// The kafka-specific options of a probe URL, validated.
struct KafkaOptions {
  std::vector<std::string> bootstrap;  // "host:port", port defaulting to 9092
  std::vector<HostPort> addresses;     // the same, port filled in
  int brokers = 1;
  std::vector<std::string> topics;
  int min_isr = 1;
  std::vector<std::string> groups;
  int min_members = 1;
  bool assigned_all = false;
  // The consumers' session.timeout.ms: a member killed without leaving stays
  // listed (and the group Stable) this long. Java's and librdkafka's default.
  std::chrono::milliseconds session_timeout{45000};
  // The probe's own stability window, when the URL sets one (the gate's
  // default window otherwise, which the probe does not see).
  std::chrono::milliseconds stable_for{1000};
  // librdkafka properties in the order they are applied; user:pass@ mapping
  // first, then the rdkafka.* options, so explicit options win.
  std::vector<std::pair<std::string, std::string>> rdkafka;
};

/// Reads the kafka options of `url`. Unknown options, bad numbers and empty
/// lists are errors (one line, secrets redacted).
std::expected<KafkaOptions, std::string> parse_kafka_options(const Url& url);

/// Builds the probe. The librdkafka client handle is created here (so a bad
/// rdkafka.* property is a config error) and reused by every check().
std::expected<std::unique_ptr<Probe>, std::string> make_kafka_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
