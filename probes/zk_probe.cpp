#include "probes/zk_probe.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "probes/net.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

constexpr size_t k_max_reply = 64 * 1024;
constexpr std::string_view k_not_serving = "This ZooKeeper instance is not currently serving requests";
constexpr std::string_view k_not_whitelisted = "is not executed because it is not in the whitelist";

const std::vector<std::string> k_modes = {"any", "leader", "follower", "observer", "standalone"};

// One node's answer to srvr: its mode, or the outcome that ends the attempt.
struct NodeState {
  std::string mode;  // "standalone", "leader", ... ("" when `failure` is set)
  std::optional<Outcome> failure;
};

std::string first_line(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  line = util::trim(line);
  if (line.size() > 120) line = line.substr(0, 120);
  return std::string(line);
}

// Classifies a whole srvr reply.
NodeState parse_srvr(std::string_view reply, const std::string& where) {
  if (reply.empty()) return {"", Outcome::not_yet(where + ": closed the connection without answering srvr")};
  if (reply.find(k_not_serving) != std::string_view::npos) {
    return {"", Outcome::not_yet(where + ": not currently serving requests (no quorum yet)")};
  }
  if (reply.find(k_not_whitelisted) != std::string_view::npos) {
    return {"", Outcome::fatal(where + ": srvr is not in the whitelist; add srvr to 4lw.commands.whitelist "
                                       "(ZOO_4LW_COMMANDS_WHITELIST in the official image)")};
  }
  for (const std::string& line : util::split(reply, '\n')) {
    std::string_view l = util::trim(line);
    if (l.starts_with("Mode:")) return {std::string(util::trim(l.substr(5))), std::nullopt};
  }
  return {"", Outcome::fatal(where + ": unexpected reply to srvr (not ZooKeeper?): " + first_line(reply))};
}

NodeState query_node(const HostPort& node, const net::Deadline& deadline) {
  std::string where = node.host + ":" + std::to_string(node.port);
  auto socket = net::connect_tcp(node.host, node.port, deadline);
  if (!socket) return {"", net::to_outcome(socket.error())};
  if (auto sent = net::send_all(*socket, "srvr", deadline, where); !sent) return {"", net::to_outcome(sent.error())};
  std::string reply;
  char buffer[4096];
  while (reply.size() < k_max_reply) {
    auto n = net::recv_some(*socket, buffer, sizeof buffer, deadline, where);
    if (!n) {
      // A reset after a complete reply is still a reply.
      if (n.error().kind != net::NetFailure::timeout && reply.find("Mode:") != std::string::npos) break;
      return {"", net::to_outcome(n.error())};
    }
    if (*n == 0) break;
    reply.append(buffer, *n);
  }
  return parse_srvr(reply, where);
}

bool mode_satisfies(const std::string& mode, const std::string& wanted) {
  if (wanted == "any") return true;
  if (wanted == "leader") return mode == "leader" || mode == "standalone";
  return mode == wanted;
}

class ZkProbe final : public Probe {
 public:
  ZkProbe(std::vector<HostPort> nodes, std::string mode) : m_nodes(std::move(nodes)), m_mode(std::move(mode)) {}

  Outcome check(Millis timeout) override {
    const net::Deadline deadline = net::Deadline::after(timeout);
    if (m_nodes.size() == 1) {
      NodeState node = query_node(m_nodes.front(), deadline);
      if (node.failure) return *node.failure;
      if (!mode_satisfies(node.mode, m_mode)) return Outcome::not_yet("mode " + node.mode + ", want " + m_mode);
      return Outcome::ready("mode " + node.mode);
    }
    // An ensemble: every node serving, exactly one leader.
    int leaders = 0;
    for (const HostPort& hp : m_nodes) {
      NodeState node = query_node(hp, deadline);
      if (node.failure) return *node.failure;
      if (node.mode == "leader") ++leaders;
    }
    if (leaders != 1) {
      return Outcome::not_yet(std::to_string(leaders) + " leaders among " + std::to_string(m_nodes.size()) + " nodes");
    }
    return Outcome::ready(std::to_string(m_nodes.size()) + " nodes serving, one leader");
  }

 private:
  std::vector<HostPort> m_nodes;
  std::string m_mode;
};

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_zk_probe(const ProbeSpec& spec) {
  const Url& url = spec.url;
  for (const auto& [key, value] : url.query) {
    if (key == "mode") continue;
    std::string error = "unknown option '" + key + "' for zk://";
    if (auto close = util::closest_match(key, {"mode"})) error += " (did you mean '" + *close + "'?)";
    return std::unexpected(error + " in " + url.redacted());
  }
  if (url.hosts.empty()) return std::unexpected("zk:// needs a host in " + url.redacted());
  std::vector<HostPort> nodes = url.hosts;
  for (HostPort& hp : nodes) {
    if (hp.port == 0) hp.port = 2181;
  }
  std::string mode = url.param("mode").value_or("any");
  if (std::find(k_modes.begin(), k_modes.end(), mode) == k_modes.end()) {
    return std::unexpected("mode must be any, leader, follower, observer or standalone, not '" + mode + "' in " +
                           url.redacted());
  }
  if (nodes.size() > 1 && mode != "any") {
    return std::unexpected("mode applies to one node; with several hosts the probe requires one leader, in " +
                           url.redacted());
  }
  return std::make_unique<ZkProbe>(std::move(nodes), std::move(mode));
}

}  // namespace stackgate::probes
