// demo_servers: the real local servers behind `./run demo`.
//
// Builds on the integration-test harness (tests/servers/): constructs
// Postgres, Redis, ZooKeeper, ClickHouse and a KRaft Kafka broker on free
// loopback ports, writes their ports and credentials to an env file (the
// demo's compose file interpolates them), then starts them one after another
// the way a real stack comes up: Redis at once, Postgres first on its unix
// socket only (the official image's init phase) and then restarted on TCP,
// ClickHouse, ZooKeeper, Kafka, and finally a real consumer group
// "collector" on topic "events" (after the demo creates ENV_FILE.go). Runs
// until SIGINT/SIGTERM, then stops all.
// --no-kafka leaves out ZooKeeper, Kafka and the group (the demo runs without
// them when the broker's jars cannot be fetched).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
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
auto g_started = std::chrono::steady_clock::now();  // reset when the servers start

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
  bool with_kafka = !(argc == 3 && std::string(argv[1]) == "--no-kafka");
  if (argc != (with_kafka ? 2 : 3)) {
    std::fprintf(stderr, "usage: demo_servers [--no-kafka] ENV_FILE\n");
    return 2;
  }
  const std::string env_file = argv[argc - 1];
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  const std::string redis_password = "demo-redis-secret";
  try {
    PostgresServer postgres;
    RedisServer redis;
    ClickHouseServer clickhouse;
    std::optional<ZooKeeperServer> zookeeper;
    std::optional<KafkaServer> kafka;
    if (with_kafka) {
      zookeeper.emplace();
      // The harness finds fetch.sh relative to its source path as compiled,
      // which is relative to the build directory: give it the absolute one.
      KafkaServerOptions options;
      options.fetch_script = STACKGATE_KAFKA_FETCH_SCRIPT;
      kafka.emplace(options);
    }
    int backend_port = free_port();
    {
      std::ofstream env(env_file + ".tmp");
      env << "PG_PORT=" << postgres.port() << "\nPG_USER=" << PostgresServer::k_app_user
          << "\nPG_PASSWORD=" << PostgresServer::k_app_password << "\nPG_DB=" << PostgresServer::k_app_database
          << "\nREDIS_PORT=" << redis.port() << "\nREDIS_PASSWORD=" << redis_password
          << "\nCH_PORT=" << clickhouse.http_port() << "\nCH_USER=" << ClickHouseServer::k_app_user
          << "\nCH_PASSWORD=" << ClickHouseServer::k_app_password << "\nBACKEND_PORT=" << backend_port << "\n";
      if (with_kafka) env << "ZK_PORT=" << zookeeper->port() << "\nKAFKA_PORT=" << kafka->port() << "\n";
    }
    std::rename((env_file + ".tmp").c_str(), env_file.c_str());
    // The demo plans with the env file first (step 1), then creates
    // ENV_FILE.go: the servers start only then, so their narration
    // belongs to step 2.
    const std::string go = env_file + ".go";
    poll_until([&] { return g_stop.load() || ::access(go.c_str(), F_OK) == 0; }, 120s, 20ms);
    if (g_stop) return 0;
    g_started = std::chrono::steady_clock::now();

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
    std::optional<GroupConsumer> first, second;
    if (with_kafka) {
      say("zookeeper: starting");
      zookeeper->start();
      say("kafka: starting the KRaft broker (a JVM: a few seconds)");
      kafka->start();
      say("kafka: up; creating topic events");
      create_topic(kafka->bootstrap(), "events", 1);
      pause_for(1000ms);
      if (g_stop) return 0;
      say("collector: first consumer joins group 'collector'");
      first.emplace(kafka->bootstrap(), "collector", "events");
      pause_for(1500ms);
      if (g_stop) return 0;
      say("collector: second consumer joins: the group rebalances, the gate's window restarts");
      second.emplace(kafka->bootstrap(), "collector", "events");
    }
    say("all servers started; Ctrl-C stops them");
    while (!g_stop) pause_for(1000ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo_servers: %s\n", e.what());
    return 1;
  }
  return 0;
}
