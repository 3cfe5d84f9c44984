// AMQP over librabbitmq 0.11 (see amqp_probe.h). librabbitmq resolves names
// with a blocking getaddrinfo(), so we resolve within the deadline and hand
// it one address at a time. Every blocking call gets the time left as its
// timeout (socket open, handshake, each RPC).
#include "probes/amqp_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/time.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "probes/module.h"
#include "probes/net.h"
#include "util/duration.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> k_options = {"queues", "min_consumers"};

constexpr int k_frame_max = 131072;

struct Config {
  std::string host;
  int port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";
  std::vector<std::string> queues;
  std::optional<int> min_consumers;
};

// Broker texts are foreign bytes: one line, printable ASCII, bounded.
std::string printable(const amqp_bytes_t& bytes) {
  std::string out;
  auto* data = static_cast<const char*>(bytes.bytes);
  for (size_t i = 0; i < std::min<size_t>(bytes.len, 200); ++i) {
    auto u = static_cast<unsigned char>(data[i]);
    out += (u >= 0x20 && u < 0x7f) ? data[i] : ' ';
  }
  return out;
}

std::string address_text(const net::Endpoint& e) {
  char buf[INET6_ADDRSTRLEN] = {};
  const void* addr = e.addr.ss_family == AF_INET6
                         ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&e.addr)->sin6_addr)
                         : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&e.addr)->sin_addr);
  if (::inet_ntop(e.addr.ss_family, addr, buf, sizeof buf) == nullptr) return "";
  return buf;
}

struct ConnectionCloser {
  void operator()(amqp_connection_state_t_* c) const { amqp_destroy_connection(c); }
};
using Connection = std::unique_ptr<amqp_connection_state_t_, ConnectionCloser>;

class Attempt {
 public:
  Attempt(Clock::time_point deadline, Millis budget) : m_deadline(deadline), m_budget(budget) {}

  // What is left, as librabbitmq wants it; nullopt when nothing is.
  std::optional<timeval> left() const {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(m_deadline - Clock::now()).count();
    if (us <= 0) return std::nullopt;
    return timeval{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  }

  Outcome timed_out(const std::string& doing) const {
    return Outcome::not_yet("timed out after " + util::format_duration(m_budget) + " " + doing);
  }

 private:
  Clock::time_point m_deadline;
  Millis m_budget;
};

// The one place that maps an RPC reply to an outcome; nullopt = success.
// `doing` names the step ("logging in to vhost /", "declaring queue jobs").
std::optional<Outcome> failure_of(const amqp_rpc_reply_t& reply, const Attempt& attempt, const std::string& doing,
                                  const std::string& queue = "") {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL: return std::nullopt;
    case AMQP_RESPONSE_NONE: return Outcome::not_yet("no reply while " + doing);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      switch (reply.library_error) {
        case AMQP_STATUS_TIMEOUT: return attempt.timed_out(doing);
        case AMQP_STATUS_CONNECTION_CLOSED:
        case AMQP_STATUS_SOCKET_ERROR:
        case AMQP_STATUS_SOCKET_CLOSED:
        case AMQP_STATUS_TCP_ERROR: return Outcome::not_yet("connection closed by the broker while " + doing);
        default: return Outcome::not_yet(std::string(amqp_error_string2(reply.library_error)) + " while " + doing);
      }
    case AMQP_RESPONSE_SERVER_EXCEPTION: break;
  }
  if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* close = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
    std::string reason = std::to_string(close->reply_code) + " " + printable(close->reply_text);
    switch (close->reply_code) {
      case AMQP_ACCESS_REFUSED:  // 403: login refused
      case AMQP_NOT_ALLOWED:     // 530: vhost not found / not allowed
        return Outcome::fatal(reason);
      default:  // 320 CONNECTION_FORCED while booting or stopping, 541, 506...
        return Outcome::not_yet(reason);
    }
  }
  if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
    if (close->reply_code == AMQP_NOT_FOUND && !queue.empty()) {
      return Outcome::not_yet("queue " + queue + " does not exist yet");
    }
    std::string reason = std::to_string(close->reply_code) + " " + printable(close->reply_text);
    if (close->reply_code == AMQP_ACCESS_REFUSED) return Outcome::fatal(reason);
    return Outcome::not_yet(reason);
  }
  return Outcome::not_yet("unexpected broker method while " + doing);
}

class AmqpProbe final : public Probe {
 public:
  explicit AmqpProbe(Config config) : m_config(std::move(config)) {}

  Outcome check(Millis timeout) override;

 private:
  // Connects to one address; an Outcome when it failed.
  std::optional<Outcome> open(amqp_connection_state_t conn, const net::Endpoint& endpoint, const Attempt& attempt,
                              const net::Deadline& deadline);
  Outcome session(amqp_connection_state_t conn, const Attempt& attempt);

  Config m_config;
};

std::optional<Outcome> AmqpProbe::open(amqp_connection_state_t conn, const net::Endpoint& endpoint,
                                       const Attempt& attempt, const net::Deadline& deadline) {
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);  // owned by conn
  if (socket == nullptr) return Outcome::not_yet("librabbitmq could not make a socket");
  std::optional<timeval> left = attempt.left();
  if (!left) return attempt.timed_out("connecting to " + endpoint.text);
  int rc = amqp_socket_open_noblock(socket, address_text(endpoint).c_str(), m_config.port, &*left);
  if (rc == AMQP_STATUS_OK) return std::nullopt;
  if (rc == AMQP_STATUS_TIMEOUT) return attempt.timed_out("connecting to " + endpoint.text);
  // librabbitmq says only "socket error": ask the socket layer what it was.
  auto probe = net::connect_tcp(address_text(endpoint), m_config.port, deadline);
  if (!probe) return net::to_outcome(probe.error());
  return Outcome::not_yet(std::string(amqp_error_string2(rc)) + " connecting to " + endpoint.text);
}

