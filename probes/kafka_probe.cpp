// The Kafka probe, on librdkafka's C API (the only file that includes it).
//
// One producer handle per probe, created at make time and reused: it serves
// both metadata and the Admin API, and keeping it means later attempts reuse
// open connections instead of paying for bootstrap, ApiVersion and SASL on
// every attempt. An attempt is, in order and within the attempt's timeout:
//   0. while no attempt has reached a broker: a plain TCP connect to the
//      bootstrap addresses (kafka_listeners.h), so that a broker that is down
//      costs microseconds to ask, not librdkafka's connection timeouts;
//   1. metadata (all topics when topics= or assigned=all is given): a broker
//      answers, at least `brokers` of them, and each one's advertised
//      address resolves and accepts a connection from here;
//   2. each topic exists, every partition has a leader, no error and at
//      least `min_isr` in-sync replicas;
//   3. one DescribeConsumerGroups for all groups: each Stable with at least
//      `min_members` members, and its members and their assignments
//      unchanged since the previous passing attempt (kafka_groups.h). A change
//      answers not_yet, so that the scheduler's window starts again. While a
//      group forms or sits in its window, every outcome asks the scheduler
//      for the next attempt within 50 ms (Outcome::recheck_within): a
//      rebalance lasts milliseconds, and release should follow Stable as
//      closely. A DescribeGroups costs the coordinator one lookup in memory.
// librdkafka reports connection and authentication failures through
// error_cb, not through the metadata call (which only sees "no usable
// broker"), so the probe keeps the last such error and reads it when
// metadata fails. Every librdkafka error becomes an Outcome in
// outcome_from_error() and nowhere else.
#include "probes/kafka_probe.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>

#include "probes/kafka_groups.h"
#include "probes/kafka_listeners.h"
#include "probes/module.h"
#include "util/duration.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

using Clock = std::chrono::steady_clock;

// While no broker is usable, metadata is asked in slices this long, so that
// an authentication or TLS failure reported meanwhile ends the attempt early.
constexpr int k_no_broker_slice_ms = 25;
// A report that every broker is down counts as current for this long: a
// little more than reconnect.backoff.max.ms below.
constexpr std::chrono::milliseconds k_all_down_recent{400};
// Extra time given to the admin result queue beyond the request timeout,
// which librdkafka enforces itself.
constexpr int k_queue_slack_ms = 20;
// How soon a probe watching a group asks to be attempted again, and how many
// such quick attempts one probe makes at most (10 minutes' worth), after
// which the scheduler's own backoff and window cadence apply again.
constexpr Millis k_group_recheck{50};
constexpr int k_quick_group_attempts = 12000;
// Secrets shorter than this are not scrubbed from librdkafka's messages (it
// would mangle every reason); our own messages never include them at all.
constexpr size_t k_min_scrub_length = 4;

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
template <typename T>
using KafkaPtr = std::unique_ptr<T, KafkaDeleter>;

// The end of one attempt.
class Deadline {
 public:
  explicit Deadline(Millis timeout) : m_end(Clock::now() + timeout) {}
  int remaining_ms() const {
    auto left = std::chrono::duration_cast<Millis>(m_end - Clock::now()).count();
    return static_cast<int>(std::max<long long>(0, left));
  }

 private:
  Clock::time_point m_end;
};

std::string plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}


bool is_secret_property(std::string_view name) {
  std::string lower = util::to_lower(name);
  return lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos;
}

// librdkafka appends "(after 0ms in state CONNECT, 3 identical error(s)
// suppressed)" to connection errors; the reason reads better without it.
std::string strip_state_suffix(std::string text) {
  size_t pos = text.find(" (after ");
  if (pos != std::string::npos && text.back() == ')') text.erase(pos);
  return text;
}

// The last connection-level error librdkafka reported. error_cb runs on the
// thread calling rd_kafka_poll(); log_cb on librdkafka's own threads.
class ErrorLog {
 public:
  struct Entry {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::string text;
  };

