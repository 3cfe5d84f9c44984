// The harness side of the shared broker (the kafka_broker CTest fixture): a
// test process attaches to the fixture's broker through its state file and
// must not be able to stop, kill or pause it under the other cases. No broker
// runs here: the state file is written by hand, its ports point nowhere.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "tests/servers/harness.h"
#include "tests/servers/kafka_server.h"

using namespace stackgate::testing;

namespace {

std::string state_file(const std::string& text) {
  std::string path = make_temp_dir("sg-kafka-attach") + "/broker.state";
  write_file(path, text);
  return path;
}

const char* const k_state =
    "dir=/nonexistent/kafka\nport=1\nsasl_port=2\ncontroller_port=3\ntls_port=4\n"
    "unresolvable_port=5\nmisadvertised_port=6\ndead_port=7\n";

}  // namespace

TEST_CASE("an attached broker has the endpoints its owner saved", "[kafka][harness]") {
  auto broker = KafkaServer::attach(state_file(k_state));
  CHECK(broker->attached());
  CHECK(broker->bootstrap() == "127.0.0.1:1");
  CHECK(broker->sasl_bootstrap() == "127.0.0.1:2");
  CHECK(broker->tls_bootstrap() == "127.0.0.1:4");
  CHECK(broker->unresolvable_bootstrap() == "127.0.0.1:5");
  CHECK(broker->misadvertised_bootstrap() == "127.0.0.1:6");
  CHECK(broker->dead_advertised_port() == 7);
  CHECK(broker->dir() == "/nonexistent/kafka");
}

TEST_CASE("an attached broker cannot be started, killed or paused, and stop leaves it alone", "[kafka][harness]") {
  auto broker = KafkaServer::attach(state_file(k_state));
  CHECK_FALSE(broker->running());  // nothing answers Metadata on port 1
  CHECK_THROWS_AS(broker->start(), std::logic_error);
  CHECK_THROWS_AS(broker->kill(), std::logic_error);
  CHECK_THROWS_AS(broker->pause(), std::logic_error);
  CHECK_THROWS_AS(broker->resume(), std::logic_error);
  CHECK_NOTHROW(broker->stop());
}

TEST_CASE("a missing or incomplete state file is an error naming it", "[kafka][harness]") {
  CHECK_THROWS_WITH(KafkaServer::attach("/nonexistent/broker.state"),
                    Catch::Contains("/nonexistent/broker.state"));
  std::string partial = state_file("dir=/x\nport=9092\n");
  CHECK_THROWS_WITH(KafkaServer::attach(partial), Catch::Contains(partial) && Catch::Contains("sasl_port"));
}
