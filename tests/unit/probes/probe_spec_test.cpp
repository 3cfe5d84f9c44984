// parse_probe_spec: the common options and password_file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "probes/url.h"

using namespace std::chrono_literals;
using stackgate::probes::parse_probe_spec;
using stackgate::probes::ProbeSpec;

namespace {

ProbeSpec spec_of(std::string_view text) {
  auto spec = parse_probe_spec(text);
  INFO(text);
  if (!spec) FAIL(spec.error());
  return *spec;
}

std::string error_of(std::string_view text) {
  auto spec = parse_probe_spec(text);
  INFO(text);
  REQUIRE_FALSE(spec.has_value());
  return spec.error();
}

// A temporary file removed at scope exit.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/stackgate-probes-test-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = name;
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("no common options leaves the gate's defaults", "[spec]") {
  ProbeSpec spec = spec_of("tcp://db:5432");
  CHECK_FALSE(spec.timeout.has_value());
  CHECK_FALSE(spec.interval.has_value());
  CHECK_FALSE(spec.window.has_value());
}

TEST_CASE("timeout and interval are durations", "[spec]") {
  ProbeSpec spec = spec_of("http://web/h?timeout=2s&interval=250ms&status=200");
  CHECK(spec.timeout == 2000ms);
  CHECK(spec.interval == 250ms);
}

TEST_CASE("common options are removed from the probe's query", "[spec]") {
  ProbeSpec spec = spec_of("http://web/h?timeout=2s&status=200&passes=3&body=ok");
  REQUIRE(spec.url.query.size() == 2);
  CHECK(spec.url.query[0].first == "status");
  CHECK(spec.url.query[1].first == "body");
  CHECK(spec.url.redacted() == "http://web/h?timeout=2s&status=200&passes=3&body=ok");
}

TEST_CASE("passes and stable_for set the window, alone or together", "[spec]") {
  SECTION("separately") {
    ProbeSpec spec = spec_of("tcp://db:5432?passes=3&stable_for=5s");
    REQUIRE(spec.window.has_value());
    CHECK(spec.window->passes == 3);
    CHECK(spec.window->stable_for == 5000ms);
  }
  SECTION("as window=") {
    ProbeSpec spec = spec_of("tcp://db:5432?window=passes=3,stable_for=5s");
    REQUIRE(spec.window.has_value());
    CHECK(spec.window->passes == 3);
    CHECK(spec.window->stable_for == 5000ms);
  }
  SECTION("one of the two keeps the other's default") {
    ProbeSpec spec = spec_of("tcp://db:5432?stable_for=10s");
    REQUIRE(spec.window.has_value());
    CHECK(spec.window->passes == stackgate::probes::Window{}.passes);
    CHECK(spec.window->stable_for == 10000ms);
  }
}

TEST_CASE("bad common options are reported exactly", "[spec][errors]") {
  auto [text, error] = GENERATE(table<std::string, std::string>({
      {"tcp://db:5432?timeout=5x", "bad timeout '5x' in tcp://db:5432?timeout=5x: unknown unit 'x' in duration '5x'"},
      {"tcp://db:5432?timeout=0s", "bad timeout '0s' in tcp://db:5432?timeout=0s: must be positive"},
      {"tcp://db:5432?passes=0", "bad passes '0' in tcp://db:5432?passes=0: expected a positive whole number"},
      {"tcp://db:5432?window=passes=3,stable=5s",
       "bad window 'passes=3,stable=5s' in tcp://db:5432?window=passes=3,stable=5s: expected passes=N,stable_for=DURATION"},
      {"redis://:pw@cache?interval=x",
       "bad interval 'x' in redis://:***@cache?interval=x: expected a number in duration 'x'"},
      {"tcp://db:99999?timeout=1s", "bad port '99999' in tcp://db:99999?timeout=1s"},
      // A decoded control byte is quoted escaped, not raw (tests/fuzz/url_fuzz).
      {"tcp://db:5432?timeout=%1b", "bad timeout '\\x1b' in tcp://db:5432?timeout=%1b: expected a number in duration '\\x1b'"},
  }));
  CHECK(error_of(text) == error);
}

TEST_CASE("password_file sets the password, without the trailing newline", "[spec][password_file]") {
  TempFile secret("s3cret\n");
  ProbeSpec spec = spec_of("postgres://app@db/app?password_file=" + secret.path);
  CHECK(spec.url.password == "s3cret");
  CHECK(spec.url.has_password);
  CHECK(spec.url.user == "app");
  CHECK_FALSE(spec.url.param("password_file").has_value());
}

TEST_CASE("password_file keeps inner whitespace and strips CRLF", "[spec][password_file]") {
  TempFile secret("a b\r\n");
  CHECK(spec_of("redis://cache?password_file=" + secret.path).url.password == "a b");
}

TEST_CASE("a missing password_file is an error naming the path", "[spec][password_file]") {
  CHECK(error_of("postgres://app@db/app?password_file=/nonexistent/secret") ==
        "cannot read password_file /nonexistent/secret: No such file or directory");
}

TEST_CASE("a password in the URL and a password_file conflict", "[spec][password_file]") {
  TempFile secret("x");
  CHECK(error_of("redis://:pw@cache?password_file=" + secret.path) ==
        "password given both in the URL and in password_file in redis://:***@cache?password_file=" + secret.path);
}
