#include "probes/kafka_listeners.h"

#include <algorithm>
#include <cstdint>

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

int get_i16(const std::string& buf, size_t at) {
  return static_cast<int16_t>((static_cast<unsigned char>(buf[at]) << 8) | static_cast<unsigned char>(buf[at + 1]));
}

int get_i32(const std::string& buf, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(buf[at + i]);
  return static_cast<int32_t>(v);
}

// A request frame: size, header v1 {api_key, api_version, correlation id,
// client id}, body.
std::string frame(int api_key, int version, int correlation, const std::string& body) {
  const std::string client = "stackgate";
  std::string message;
  put_i16(message, api_key);
  put_i16(message, version);
  put_i32(message, correlation);
  put_i16(message, static_cast<int>(client.size()));
  message += client + body;
  std::string out;
  put_i32(out, static_cast<int>(message.size()));
  return out + message;
}

enum class Exchange { answered, closed, tls, inconclusive };

// A TLS record header: alert (21) or handshake (22), then version 3.x. A
// TLS listener answers plaintext bytes with an alert before it closes.
bool tls_record(const std::string& got) {
  return got.size() >= 2 && (got[0] == 21 || got[0] == 22) && got[1] == 3;
}

// Sends `request` and reads one whole response frame into `response`
// (without its size). Small answers only: the two asked for here are.
Exchange exchange(const net::Socket& socket, const std::string& request, const std::string& what,
                  const net::Deadline& deadline, std::string* response) {
  constexpr size_t k_max_frame = 1 << 16;
  if (!net::send_all(socket, request, deadline, what)) return Exchange::inconclusive;
  std::string got;
  char buffer[4096];
  while (got.size() < 4 || got.size() < 4 + static_cast<size_t>(get_i32(got, 0))) {
    if (tls_record(got)) return Exchange::tls;
    if (got.size() >= 4 && (get_i32(got, 0) < 0 || static_cast<size_t>(get_i32(got, 0)) > k_max_frame)) {
      return Exchange::inconclusive;
    }
    auto n = net::recv_some(socket, buffer, sizeof buffer, deadline, what);
    if (!n) {
      bool closed = n.error().kind == net::NetFailure::reset || n.error().kind == net::NetFailure::closed;
      if (tls_record(got)) return Exchange::tls;
      return closed && got.empty() ? Exchange::closed : Exchange::inconclusive;
    }
    if (*n == 0) return tls_record(got) ? Exchange::tls : got.empty() ? Exchange::closed : Exchange::inconclusive;
    got.append(buffer, *n);
  }
  *response = got.substr(4, static_cast<size_t>(get_i32(got, 0)));
  return Exchange::answered;
}

// The lowest Metadata version the broker supports from its ApiVersions v0
// answer {correlation id, error, [api_key, min, max]}, if it is one this
// code can write (v1 to v8, before the flexible encoding).
std::optional<int> metadata_version(const std::string& response) {
  if (response.size() < 10 || get_i16(response, 4) != 0) return std::nullopt;
  int count = get_i32(response, 6);
  for (int i = 0; i < count && 10 + static_cast<size_t>(i + 1) * 6 <= response.size(); ++i) {
    size_t at = 10 + static_cast<size_t>(i) * 6;
    if (get_i16(response, at) != 3) continue;
    int version = std::max(1, get_i16(response, at + 2));
    if (version > get_i16(response, at + 4) || version > 8) return std::nullopt;
    return version;
  }
  return std::nullopt;
}

// Whether the listener closed the connection instead of answering a
// plaintext client as a PLAINTEXT listener does: ApiVersions (which a SASL
// listener also answers before authentication), then Metadata for no topics
// at a version the broker supports. A TLS listener closes on the first, a
// SASL listener on the second. A timeout or anything unexpected is "no":
// librdkafka then has its say.
bool closes_on_plaintext(const net::Socket& socket, const std::string& what, const net::Deadline& deadline) {
  std::string versions;
  Exchange first = exchange(socket, frame(18, 0, 1, ""), what, deadline, &versions);
  if (first != Exchange::answered) return first == Exchange::closed || first == Exchange::tls;
  std::optional<int> version = metadata_version(versions);
  if (!version) return false;
  std::string body;
  put_i32(body, 0);                  // topics: [] (none; v1+)
  if (*version >= 4) body.push_back(0);  // allow_auto_topic_creation: false
  std::string metadata;
  return exchange(socket, frame(3, *version, 2, body), what, deadline, &metadata) == Exchange::closed;
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
