// Shared by the Kafka integration tests: the broker of this test process and
// probes made the way stackgate makes them (URL -> ProbeSpec -> factory ->
// libstackgate-kafka.so).
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "probes/probe.h"
#include "tests/servers/kafka_server.h"

namespace stackgate::testing {

/// The broker shared by the test cases: the kafka_broker CTest fixture's
/// (attached through $STACKGATE_KAFKA_SHARED, see CMakeLists.txt here), or,
/// when the test binary runs on its own, private_broker(). Cases isolate
/// themselves by their own topic and group names (unique_name), and never
/// stop, kill or pause it.
KafkaServer& shared_broker();

/// A broker of this process alone, for the cases tagged [own-broker], which
/// kill, pause or restart it: started (on first use, and again if a test
/// left it stopped), or with `started` false, stopped (configured, nothing
/// listening on its ports).
KafkaServer& private_broker(bool started = true);

/// Options for a broker of this test binary (fetch.sh from the source tree).
KafkaServerOptions broker_options();

/// parse_probe_spec + make_probe.
std::expected<std::unique_ptr<probes::Probe>, std::string> try_make_probe(const std::string& url);

/// try_make_probe, REQUIRE-ing success.
std::unique_ptr<probes::Probe> make_probe_or_fail(const std::string& url);

/// "not_yet: group g is Empty (0 members) (cheap)"
std::string describe(const probes::Outcome& outcome);

/// What a ready group reason ends with while the window is shorter than the
/// default 45 s session timeout.
inline constexpr const char* k_session_caveat = "; a member killed less than 45s ago (session timeout) still counts";

inline constexpr probes::Millis k_attempt{2000};  // per-attempt timeout
inline constexpr probes::Millis k_settle{60000};  // bound on any wait for the broker to get somewhere

/// Attempts every `every` until one returns `want` or `limit` passes; the last outcome.
probes::Outcome wait_for(probes::Probe& probe, probes::Verdict want, probes::Millis limit = k_settle,
                         probes::Millis every = probes::Millis{100});

struct WindowRun {
  bool released = false;
  probes::Outcome last;
  std::string last_not_yet;  // the reason a timed-out gate would report
  std::vector<std::string> log;
};

/// What the scheduler does with a probe, emulated at a fixed `interval`:
/// `passes` consecutive passes spanning at least `stable_for` release; a
/// not_yet restarts the window; fatal ends it. `before_each` runs before
/// every attempt (to change the group while the window runs).
WindowRun run_window(probes::Probe& probe, int passes, probes::Millis stable_for, probes::Millis limit,
                     probes::Millis interval = probes::Millis{250}, const std::function<void()>& before_each = {});

/// The attempts of a run, one per line.
std::string history(const WindowRun& run);

}  // namespace stackgate::testing
