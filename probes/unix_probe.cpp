#include "probes/unix_probe.h"

#include "probes/net.h"

namespace stackgate::probes {

namespace {

class UnixProbe : public Probe {
 public:
  explicit UnixProbe(std::string path) : m_path(std::move(path)) {}

  Outcome check(Millis timeout) override {
    auto socket = net::connect_unix(m_path, net::Deadline::after(timeout));
    if (!socket) return net::to_outcome(socket.error());
    return Outcome::ready("connected");
  }

 private:
  std::string m_path;
};

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_unix_probe(const ProbeSpec& spec) {
  if (!spec.url.query.empty()) {
    return std::unexpected("unknown option '" + spec.url.query.front().first + "' for unix:// in " + spec.url.redacted());
  }
  return std::make_unique<UnixProbe>(spec.url.path);
}

}  // namespace stackgate::probes
