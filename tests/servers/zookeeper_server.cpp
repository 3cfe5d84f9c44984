#include "tests/servers/zookeeper_server.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace stackgate::testing {
namespace {

// Debian's zookeeper.jar names its dependencies in its manifest Class-Path;
// slf4j-simple (when present) sends the server's log to stderr.
std::string class_path() {
  std::string jar = find_program({"/usr/share/java/zookeeper.jar"});
  if (jar.empty()) throw std::runtime_error("ZooKeeper not installed (/usr/share/java/zookeeper.jar)");
  std::string logger = find_program({"/usr/share/java/slf4j-simple.jar"});
  return logger.empty() ? jar : jar + ":" + logger;
}

int distinct_free_port(std::set<int>& taken) {
  while (true) {
    int p = free_port_outside_ephemeral();
    if (taken.insert(p).second) return p;
  }
}

}  // namespace

ZooKeeperServer::ZooKeeperServer() : ZooKeeperServer(0, {}) {}

ZooKeeperServer::ZooKeeperServer(int id, std::vector<Peer> peers)
    : m_dir(make_temp_dir("sg-zookeeper")), m_id(id), m_peers(std::move(peers)) {
  std::filesystem::create_directories(m_dir + "/data");
  if (m_id == 0) {
    m_client_port = free_port_outside_ephemeral();
  } else {
    for (const Peer& p : m_peers) {
      if (p.id == m_id) m_client_port = p.client_port;
    }
    write_file(m_dir + "/data/myid", std::to_string(m_id) + "\n");
  }
}

std::vector<std::unique_ptr<ZooKeeperServer>> ZooKeeperServer::ensemble(int n) {
  std::set<int> taken;
  std::vector<Peer> peers;
  for (int id = 1; id <= n; ++id) {
    peers.push_back(Peer{id, distinct_free_port(taken), distinct_free_port(taken), distinct_free_port(taken)});
  }
  std::vector<std::unique_ptr<ZooKeeperServer>> nodes;
  for (int id = 1; id <= n; ++id) nodes.push_back(std::unique_ptr<ZooKeeperServer>(new ZooKeeperServer(id, peers)));
  return nodes;
}

ZooKeeperServer::~ZooKeeperServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

void ZooKeeperServer::write_config(const Settings& settings) {
  std::string cfg =
      "tickTime=500\n"
      "initLimit=10\n"
      "syncLimit=5\n"
      "dataDir=" + m_dir + "/data\n"
      "clientPort=" + std::to_string(m_client_port) + "\n"
      "clientPortAddress=127.0.0.1\n"
      "admin.enableServer=false\n";
  if (!settings.whitelist.empty()) cfg += "4lw.commands.whitelist=" + settings.whitelist + "\n";
  for (const Peer& p : m_peers) {
    cfg += "server." + std::to_string(p.id) + "=127.0.0.1:" + std::to_string(p.quorum_port) + ":" +
           std::to_string(p.election_port) + "\n";
  }
  write_file(m_dir + "/zoo.cfg", cfg);
}

void ZooKeeperServer::start(const Settings& settings) {
  stop();
  ++m_runs;
  write_config(settings);
  std::string main_class = m_id == 0 ? "org.apache.zookeeper.server.ZooKeeperServerMain"
                                     : "org.apache.zookeeper.server.quorum.QuorumPeerMain";
  m_process.start({"java", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                   "-Dzookeeper.jmx.log4j.disable=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", class_path(), main_class, m_dir + "/zoo.cfg"},
                  m_dir + "/zookeeper-" + std::to_string(m_runs) + ".log");
}

bool ZooKeeperServer::wait_listening(std::chrono::milliseconds limit) {
  return poll_until([&] { return !m_process.running() || port_open(m_client_port); }, limit) && m_process.running();
}

void ZooKeeperServer::stop() { m_process.stop(); }

void ZooKeeperServer::kill() { m_process.kill_now(); }

}  // namespace stackgate::testing
