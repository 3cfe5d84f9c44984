#include "probes/dns_probe.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <vector>

#include "probes/net.h"
#include "util/strings.h"

namespace stackgate::probes {

namespace {

const std::vector<std::string> k_options = {"type", "min_addresses"};

struct Config {
  std::string name;
  int family = AF_UNSPEC;
  std::string type_label = "";  // "A ", "AAAA " or "" (for reasons)
  int min_addresses = 1;
};

// The one mapping from a failed lookup to an outcome. Every resolver answer
// that a later moment may change (the container is not up yet, the embedded
// DNS is not answering yet) is not yet; a failed lookup costs the DNS server
// next to nothing, so it is cheap.
Outcome outcome_of(const net::NetError& error, const Config& c) {
  switch (error.gai_code) {
    case EAI_NONAME: return Outcome::unresolved(c.name + ": no such name (NXDOMAIN)");
#ifdef EAI_NODATA
    case EAI_NODATA: return Outcome::unresolved(c.name + ": no " + c.type_label + "address yet");
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY: return Outcome::unresolved(c.name + ": no " + c.type_label + "address yet");
#endif
    case EAI_AGAIN: return Outcome::unresolved(c.name + ": resolver failed temporarily (EAI_AGAIN)");
    case EAI_FAIL: return Outcome::unresolved(c.name + ": resolver failed (EAI_FAIL)");
    default: return net::to_outcome(error);
  }
}

class DnsProbe : public Probe {
 public:
  explicit DnsProbe(Config config) : m_config(std::move(config)) {}

  Outcome check(Millis timeout) override {
    net::ResolveHints hints{.family = m_config.family, .addrconfig = false};
    auto endpoints = net::resolve(m_config.name, 1, net::Deadline::after(timeout), hints);
    if (!endpoints) return outcome_of(endpoints.error(), m_config);
    // getaddrinfo lists an address once per socket type asked for and may
    // repeat one from several sources (hosts file and DNS): count distinct.
    std::set<std::string> distinct;
    for (const net::Endpoint& e : *endpoints) distinct.insert(e.text);
    int found = static_cast<int>(distinct.size());
    if (found == 0) return Outcome::unresolved(m_config.name + ": no " + m_config.type_label + "address yet");
    if (found < m_config.min_addresses) {
      return Outcome::not_yet(m_config.name + ": " + std::to_string(found) + " " + m_config.type_label +
                                  (found == 1 ? "address" : "addresses") + ", want at least " +
                                  std::to_string(m_config.min_addresses),
                              true);
    }
    return Outcome::ready(std::to_string(found) + " " + m_config.type_label + (found == 1 ? "address" : "addresses"));
  }

 private:
  Config m_config;
};

std::expected<Config, std::string> make_config(const ProbeSpec& spec) {
  const Url& url = spec.url;
  for (const auto& [key, value] : url.query) {
    if (std::find(k_options.begin(), k_options.end(), key) != k_options.end()) continue;
    std::string error = "unknown option '" + key + "' for dns://";
    if (auto close = util::closest_match(key, k_options)) error += " (did you mean '" + *close + "'?)";
    return std::unexpected(error);
  }
  if (url.hosts.size() != 1) return std::unexpected(std::string("dns:// takes exactly one name"));
  if (!url.user.empty() || url.has_password) return std::unexpected(std::string("dns:// takes no user or password"));
  if (!url.path.empty() && url.path != "/") return std::unexpected("dns:// takes no path ('" + url.path + "')");
  Config c;
  c.name = url.hosts.front().host;
  if (auto v = url.param("type")) {
    std::string type = util::to_lower(*v);
    if (type == "a") {
      c.family = AF_INET;
      c.type_label = "A ";
    } else if (type == "aaaa") {
      c.family = AF_INET6;
      c.type_label = "AAAA ";
    } else if (type != "any") {
      return std::unexpected("type must be A, AAAA or any, not '" + *v + "'");
    }
  }
  auto min_addresses = url.count_param("min_addresses", 1);
  if (!min_addresses) return std::unexpected(min_addresses.error());
  if (*min_addresses) c.min_addresses = **min_addresses;
  return c;
}

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_dns_probe(const ProbeSpec& spec) {
  std::expected<Config, std::string> config = make_config(spec);
  if (!config) return std::unexpected(config.error() + " in " + spec.url.redacted());
  return std::make_unique<DnsProbe>(std::move(*config));
}

}  // namespace stackgate::probes
