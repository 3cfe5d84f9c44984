// Shared by the Kafka integration tests: the broker of this test process and
// probes made the way stackgate makes them (URL -> ProbeSpec -> factory ->
// libstackgate-kafka.so).
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"
#include "tests/servers/kafka_server.h"

namespace stackgate::testing {

/// The broker shared by the test cases of this process, started on first use
/// (and again if a test left it stopped).
KafkaServer& shared_broker();

/// Options for a broker of this test binary (fetch.sh from the source tree).
KafkaServerOptions broker_options();

/// parse_probe_spec + make_probe.
std::expected<std::unique_ptr<probes::Probe>, std::string> try_make_probe(const std::string& url);

/// try_make_probe, REQUIRE-ing success.
std::unique_ptr<probes::Probe> make_probe_or_fail(const std::string& url);

/// "not_yet: group g is Empty (0 members) (cheap)"
std::string describe(const probes::Outcome& outcome);

}  // namespace stackgate::testing