Outcome AmqpProbe::check(Millis timeout) {
  const Clock::time_point end = Clock::now() + timeout;
  const net::Deadline deadline{end, timeout};
  const Attempt attempt(end, timeout);
  auto endpoints = net::resolve(m_config.host, m_config.port, deadline);
  if (!endpoints) return net::to_outcome(endpoints.error());
  std::optional<Outcome> first_failure;
  for (const net::Endpoint& endpoint : *endpoints) {
    Connection conn(amqp_new_connection());
    if (!conn) return Outcome::not_yet("librabbitmq could not allocate a connection");
    if (std::optional<Outcome> failed = open(conn.get(), endpoint, attempt, deadline)) {
      // Another address may answer ("localhost" is ::1 and 127.0.0.1).
      if (!first_failure) first_failure = failed;
      if (!failed->cheap) break;
      continue;
    }
    return session(conn.get(), attempt);
  }
  if (first_failure) return *first_failure;
  return Outcome::unresolved(m_config.host + ": name not resolvable yet");
}

Outcome AmqpProbe::session(amqp_connection_state_t conn, const Attempt& attempt) {
  std::optional<timeval> left = attempt.left();
  if (!left) return attempt.timed_out("before the AMQP handshake");
  amqp_set_handshake_timeout(conn, &*left);
  amqp_set_rpc_timeout(conn, &*left);
  const std::string login = "logging in to vhost " + m_config.vhost;
  amqp_rpc_reply_t reply = amqp_login(conn, m_config.vhost.c_str(), 1, k_frame_max, 0, AMQP_SASL_METHOD_PLAIN,
                                      m_config.user.c_str(), m_config.password.c_str());
  if (auto failed = failure_of(reply, attempt, login)) return *failed;

  constexpr amqp_channel_t k_channel = 1;
  if (!(left = attempt.left())) return attempt.timed_out("opening a channel");
  amqp_set_rpc_timeout(conn, &*left);
  amqp_channel_open(conn, k_channel);
  if (auto failed = failure_of(amqp_get_rpc_reply(conn), attempt, "opening a channel")) return *failed;

  std::string ready = "vhost " + m_config.vhost + " open";
  for (const std::string& queue : m_config.queues) {
    const std::string declaring = "declaring queue " + queue;
    if (!(left = attempt.left())) return attempt.timed_out(declaring);
    amqp_set_rpc_timeout(conn, &*left);
    // Passive: only asks whether the queue exists; creates nothing.
    amqp_queue_declare_ok_t* ok = amqp_queue_declare(conn, k_channel, amqp_cstring_bytes(queue.c_str()), 1, 0, 0, 0,
                                                     amqp_empty_table);
    if (auto failed = failure_of(amqp_get_rpc_reply(conn), attempt, declaring, queue)) return *failed;
    if (ok == nullptr) return Outcome::not_yet("no answer " + declaring);
    if (m_config.min_consumers && static_cast<int>(ok->consumer_count) < *m_config.min_consumers) {
      return Outcome::not_yet("queue " + queue + " has " + std::to_string(ok->consumer_count) +
                              " consumers, want at least " + std::to_string(*m_config.min_consumers));
    }
  }
  if (!m_config.queues.empty()) ready = util::join(m_config.queues, ", ") + (m_config.queues.size() == 1 ? " exists" : " exist");

  // A polite close with what is left; otherwise the broker logs an
  // unexpectedly closed connection for every probe.
  if ((left = attempt.left())) {
    amqp_set_rpc_timeout(conn, &*left);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  }
  return Outcome::ready(ready);
}

std::expected<Config, std::string> make_config(const ProbeSpec& spec) {
  const Url& url = spec.url;
  for (const auto& [key, value] : url.query) {
    if (std::find(k_options.begin(), k_options.end(), key) != k_options.end()) continue;
    std::string error = "unknown option '" + key + "' for amqp://";
    if (auto close = util::closest_match(key, k_options)) error += " (did you mean '" + *close + "'?)";
    return std::unexpected(error);
  }
  if (url.hosts.size() != 1 || url.hosts.front().host.empty()) return std::unexpected("exactly one host:port expected");
  Config c;
  c.host = url.hosts.front().host;
  if (url.hosts.front().port) c.port = url.hosts.front().port;
  if (!url.user.empty()) c.user = url.user;
  if (url.has_password) c.password = url.password;
  std::string vhost = url.path.starts_with('/') ? url.path.substr(1) : url.path;
  if (!vhost.empty()) c.vhost = vhost;
  if (auto v = url.param("queues")) {
    for (const std::string& queue : util::split(*v, ',')) {
      if (!queue.empty()) c.queues.push_back(queue);
    }
    if (c.queues.empty()) return std::unexpected(std::string("queues names no queue"));
  }
  auto min_consumers = url.count_param("min_consumers", 0);
  if (!min_consumers) return std::unexpected(min_consumers.error());
  if (*min_consumers) {
    if (c.queues.empty()) return std::unexpected(std::string("min_consumers needs queues=a,b"));
    c.min_consumers = **min_consumers;
  }
  return c;
}

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_amqp_probe(const ProbeSpec& spec) {
  std::expected<Config, std::string> config = make_config(spec);
  if (!config) return std::unexpected(config.error() + " in " + spec.url.redacted());
  return std::make_unique<AmqpProbe>(std::move(*config));
}

STACKGATE_EXPORT_PROBE(make_amqp_probe, "amqp");

}  // namespace stackgate::probes
