// util/redact: secrets out of everything printed.
#include "util/redact.h"

#include <catch2/catch.hpp>

using stackgate::util::redact_line;
using stackgate::util::redact_text;
using stackgate::util::redact_url;

TEST_CASE("a URL's password is masked, even with an unencoded '#' or '/' in it", "[redact]") {
  CHECK(redact_url("postgres://app:pw@db:5432/app") == "postgres://app:***@db:5432/app");
  CHECK(redact_url("postgres://app:p#w/x?y@db:5432/app") == "postgres://app:***@db:5432/app");
  CHECK(redact_url("redis://:pw@cache:6379") == "redis://:***@cache:6379");
  CHECK(redact_url("tcp://db:5432") == "tcp://db:5432");
  CHECK(redact_url("redis://user@cache") == "redis://user@cache");
}

TEST_CASE("secret options and credential headers are masked", "[redact]") {
  CHECK(redact_url("kafka://b:9092?rdkafka.sasl.password=pw&topics=a") == "kafka://b:9092?rdkafka.sasl.password=***&topics=a");
  CHECK(redact_url("kafka://b:9092?rdkafka.ssl.key.password=pw") == "kafka://b:9092?rdkafka.ssl.key.password=***");
  CHECK(redact_url("x://h?password=p#w&a=1") == "x://h?password=***&a=1");
  CHECK(redact_url("http://h/health?header=Authorization:Bearer%20tok&status=200") ==
        "http://h/health?header=Authorization:***&status=200");
  CHECK(redact_url("http://h/health?header=X-Request:1") == "http://h/health?header=X-Request:1");
}

TEST_CASE("source lines with secret-looking keys have their values masked", "[redact]") {
  CHECK(redact_line("      DATABASE_PASSWORD: hunter2") == "      DATABASE_PASSWORD: ***");
  CHECK(redact_line("      - API_TOKEN=hunter2") == "      - API_TOKEN=***");
  CHECK(redact_line("export SECRET_KEY=hunter2") == "export SECRET_KEY=***");
  CHECK(redact_line("      DATABASE_URL: postgres://app:hunter2@db/app${X}") ==
        "      DATABASE_URL: postgres://app:***@db/app${X}");
  CHECK(redact_line("    image: postgres:16") == "    image: postgres:16");
  CHECK(redact_line("    password_file:") == "    password_file:");
}

TEST_CASE("free text has its URLs redacted and nothing else", "[redact]") {
  CHECK(redact_text("key \"DB_PASSWORD ...\" cannot contain a space") == "key \"DB_PASSWORD ...\" cannot contain a space");
  CHECK(redact_text("cannot reach postgres://app:pw@db:5432/app: refused") ==
        "cannot reach postgres://app:***@db:5432/app: refused");
}

TEST_CASE("one-line flow mappings and sequences have their secret items masked", "[redact]") {
  using stackgate::util::redact_line;
  CHECK(redact_line("    environment: {DB_PASSWORD: hunter2}") == "    environment: {DB_PASSWORD: ***}");
  CHECK(redact_line("    environment: {USER: app, DB_PASSWORD: hunter2, HOST: db}") ==
        "    environment: {USER: app, DB_PASSWORD: ***, HOST: db}");
  CHECK(redact_line("    environment: {\"API_TOKEN\": \"a, b\", X: 1}") == "    environment: {\"API_TOKEN\": ***, X: 1}");
  CHECK(redact_line("    environment: [DB_PASSWORD=hunter2, USER=app]") == "    environment: [DB_PASSWORD=***, USER=app]");
  CHECK(redact_line("  x: {a: 1, b: [c, d]}") == "  x: {a: 1, b: [c, d]}");
}

TEST_CASE("key is a secret only as a word of its own", "[redact]") {
  using stackgate::util::is_secret_name;
  CHECK(is_secret_name("SECRET_KEY"));
  CHECK(is_secret_name("API_KEY"));
  CHECK(is_secret_name("x-api-key"));
  CHECK(is_secret_name("apiKey"));
  CHECK(is_secret_name("APIKEY"));
  CHECK(is_secret_name("rdkafka.ssl.key.pem"));
  CHECK_FALSE(is_secret_name("monkey"));
  CHECK_FALSE(is_secret_name("KEYCLOAK_URL"));
  CHECK_FALSE(is_secret_name("MONKEY_BUSINESS"));
  CHECK_FALSE(is_secret_name("rdkafka.ssl.key.location"));
  CHECK(stackgate::util::redact_line("  - KEYCLOAK_URL=http://kc:8080") == "  - KEYCLOAK_URL=http://kc:8080");
  CHECK(stackgate::util::redact_line("  monkey: banana") == "  monkey: banana");
}
