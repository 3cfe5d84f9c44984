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

}  // namespace

std::optional<Outcome> check_bootstrap(const std::vector<HostPort>& addresses, const std::string& endpoint,
                                       Millis budget) {
  net::Deadline whole = net::Deadline::after(budget);
  std::optional<net::NetError> first;
  bool all_cheap = true;
  for (size_t i = 0; i < addresses.size(); ++i) {
    auto socket = net::connect_tcp(addresses[i].host, addresses[i].port, share(whole, addresses.size() - i));
    if (socket) return std::nullopt;
    all_cheap = all_cheap && cheap_failure(socket.error().kind);
    if (!first) first = socket.error();
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