  void record_error(rd_kafka_resp_err_t err, const char* text) {
    // "1/1 brokers are down" says less than the error that took them down.
    std::lock_guard lock(m_mutex);
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      m_all_down_at = Clock::now();
      return;
    }
    m_error = Entry{err, strip_state_suffix(text ? text : "")};
  }
  void record_log(const char* text) {
    std::lock_guard lock(m_mutex);
    m_log = strip_state_suffix(text ? text : "");
  }
  /// Whether librdkafka reported every bootstrap broker down within `recent`.
  /// While they stay down it reports again after each failed reconnect
  /// (reconnect.backoff.max.ms), so a recent report means "down now".
  bool all_down_within(std::chrono::milliseconds recent) const {
    std::lock_guard lock(m_mutex);
    return m_all_down_at && Clock::now() - *m_all_down_at <= recent;
  }
  std::optional<Entry> last_error() const {
    std::lock_guard lock(m_mutex);
    if (m_error.err == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
    return m_error;
  }
  std::string last_log() const {
    std::lock_guard lock(m_mutex);
    return m_log;
  }

 private:
  mutable std::mutex m_mutex;
  Entry m_error;
  std::string m_log;
  std::optional<Clock::time_point> m_all_down_at;
};

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<ErrorLog*>(opaque)->record_error(static_cast<rd_kafka_resp_err_t>(err), reason);
}

void on_log(const rd_kafka_t* rk, int level, const char*, const char* line) {
  if (level <= 4) static_cast<ErrorLog*>(rd_kafka_opaque(rk))->record_log(line);  // LOG_WARNING and worse
}

// librdkafka's words for a protocol mismatch, with what it means added. A
// SASL handshake sent to a listener without SASL fails with an empty list
// of mechanisms.
std::string explain(const std::string& text) {
  constexpr std::string_view k_no_mechanisms = "supported mechanisms: ";
  if (text.ends_with(k_no_mechanisms) || text.ends_with(util::trim(k_no_mechanisms))) {
    return "this listener has no SASL: it offers no SASL mechanism, but security.protocol is SASL_* (" + text +
           "(none))";
  }
  return text;
}

// The one place that decides what a librdkafka or broker error means for
// readiness. `reason` is the line to report.
Outcome outcome_from_error(rd_kafka_resp_err_t err, std::string reason) {
  switch (err) {
    // Credentials, TLS and ACLs: waiting will not fix them.
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return Outcome::fatal(std::move(reason));
    // Nothing answered: the broker is not listening (yet), or its name does
    // not resolve (yet). Costs the server nothing to ask again soon.
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
      return Outcome::not_yet(std::move(reason), true);
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return Outcome::unresolved(std::move(reason));
    // Everything else (timeouts, leader elections, COORDINATOR_LOAD_IN_PROGRESS,
    // COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, REBALANCE_IN_PROGRESS...)
    // is a broker still getting there.
    default:
      return Outcome::not_yet(std::move(reason));
  }
}

class KafkaProbe final : public Probe {
 public:
  KafkaProbe(KafkaOptions options, std::vector<std::string> secrets, bool plaintext)
      : m_options(std::move(options)),
        m_secrets(std::move(secrets)),
        m_plaintext(plaintext),
        m_errors(std::make_unique<ErrorLog>()) {
    m_endpoint = util::join(m_options.bootstrap, ",");
  }

