#include "probes/mqtt_probe.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string_view>

#include "probes/net.h"

namespace stackgate::probes {
namespace {

constexpr uint16_t k_keepalive_seconds = 10;

std::atomic<unsigned> g_connection_counter{0};

void put_u16(std::string& out, size_t v) {
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, s.size());
  out.append(s);
}

// MQTT's variable-length "remaining length" (1-4 bytes, 7 bits each).
void put_length(std::string& out, size_t n) {
  do {
    uint8_t byte = n % 128;
    n /= 128;
    if (n > 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (n > 0);
}

std::string connect_packet(const std::string& client_id, const Url& url) {
  bool has_user = !url.user.empty();
  bool has_password = url.has_password;
  std::string body;
  put_string(body, "MQTT");
  body.push_back(4);  // protocol level: 3.1.1
  uint8_t flags = 0x02;  // clean session
  if (has_user) flags |= 0x80;
  if (has_user && has_password) flags |= 0x40;  // 3.1.1 forbids a password without a user name
  body.push_back(static_cast<char>(flags));
  put_u16(body, k_keepalive_seconds);
  put_string(body, client_id);
  if (has_user) put_string(body, url.user);
  if (has_user && has_password) put_string(body, url.password);
  std::string packet(1, static_cast<char>(0x10));
  put_length(packet, body.size());
  return packet + body;
}

// The one place that maps a CONNACK return code to a verdict.
Outcome classify_connack(uint8_t code) {
  switch (code) {
    case 0: return Outcome::ready("connection accepted");
    case 1: return Outcome::fatal("CONNACK 1: unacceptable protocol version (the broker does not speak MQTT 3.1.1)");
    case 2: return Outcome::fatal("CONNACK 2: identifier rejected");
    case 3: return Outcome::not_yet("CONNACK 3: server unavailable");
    case 4: return Outcome::fatal("CONNACK 4: bad user name or password");
    case 5: return Outcome::fatal("CONNACK 5: not authorized");
    default: return Outcome::fatal("CONNACK with unknown return code " + std::to_string(code));
  }
}

class MqttProbe final : public Probe {
 public:
  explicit MqttProbe(Url url) : m_url(std::move(url)) {}

  Outcome check(Millis timeout) override {
    const net::Deadline deadline = net::Deadline::after(timeout);
    const HostPort& target = m_url.hosts.front();
    std::string where = target.host + ":" + std::to_string(target.port);
    auto socket = net::connect_tcp(target.host, target.port, deadline);
    if (!socket) return net::to_outcome(socket.error());

    std::string client_id = "stackgate-" + std::to_string(::getpid()) + "-" + std::to_string(++g_connection_counter);
    if (auto sent = net::send_all(*socket, connect_packet(client_id, m_url), deadline, where); !sent) {
      return net::to_outcome(sent.error());
    }
    unsigned char connack[4];
    size_t have = 0;
    while (have < sizeof connack) {
      auto n = net::recv_some(*socket, reinterpret_cast<char*>(connack) + have, sizeof connack - have, deadline, where);
      if (!n) return net::to_outcome(n.error());
      if (*n == 0) {
        return Outcome::not_yet(where + " closed the connection before CONNACK");
      }
      have += *n;
      if (connack[0] != 0x20) {
        return Outcome::fatal(where + " answered something other than CONNACK (not an MQTT broker?)");
      }
    }
    if (connack[1] != 0x02) return Outcome::fatal(where + " sent a malformed CONNACK");
    Outcome outcome = classify_connack(connack[3]);
    if (outcome.verdict == Verdict::ready) {
      // DISCONNECT, so the broker logs a clean goodbye; failure here is harmless.
      (void)net::send_all(*socket, std::string_view("\xe0\x00", 2), deadline, where);
    }
    return outcome;
  }

 private:
  Url m_url;
};

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_mqtt_probe(const ProbeSpec& spec) {
  const Url& url = spec.url;
  if (!url.query.empty()) {
    return std::unexpected("unknown option '" + url.query.front().first + "' for mqtt:// in " + url.redacted());
  }
  if (url.hosts.size() != 1 || url.hosts.front().host.empty()) {
    return std::unexpected("mqtt:// takes exactly one host in " + url.redacted());
  }
  if (url.has_password && url.user.empty()) {
    return std::unexpected("MQTT 3.1.1 needs a user name with a password in " + url.redacted());
  }
  Url copy = url;
  if (copy.hosts.front().port == 0) copy.hosts.front().port = 1883;
  return std::make_unique<MqttProbe>(std::move(copy));
}

}  // namespace stackgate::probes
