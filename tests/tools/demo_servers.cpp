// demo_servers: the real local servers behind `./run demo`.
//
// Builds on the integration-test harness (tests/servers/): constructs
// Postgres, Redis, ZooKeeper, ClickHouse and a KRaft Kafka broker on free
// loopback ports, writes their ports and credentials to an env file (the
// demo's compose file interpolates them), then starts them one after another
// the way a real stack comes up: Redis at once, Postgres first on its unix
// socket only (the official image's init phase) and then restarted on TCP,
// ClickHouse, ZooKeeper, Kafka, and finally a real consumer group
// "collector" on topic "events". Runs until SIGINT/SIGTERM, then stops all.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/servers/clickhouse_server.h"
#include "tests/servers/harness.h"
#include "tests/servers/kafka_server.h"
#include "tests/servers/postgres_server.h"
#include "tests/servers/redis_server.h"
#include "tests/servers/zookeeper_server.h"

namespace {

std::atomic<bool> g_stop{false};
const auto g_started = std::chrono::steady_clock::now();

void on_signal(int) { g_stop = true; }

void say(const char* what) {
  auto elapsed = std::chrono::steady_clock::now() - g_started;
  double seconds = std::chrono::duration<double>(elapsed).count();
  std::fprintf(stderr, "  [servers +%4.1fs] %s\n", seconds, what);
}

// Waits up to `limit`, returning early when asked to stop.
void pause_for(std::chrono::milliseconds limit) {
  stackgate::testing::poll_until([] { return g_stop.load(); }, limit, std::chrono::milliseconds(50));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace stackgate::testing;
  using namespace std::chrono_literals;
  if (argc != 2) {
    std::fprintf(stderr, "usage: demo_servers ENV_FILE\n");
    return 2;
  }
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  const std::string redis_password = "demo-redis-secret";
  try {
    PostgresServer postgres;
    RedisServer redis;
    ClickHouseServer clickhouse;
    ZooKeeperServer zookeeper;
    KafkaServer kafka;
    int backend_port = free_port();
    {
      std::ofstream env(std::string(argv[1]) + ".tmp");
      env << "PG_PORT=" << postgres.port() << "\nPG_USER=" << PostgresServer::k_app_user
          << "\nPG_PASSWORD=" << PostgresServer::k_app_password << "\nPG_DB=" << PostgresServer::k_app_database
          << "\nREDIS_PORT=" << redis.port() << "\nREDIS_PASSWORD=" << redis_password
          << "\nCH_PORT=" << clickhouse.http_port() << "\nCH_USER=" << ClickHouseServer::k_app_user
          << "\nCH_PASSWORD=" << ClickHouseServer::k_app_password << "\nZK_PORT=" << zookeeper.port()
          << "\nKAFKA_PORT=" << kafka.port() << "\nBACKEND_PORT=" << backend_port << "\n";
    }
    std::rename((std::string(argv[1]) + ".tmp").c_str(), argv[1]);

    say("redis: starting (requirepass)");
    redis.start(RedisServer::Settings{redis_password});
    say("postgres: init phase, unix socket only (TCP probes must not pass)");
    PostgresServer::Settings init_phase;
    init_phase.tcp = false;
    postgres.start(init_phase);
    postgres.wait_ready(30s);
    pause_for(1500ms);
    if (g_stop) return 0;
    postgres.stop();
    say("postgres: init done, restarting on TCP");
    postgres.start();
    say("clickhouse: starting");
    clickhouse.start();
    say("zookeeper: starting");
    zookeeper.start();
    say("kafka: starting the KRaft broker (a JVM: a few seconds)");
    kafka.start();
    say("kafka: up; creating topic events");
    create_topic(kafka.bootstrap(), "events", 1);
    pause_for(1000ms);
    if (g_stop) return 0;
    say("collector: first consumer joins group 'collector'");
    GroupConsumer first(kafka.bootstrap(), "collector", "events");
    pause_for(1500ms);
    if (g_stop) return 0;
    say("collector: second consumer joins: the group rebalances, the gate's window restarts");
    GroupConsumer second(kafka.bootstrap(), "collector", "events");
    say("all servers started; Ctrl-C stops them");
    while (!g_stop) pause_for(1000ms);
    say("stopping");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo_servers: %s\n", e.what());
    return 1;
  }
  return 0;
}