  // Creates the client handle; takes ownership of `conf`.
  std::expected<void, std::string> connect(KafkaPtr<rd_kafka_conf_t> conf) {
    rd_kafka_conf_set_opaque(conf.get(), m_errors.get());
    rd_kafka_conf_set_error_cb(conf.get(), on_error);
    rd_kafka_conf_set_log_cb(conf.get(), on_log);
    char errstr[512] = "";
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr);
    if (rk == nullptr) return std::unexpected(scrub("kafka: cannot create client: " + std::string(errstr)));
    conf.release();  // owned by rk now
    m_rk.reset(rk);
    return {};
  }

  Outcome check(Millis timeout) override {
    rd_kafka_poll(m_rk.get(), 0);  // drain error_cb reports queued since the last attempt
    m_watching_groups = false;
    Outcome out = attempt(Deadline(timeout));
    if (out.verdict != Verdict::ready && !m_membership_change) m_passed_groups.clear();
    m_membership_change = false;
    if (m_watching_groups && m_quick_attempts < k_quick_group_attempts) {
      out.recheck_within = k_group_recheck;
      ++m_quick_attempts;
    }
    out.reason = scrub(std::move(out.reason));
    return out;
  }

 private:
  using Groups = std::map<std::string, kafka::GroupSnapshot>;

  Outcome attempt(const Deadline& deadline) {
    if (!m_reached) {
      Millis budget{deadline.remaining_ms()};
      if (std::optional<Outcome> down = kafka::check_bootstrap(m_options.addresses, m_endpoint, budget, m_plaintext)) {
        return std::move(*down);
      }
    }
    auto metadata = fetch_metadata(deadline);
    m_reached = metadata.has_value();
    if (!metadata) {
      m_verified_listeners.clear();
      return std::move(metadata.error());
    }
    const rd_kafka_metadata_t& md = **metadata;

    if (md.broker_cnt < m_options.brokers) {
      return Outcome::not_yet(plural(md.broker_cnt, "broker", "brokers") + " in the cluster, want at least " +
                              std::to_string(m_options.brokers));
    }
    std::vector<kafka::AdvertisedBroker> advertised;
    for (int i = 0; i < md.broker_cnt; ++i) {
      advertised.push_back({md.brokers[i].id, md.brokers[i].host ? md.brokers[i].host : "", md.brokers[i].port});
    }
    if (std::optional<Outcome> bad =
            kafka::check_advertised(advertised, Millis{deadline.remaining_ms()}, &m_verified_listeners)) {
      return std::move(*bad);
    }
    if (std::optional<Outcome> bad = check_topics(md)) return std::move(*bad);

    std::string summary = plural(md.broker_cnt, "broker", "brokers");
    if (!m_options.topics.empty()) summary += ", topics " + util::join(m_options.topics, ",");
    if (m_options.groups.empty()) return Outcome::ready(summary);

    m_watching_groups = true;
    Groups groups;
    if (std::optional<Outcome> bad = check_groups(deadline, md, &groups)) return std::move(*bad);
    if (std::optional<Outcome> changed = compare_groups(groups)) return std::move(*changed);
    for (const std::string& group : m_options.groups) {
      summary += ", group " + group + " Stable (" + plural(groups[group].members.size(), "member", "members");
      summary += m_options.assigned_all ? ", every partition assigned)" : ")";
    }
    if (m_options.stable_for < m_options.session_timeout) {
      // DescribeGroups cannot tell a dead member from a live one until the
      // coordinator expires it; only a longer window can.
      summary += "; a member killed less than " + util::format_duration(m_options.session_timeout) +
                 " ago (session timeout) still counts";
    }
    return Outcome::ready(summary);
  }

  std::expected<KafkaPtr<const rd_kafka_metadata_t>, Outcome> fetch_metadata(const Deadline& deadline) {
    const int all_topics = m_options.topics.empty() && !m_options.assigned_all ? 0 : 1;
    bool request_sent = false;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    do {
      int left = std::max(1, deadline.remaining_ms());
      // Without a usable broker rd_kafka_metadata() only waits for one, so
      // ask in slices and look at error_cb's reports in between. Once a
      // request went out (timed out rather than "no broker"), give it the rest.
      int slice = request_sent ? left : std::min(left, k_no_broker_slice_ms);
      const rd_kafka_metadata_t* md = nullptr;
      err = rd_kafka_metadata(m_rk.get(), all_topics, nullptr, &md, slice);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaPtr<const rd_kafka_metadata_t>(md);
      rd_kafka_poll(m_rk.get(), 0);  // runs error_cb
      if (std::optional<ErrorLog::Entry> last = m_errors->last_error()) {
        Outcome out = outcome_from_error(last->err, "cannot use broker " + m_endpoint + ": " + explain(last->text));
        if (out.verdict == Verdict::fatal) return std::unexpected(std::move(out));
      }
      // Every bootstrap broker refused or was unreachable during this
      // attempt: that cost the cluster nothing and waiting out the rest of
      // the timeout would only delay the next try (and a HEALTHCHECK).
      if (err == RD_KAFKA_RESP_ERR__TRANSPORT && m_errors->all_down_within(k_all_down_recent)) break;
      if (err != RD_KAFKA_RESP_ERR__TRANSPORT) request_sent = true;
    } while (deadline.remaining_ms() > 0);

    std::string reason = err == RD_KAFKA_RESP_ERR__TRANSPORT
                             ? "no broker reachable at " + m_endpoint + ": " + rd_kafka_err2str(err)
                             : "metadata from " + m_endpoint + " did not arrive in time: " + rd_kafka_err2str(err);
    std::optional<ErrorLog::Entry> last = m_errors->last_error();
    std::string detail = last ? last->text : m_errors->last_log();
    if (!detail.empty()) reason += " (" + detail + ")";
    return std::unexpected(outcome_from_error(err, std::move(reason)));
  }

  std::optional<Outcome> check_topics(const rd_kafka_metadata_t& md) const {
    for (const std::string& name : m_options.topics) {
      const rd_kafka_metadata_topic_t* topic = nullptr;
      for (int i = 0; i < md.topic_cnt; ++i) {
        if (name == md.topics[i].topic) topic = &md.topics[i];
      }
      if (topic == nullptr || topic->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        return outcome_from_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "topic " + name + " does not exist yet");
      }
      if (topic->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return outcome_from_error(topic->err, "topic " + name + ": " + rd_kafka_err2str(topic->err));
      }
      if (topic->partition_cnt == 0) return Outcome::not_yet("topic " + name + " has no partitions yet");
      for (int i = 0; i < topic->partition_cnt; ++i) {
        const rd_kafka_metadata_partition_t& p = topic->partitions[i];
        std::string where = "topic " + name + " partition " + std::to_string(p.id);
        // REPLICA_NOT_AVAILABLE only says a follower is down; the ISR check
        // below decides whether that matters.
        if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR && p.err != RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE) {
          return outcome_from_error(p.err, where + ": " + rd_kafka_err2str(p.err));
        }
        if (p.leader == -1) return Outcome::not_yet(where + " has no leader yet");
        if (p.replica_cnt < m_options.min_isr) {
          return Outcome::not_yet(where + " has " + plural(p.replica_cnt, "replica", "replicas") + ", so min_isr=" +
                                  std::to_string(m_options.min_isr) +
                                  " can never be met (the replication factor is below min_isr)");
        }
        if (p.isr_cnt < m_options.min_isr) {
          return Outcome::not_yet(where + " has " + plural(p.isr_cnt, "in-sync replica", "in-sync replicas") +
                                  ", want at least " + std::to_string(m_options.min_isr));
        }
      }
    }
    return std::nullopt;
  }

  std::optional<Outcome> check_groups(const Deadline& deadline, const rd_kafka_metadata_t& md, Groups* groups) {
    int left = deadline.remaining_ms();
    if (left <= 0) return Outcome::not_yet("no time left to describe groups " + util::join(m_options.groups, ","));

    KafkaPtr<rd_kafka_AdminOptions_t> options(
        rd_kafka_AdminOptions_new(m_rk.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS));
    char errstr[256] = "";
    rd_kafka_AdminOptions_set_request_timeout(options.get(), left, errstr, sizeof errstr);
    // A fresh queue per request: a late answer to an earlier attempt must
    // not be read as this attempt's answer.
    KafkaPtr<rd_kafka_queue_t> queue(rd_kafka_queue_new(m_rk.get()));
    std::vector<const char*> names;
    for (const std::string& group : m_options.groups) names.push_back(group.c_str());
    rd_kafka_DescribeConsumerGroups(m_rk.get(), names.data(), names.size(), options.get(), queue.get());

    KafkaPtr<rd_kafka_event_t> event(rd_kafka_queue_poll(queue.get(), left + k_queue_slack_ms));
    if (!event) return Outcome::not_yet("describing groups " + util::join(m_options.groups, ",") + " timed out");
    if (rd_kafka_resp_err_t err = rd_kafka_event_error(event.get())) {
      return outcome_from_error(err, "describing groups " + util::join(m_options.groups, ",") + ": " +
                                         rd_kafka_event_error_string(event.get()));
    }
    const rd_kafka_DescribeConsumerGroups_result_t* result =
        rd_kafka_event_DescribeConsumerGroups_result(event.get());
    size_t count = 0;
    const rd_kafka_ConsumerGroupDescription_t** descs =
        result ? rd_kafka_DescribeConsumerGroups_result_groups(result, &count) : nullptr;

    for (const std::string& group : m_options.groups) {
      const rd_kafka_ConsumerGroupDescription_t* desc = nullptr;
      for (size_t i = 0; i < count; ++i) {
        if (group == rd_kafka_ConsumerGroupDescription_group_id(descs[i])) desc = descs[i];
      }
      if (desc == nullptr) return Outcome::not_yet("group " + group + " missing from the DescribeGroups answer");
      kafka::GroupSnapshot& snapshot = (*groups)[group];
      if (std::optional<Outcome> bad = check_group(group, *desc, &snapshot)) return bad;
      if (std::optional<Outcome> bad = check_assigned(group, snapshot, md)) return bad;
    }
    return std::nullopt;
  }

  std::optional<Outcome> check_group(const std::string& group, const rd_kafka_ConsumerGroupDescription_t& desc,
                                     kafka::GroupSnapshot* snapshot) const {
    std::string dead = "group " + group + " does not exist (Dead) — no consumer has joined yet, or the group id is wrong";
    if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(&desc)) {
      rd_kafka_resp_err_t err = rd_kafka_error_code(error);
      if (err == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) return outcome_from_error(err, dead);
      return outcome_from_error(err, "group " + group + ": " + rd_kafka_error_string(error));
    }
    size_t count = rd_kafka_ConsumerGroupDescription_member_count(&desc);
    for (size_t i = 0; i < count; ++i) {
      const rd_kafka_MemberDescription_t* member = rd_kafka_ConsumerGroupDescription_member(&desc, i);
      if (member == nullptr) continue;
      kafka::Assignment& assignment = snapshot->members[rd_kafka_MemberDescription_consumer_id(member)];
      const rd_kafka_MemberAssignment_t* assigned = rd_kafka_MemberDescription_assignment(member);
      const rd_kafka_topic_partition_list_t* list = assigned ? rd_kafka_MemberAssignment_partitions(assigned) : nullptr;
      for (int p = 0; list && p < list->cnt; ++p) assignment[list->elems[p].topic].insert(list->elems[p].partition);
    }
    rd_kafka_consumer_group_state_t state = rd_kafka_ConsumerGroupDescription_state(&desc);
    if (state == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) return Outcome::not_yet(dead);
    // Unknown also covers KIP-848's Assigning and Reconciling, which
    // librdkafka 2.0.2 cannot name: not stable either way.
    std::string in_state =
        "group " + group + " is " + rd_kafka_consumer_group_state_name(state) + " (" +
        plural(count, "member", "members") + ")";
    if (state != RD_KAFKA_CONSUMER_GROUP_STATE_STABLE) return Outcome::not_yet(in_state);
    if (count < static_cast<size_t>(m_options.min_members)) {
      return Outcome::not_yet(in_state + ", want at least " + std::to_string(m_options.min_members));
    }
    return std::nullopt;
  }

  // With assigned=all: every partition of the listed topics and of the
  // topics the group holds has an owner. Between the two rounds of a
  // cooperative-sticky rebalance the revoked partitions have none.
  std::optional<Outcome> check_assigned(const std::string& group, const kafka::GroupSnapshot& snapshot,
                                        const rd_kafka_metadata_t& md) const {
    if (!m_options.assigned_all) return std::nullopt;
    std::set<std::string> topics = kafka::assigned_topics(snapshot);
    topics.insert(m_options.topics.begin(), m_options.topics.end());
    std::map<std::string, int> partitions;
    for (int i = 0; i < md.topic_cnt; ++i) {
      if (topics.contains(md.topics[i].topic)) partitions[md.topics[i].topic] = md.topics[i].partition_cnt;
    }
    std::optional<std::string> unassigned = kafka::unassigned_partitions(snapshot, partitions);
    if (!unassigned) return std::nullopt;
    return Outcome::not_yet("group " + group + " is Stable (" + plural(snapshot.members.size(), "member", "members") +
                            ") but leaves " + *unassigned + " unassigned (assigned=all)");
  }

  // Every group passed; compare its members and their assignments with the
  // previous passing attempt. A change is a not_yet, and the new snapshot
  // becomes the baseline so that the next attempt can pass if nothing moves
  // again.
  std::optional<Outcome> compare_groups(const Groups& groups) {
    std::optional<Outcome> changed;
    for (const auto& [group, now] : groups) {
      auto before = m_passed_groups.find(group);
      if (changed || before == m_passed_groups.end()) continue;
      if (std::optional<std::string> what = kafka::describe_change(before->second, now)) {
        changed = Outcome::not_yet("group " + group + " " + *what);
      }
    }
    m_passed_groups = groups;
    m_membership_change = changed.has_value();
    return changed;
  }

  std::string scrub(std::string text) const {
    for (const std::string& secret : m_secrets) {
      if (secret.size() < k_min_scrub_length) continue;
      for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
        text.replace(pos, secret.size(), "***");
      }
    }
    return text;
  }

  KafkaOptions m_options;
  std::vector<std::string> m_secrets;
  bool m_plaintext = true;                // security.protocol is PLAINTEXT: no SASL, no TLS
  std::string m_endpoint;                 // "host:port,host:port" for reasons
  std::unique_ptr<ErrorLog> m_errors;     // stable address: librdkafka's opaque
  KafkaPtr<rd_kafka_t> m_rk;              // destroyed first (declared last)
  Groups m_passed_groups;                 // members and assignments at the previous passing attempt
  bool m_membership_change = false;       // the current attempt failed only on that
  bool m_reached = false;                 // the previous attempt got metadata from a broker
  std::set<std::string> m_verified_listeners;  // advertised "host:port" that accepted a connection
  bool m_watching_groups = false;         // the current attempt got as far as the groups
  int m_quick_attempts = 0;               // outcomes that asked for k_group_recheck
};

