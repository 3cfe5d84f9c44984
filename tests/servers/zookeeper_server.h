// A real ZooKeeper (Debian's 3.8 jars) on free loopback ports: standalone, or
// one node of an ensemble (so a lone node can be seen "not currently serving
// requests" until a quorum forms).
//
// The config is written to zoo.cfg in a temp dir: clientPort on 127.0.0.1,
// dataDir in the temp dir, admin.enableServer=false, and
// 4lw.commands.whitelist only when Settings::whitelist is set (ZooKeeper's
// default then allows only srvr).
//
// Not thread-safe. The destructor stops the server and removes the temp dir.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/servers/harness.h"

namespace stackgate::testing {

class ZooKeeperServer {
 public:
  struct Settings {
    std::string whitelist;  // "" = ZooKeeper's default (srvr only); srvr is always added
  };

  ZooKeeperServer();  // standalone
  ~ZooKeeperServer();
  ZooKeeperServer(const ZooKeeperServer&) = delete;
  ZooKeeperServer& operator=(const ZooKeeperServer&) = delete;

  /// `n` nodes configured as one ensemble; none started.
  static std::vector<std::unique_ptr<ZooKeeperServer>> ensemble(int n);

  /// Starts the JVM and returns at once.
  void start(const Settings& settings);
  void start() { start(Settings{}); }
  /// Bounded poll for the client port to accept connections.
  bool wait_listening(std::chrono::milliseconds limit = std::chrono::seconds(60));
  void stop();
  void kill();
  bool running() { return m_process.running(); }

  int port() const { return m_client_port; }
  std::string log_tail() const { return m_process.log_tail(); }
  /// zk://127.0.0.1:port
  std::string url() const { return "zk://127.0.0.1:" + std::to_string(m_client_port); }

 private:
  struct Peer {
    int id;
    int quorum_port;
    int election_port;
    int client_port;
  };
  ZooKeeperServer(int id, std::vector<Peer> peers);
  void write_config(const Settings& settings);

  std::string m_dir;
  int m_id = 0;  // 0 = standalone
  int m_client_port = 0;
  std::vector<Peer> m_peers;
  int m_runs = 0;
  ServerProcess m_process;
};

}  // namespace stackgate::testing
