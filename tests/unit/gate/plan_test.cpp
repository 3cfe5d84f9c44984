#include "gate/plan.h"

#include <catch2/catch.hpp>

#include "gate/plan_output.h"

using stackgate::gate::redact_url;

TEST_CASE("redaction masks the password of a parseable URL", "[plan]") {
  CHECK(redact_url("postgres://app:s3cret@db:5432/app") == "postgres://app:***@db:5432/app");
  CHECK(redact_url("tcp://db:5432") == "tcp://db:5432");
}

TEST_CASE("redaction masks the password of a URL that does not parse", "[plan]") {
  std::string masked = redact_url("postgres://app:s3cret@db:notaport/app");
  CHECK(masked.find("s3cret") == std::string::npos);
  CHECK(masked.find("app:***@db") != std::string::npos);
  CHECK(redact_url("nope://x?password=hunter2&a=1").find("hunter2") == std::string::npos);
}

TEST_CASE("locations print as file:line:col", "[plan]") {
  CHECK(stackgate::gate::format_location({"compose.yaml", 3, 9}) == "compose.yaml:3:9");
  CHECK(stackgate::gate::format_location({"compose.yaml", 0, 0}) == "compose.yaml");
  CHECK(stackgate::gate::format_location({}).empty());
}