// Secrets of a parsed URL: the password and every secret-looking property.
std::vector<std::string> secrets_of(const Url& url) {
  std::vector<std::string> secrets;
  if (url.has_password && !url.password.empty()) secrets.push_back(url.password);
  for (const auto& [key, value] : url.query) {
    if (is_secret_property(key) && !value.empty()) secrets.push_back(value);
  }
  return secrets;
}

std::string shown_value(const std::string& property, const std::string& value) {
  return is_secret_property(property) ? "***" : value;
}

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_kafka_probe(const ProbeSpec& spec) {
  std::expected<KafkaOptions, std::string> options = parse_kafka_options(spec.url);
  if (!options) return std::unexpected(options.error());
  options->stable_for = spec.window.stable_for.value_or(Window{}.stable_for);

  // Probe-friendly defaults first; user:pass@ and rdkafka.* options override.
  std::vector<std::pair<std::string, std::string>> properties = {
      {"bootstrap.servers", util::join(options->bootstrap, ",")},
      {"client.id", "stackgate"},
      {"socket.connection.setup.timeout.ms", "5000"},
      {"socket.timeout.ms", "10000"},
      {"api.version.request.timeout.ms", "5000"},
      {"reconnect.backoff.ms", "10"},
      {"reconnect.backoff.max.ms", "250"},
      {"allow.auto.create.topics", "false"},
      {"log.connection.close", "false"},
  };
  properties.insert(properties.end(), options->rdkafka.begin(), options->rdkafka.end());

  KafkaPtr<rd_kafka_conf_t> conf(rd_kafka_conf_new());
  for (const auto& [name, value] : properties) {
    char errstr[512] = "";
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      std::string message = is_secret_property(name) ? "invalid value" : std::string(errstr);
      return std::unexpected("kafka: rdkafka." + name + "=" + shown_value(name, value) + ": " + message);
    }
  }

  std::string protocol = "plaintext";
  for (const auto& [name, value] : properties) {
    if (name == "security.protocol") protocol = util::to_lower(value);
  }
  auto probe = std::make_unique<KafkaProbe>(std::move(*options), secrets_of(spec.url), protocol == "plaintext");
  if (std::expected<void, std::string> ok = probe->connect(std::move(conf)); !ok) return std::unexpected(ok.error());
  return probe;
}

STACKGATE_EXPORT_PROBE(make_kafka_probe, "kafka");

}  // namespace stackgate::probes
