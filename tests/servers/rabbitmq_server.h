// A real RabbitMQ node (Debian's rabbitmq-server) on free loopback ports,
// for integration tests.
//
// Everything the node writes stays in a temp dir (RABBITMQ_MNESIA_BASE,
// RABBITMQ_LOG_BASE, HOME for the Erlang cookie); its own epmd runs on a
// free port bound to 127.0.0.1 (ERL_EPMD_PORT) and the distribution port is
// a free one on 127.0.0.1, so it neither meets nor disturbs another node.
// Users, vhosts and a queue come from a definitions file loaded at boot:
//   app / apppass      full permissions on vhosts "/" and "appvh"
//   noperm / nopass    no permission anywhere
//   guest / guest      full permissions on "/" (loopback_users = none)
//   queue "jobs"       durable, in "appvh"
// The Erlang VM takes many seconds to boot: start it once per test process.
//
// The process becomes a child subreaper (the start script runs the VM as a
// child, and Erlang spawns helpers in their own sessions), so the destructor
// can reap them all: make a RabbitmqServer only in a test process whose own
// children are gone by the time it is destroyed.
//
// Not thread-safe. The destructor stops the node and epmd, reaps the VM's
// leftovers and removes the temp dir.
#pragma once

#include <chrono>
#include <string>

#include "tests/servers/harness.h"

namespace stackgate::testing {

class RabbitmqServer {
 public:
  static constexpr const char* k_app_user = "app";
  static constexpr const char* k_app_password = "apppass";
  static constexpr const char* k_app_vhost = "appvh";
  static constexpr const char* k_queue = "jobs";

  RabbitmqServer();
  ~RabbitmqServer();
  RabbitmqServer(const RabbitmqServer&) = delete;
  RabbitmqServer& operator=(const RabbitmqServer&) = delete;

  /// Starts epmd (if not running) and the node; returns at once.
  void start();
  /// Bounded poll for "Server startup complete" in this run's log.
  bool wait_ready(std::chrono::milliseconds limit = std::chrono::seconds(180));
  /// SIGTERM (a clean shutdown) and reap; SIGKILL after a grace period.
  void stop();
  /// SIGKILL the node (a crash); epmd stays.
  void kill();
  bool running() { return m_node.running(); }

  int port() const { return m_port; }
  const std::string& dir() const { return m_dir; }
  std::string log_tail() const { return m_node.log_tail(); }
  /// amqp://user:password@127.0.0.1:port/vhost
  std::string url(const std::string& user, const std::string& password, const std::string& vhost) const;

 private:
  std::string m_dir;
  int m_port = 0;
  int m_epmd_port = 0;
  int m_dist_port = 0;
  int m_runs = 0;
  ServerProcess m_epmd;
  ServerProcess m_node;
};

}  // namespace stackgate::testing
