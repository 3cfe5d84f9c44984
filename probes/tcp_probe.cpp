#include "probes/tcp_probe.h"

#include "probes/net.h"

namespace stackgate::probes {

namespace {

class TcpProbe : public Probe {
 public:
  explicit TcpProbe(HostPort target) : m_target(std::move(target)) {}

  Outcome check(Millis timeout) override {
    auto socket = net::connect_tcp(m_target.host, m_target.port, net::Deadline::after(timeout));
    if (!socket) return net::to_outcome(socket.error());
    return Outcome::ready("connected");
  }

 private:
  HostPort m_target;
};

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_tcp_probe(const ProbeSpec& spec) {
  if (spec.url.hosts.size() != 1) return std::unexpected("tcp:// takes exactly one host in " + spec.url.redacted());
  if (!spec.url.query.empty()) {
    return std::unexpected("unknown option '" + spec.url.query.front().first + "' for tcp:// in " + spec.url.redacted());
  }
  return std::make_unique<TcpProbe>(spec.url.hosts.front());
}

}  // namespace stackgate::probes
