#include "tests/integration/kafka/kafka_test_support.h"

#include <catch2/catch.hpp>

#include <cstdlib>

#include "probes/factory.h"
#include "probes/url.h"

namespace stackgate::testing {

KafkaServerOptions broker_options() {
  KafkaServerOptions options;
  options.fetch_script = STACKGATE_KAFKA_FETCH_SCRIPT;
  return options;
}

KafkaServer& shared_broker() {
  static KafkaServer broker(broker_options());
  if (!broker.running()) broker.start();
  return broker;
}

std::expected<std::unique_ptr<probes::Probe>, std::string> try_make_probe(const std::string& url) {
  ::setenv("STACKGATE_MODULE_DIR", STACKGATE_TEST_MODULE_DIR, 0);
  auto spec = probes::parse_probe_spec(url);
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

}  // namespace stackgate::testing
