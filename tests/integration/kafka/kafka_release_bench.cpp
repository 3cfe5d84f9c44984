// bench/kafka_release: how long after a consumer group becomes Stable does
// `stackgate wait` exit? For each trial: a fresh group nobody has joined,
// `stackgate wait` gating on it with passes=1,stable_for=0s, an independent
// GroupWatcher describing the group every ~2 ms, and after a random 200-700
// ms one consumer joining. The latency is the gate's exit minus the moment
// the watcher first saw the group Stable.
//
//   kafka_release_bench STACKGATE [TRIALS]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/kafka/kafka_test_client.h"
#include "tests/servers/harness.h"
#include "tests/servers/kafka_server.h"

extern char** environ;

using namespace std::chrono_literals;
using namespace stackgate::testing;
using Clock = std::chrono::steady_clock;

namespace {

// Runs argv with its output discarded (the bench prints only its own lines).
pid_t spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STACKGATE [TRIALS]\n", argv[0]);
    return 2;
  }
  std::string stackgate = argv[1];
  int trials = argc > 2 ? std::max(1, std::atoi(argv[2])) : 15;

  KafkaServerOptions options;
  options.fetch_script = STACKGATE_KAFKA_FETCH_SCRIPT;
  KafkaServer broker(options);
  broker.start();
  std::printf("broker up in %lld ms; %d trials\n", static_cast<long long>(broker.last_start_time().count()), trials);
  std::string dir = make_temp_dir("stackgate-kafka-bench");

  std::mt19937 rng(7);
  std::vector<double> latencies;
  for (int i = 0; i < trials; ++i) {
    std::string topic = unique_name("bench"), group = unique_name("bench");
    create_topic(broker.bootstrap(), topic, 2);
    std::string compose = dir + "/compose-" + std::to_string(i) + ".yaml";
    write_file(compose, "services:\n"
                        "  consumer:\n"
                        "    image: example/consumer\n"
                        "    x-stackgate:\n"
                        "      probes: [\"kafka://" + broker.bootstrap() + "?groups=" + group +
                            "&passes=1&stable_for=0s\"]\n");
    GroupWatcher watcher(broker.bootstrap(), group);
    pid_t gate = spawn({stackgate, "-f", compose, "wait", "--timeout", "60s"});
    if (gate < 0) {
      std::fprintf(stderr, "cannot run %s\n", stackgate.c_str());
      return 2;
    }
    // Let the gate settle into its polling before the group forms.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 700)(rng)));
    GroupConsumer consumer(broker.bootstrap(), group, topic);
    int status = 0;
    waitpid(gate, &status, 0);
    Clock::time_point exited = Clock::now();
    watcher.stop();
    std::optional<Clock::time_point> stable = watcher.first_stable();
    bool released = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!released || !stable) {
      std::printf("trial %2d: gate exit status %d, watcher %s Stable\n", i + 1, WEXITSTATUS(status),
                  stable ? "saw" : "never saw");
      continue;
    }
    double latency = ms(exited - *stable);
    latencies.push_back(latency);
    std::printf("trial %2d: exit %.1f ms after Stable\n", i + 1, latency);
  }
  if (latencies.empty()) return 1;
  std::sort(latencies.begin(), latencies.end());
  double median = latencies.size() % 2 ? latencies[latencies.size() / 2]
                                       : (latencies[latencies.size() / 2 - 1] + latencies[latencies.size() / 2]) / 2;
  std::printf("release after Stable: median %.1f ms, min %.1f ms, max %.1f ms over %zu trials (goal: median <= 50 ms)\n",
              median, latencies.front(), latencies.back(), latencies.size());
  return median <= 50.0 ? 0 : 1;
}
