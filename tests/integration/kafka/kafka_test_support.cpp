#include "tests/integration/kafka/kafka_test_support.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>

#include "probes/factory.h"
#include "spec/probe_spec.h"

namespace stackgate::testing {

KafkaServerOptions broker_options() {
  KafkaServerOptions options;
  options.fetch_script = STACKGATE_KAFKA_FETCH_SCRIPT;
  return options;
}

KafkaServer& shared_broker() {
  // Under ctest, the kafka_broker fixture's broker (tests/tools/shared_server);
  // run directly, a broker of this process.
  if (const char* state = std::getenv("STACKGATE_KAFKA_SHARED"); state && *state) {
    static std::unique_ptr<KafkaServer> attached = KafkaServer::attach(state);
    INFO("shared broker " << attached->bootstrap() << " (" << state << ")");
    REQUIRE(attached->running());
    return *attached;
  }
  return private_broker();
}

KafkaServer& private_broker(bool started) {
  static KafkaServer broker(broker_options());
  if (started && !broker.running()) broker.start();
  if (!started) broker.stop();
  return broker;
}

std::expected<std::unique_ptr<probes::Probe>, std::string> try_make_probe(const std::string& url) {
  ::setenv("STACKGATE_MODULE_DIR", STACKGATE_TEST_MODULE_DIR, 0);
  auto spec = spec::parse_probe_spec(url);
  if (!spec) return std::unexpected("parse: " + spec.error());
  return probes::make_probe(*spec);
}

std::unique_ptr<probes::Probe> make_probe_or_fail(const std::string& url) {
  auto probe = try_make_probe(url);
  INFO(url << (probe ? "" : " -> " + probe.error()));
  REQUIRE(probe.has_value());
  return std::move(*probe);
}

std::string describe(const probes::Outcome& o) {
  return std::string(probes::to_string(o.verdict)) + ": " + o.reason + (o.cheap ? " (cheap)" : "");
}

probes::Outcome wait_for(probes::Probe& probe, probes::Verdict want, probes::Millis limit, probes::Millis every) {
  probes::Outcome last;
  poll_until([&] {
    last = probe.check(k_attempt);
    return last.verdict == want;
  }, limit, every);
  return last;
}

WindowRun run_window(probes::Probe& probe, int passes, probes::Millis stable_for, probes::Millis limit,
                     probes::Millis interval, const std::function<void()>& before_each) {
  WindowRun run;
  int streak = 0;
  auto first_pass = std::chrono::steady_clock::now();
  poll_until([&] {
    if (before_each) before_each();
    run.last = probe.check(k_attempt);
    run.log.push_back(describe(run.last));
    if (run.last.verdict != probes::Verdict::ready) {
      streak = 0;
      if (run.last.verdict == probes::Verdict::not_yet) run.last_not_yet = run.last.reason;
      return run.last.verdict == probes::Verdict::fatal;
    }
    auto now = std::chrono::steady_clock::now();
    if (streak++ == 0) first_pass = now;
    run.released = streak >= passes && now - first_pass >= stable_for;
    return run.released;
  }, limit, interval);
  return run;
}

std::string history(const WindowRun& run) {
  std::ostringstream out;
  for (const std::string& line : run.log) out << "  " << line << "\n";
  return out.str();
}

}  // namespace stackgate::testing
