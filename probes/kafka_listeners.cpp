#include "probes/kafka_listeners.h"

#include <algorithm>

#include "probes/net.h"

namespace stackgate::probes::kafka {
namespace {

std::string host_port(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// A share of what is left, so that one silent host cannot use up the time
// the hosts after it need.
net::Deadline share(const net::Deadline& whole, size_t hosts_left) {
  Millis each = whole.remaining() / static_cast<long>(std::max<size_t>(1, hosts_left));
  return net::Deadline::after(std::max(each, Millis{1}));
}

bool cheap_failure(net::NetFailure kind) {
  return kind == net::NetFailure::refused || kind == net::NetFailure::unreachable || kind == net::NetFailure::dns;
}

std::string why_unusable(const net::NetError& error) {
  switch (error.kind) {
    case net::NetFailure::dns: return "which does not resolve from here";
    case net::NetFailure::refused: return "which refuses connections from here";
    case net::NetFailure::unreachable: return "which is unreachable from here (" + error.message + ")";
    case net::NetFailure::timeout:
      if (error.message.find("resolving") != std::string::npos) {
        return "which does not resolve from here (" + error.message + ")";
      }
      return "which does not answer from here (" + error.message + ")";
    default: return "which cannot be reached from here (" + error.message + ")";
  }
}

void put_i16(std::string& buf, int v) {
  buf.push_back(static_cast<char>((v >> 8) & 0xff));
  buf.push_back(static_cast<char>(v & 0xff));
}

void put_i32(std::string& buf, int v) {
  for (int shift = 24; shift >= 0; shift -= 8) buf.push_back(static_cast<char>((v >> shift) & 0xff));
}

// Metadata v1 for no topics: header {api_key 3, version 1, correlation id,
// client id}, body {topics: [] (none)}. Every Kafka broker since 0.10
// answers it on a PLAINTEXT listener.
std::string metadata_request() {
  const std::string client = "stackgate";
  std::string body;
  put_i16(body, 3);
  put_i16(body, 1);
  put_i32(body, 1);
  put_i16(body, static_cast<int>(client.size()));
  body += client;
  put_i32(body, 0);
  std::string request;
  put_i32(request, static_cast<int>(body.size()));
  return request + body;
}

// Whether the listener closed the connection instead of answering a
// plaintext Metadata request. A timeout or any answer is "no".
bool closes_on_plaintext(const net::Socket& socket, const std::string& what, const net::Deadline& deadline) {
  if (!net::send_all(socket, metadata_request(), deadline, what)) return false;
  char buffer[64];
  auto got = net::recv_some(socket, buffer, sizeof buffer, deadline, what);
  if (got) return *got == 0;
  return got.error().kind == net::NetFailure::reset || got.error().kind == net::NetFailure::closed;
}

}  // namespace

std::optional<Outcome> check_bootstrap(const std::vector<HostPort>& addresses, const std::string& endpoint,
                                       Millis budget, bool plaintext) {
  net::Deadline whole = net::Deadline::after(budget);
  std::optional<net::NetError> first;
  bool all_cheap = true;
  for (size_t i = 0; i < addresses.size(); ++i) {
    net::Deadline mine = share(whole, addresses.size() - i);
    auto socket = net::connect_tcp(addresses[i].host, addresses[i].port, mine);
    if (!socket) {
      all_cheap = all_cheap && cheap_failure(socket.error().kind);
      if (!first) first = socket.error();
      continue;
    }
    std::string what = host_port(addresses[i].host, addresses[i].port);
    // Half of what is left at most: a broker that does not answer here
    // leaves librdkafka the rest of the attempt.
    net::Deadline exchange = net::Deadline::after(std::max(Millis{1}, whole.remaining() / 2));
    if (plaintext && closes_on_plaintext(*socket, what, exchange)) {
      return Outcome::not_yet("the listener at " + what +
                              " closed the connection instead of answering a plaintext Metadata request: it expects "
                              "SASL or TLS, but security.protocol is PLAINTEXT (set rdkafka.security.protocol, or "
                              "user:pass@ for SASL/PLAIN)");
    }
    return std::nullopt;
  }
  std::string reason = "no broker reachable at " + endpoint + ": " + (first ? first->message : "no address");
  return Outcome::not_yet(std::move(reason), all_cheap);
}

std::optional<Outcome> check_advertised(const std::vector<AdvertisedBroker>& brokers, Millis budget,
                                        std::set<std::string>* verified) {
  net::Deadline whole = net::Deadline::after(budget);
  std::vector<const AdvertisedBroker*> pending;
  for (const AdvertisedBroker& broker : brokers) {
    if (!verified->contains(host_port(broker.host, broker.port))) pending.push_back(&broker);
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    const AdvertisedBroker& broker = *pending[i];
    std::string address = host_port(broker.host, broker.port);
    auto socket = net::connect_tcp(broker.host, broker.port, share(whole, pending.size() - i));
    if (!socket) {
      return Outcome::not_yet("broker " + std::to_string(broker.id) + " advertises " + address + ", " +
                              why_unusable(socket.error()) + " (check advertised.listeners)");
    }
    verified->insert(address);
  }
  return std::nullopt;
}

}  // namespace stackgate::probes::kafka
