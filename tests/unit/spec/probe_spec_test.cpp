// parse_probe_spec: the common options and password_file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "spec/probe_spec.h"
#include "util/duration.h"

using namespace std::chrono_literals;
using stackgate::spec::parse_probe_spec;
using stackgate::spec::ProbeSpec;

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
  CHECK(spec.window.empty());
  CHECK_FALSE(spec.max_latency.has_value());
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
    CHECK(spec.window.passes == 3);
    CHECK(spec.window.stable_for == 5000ms);
  }
  SECTION("as window=") {
    ProbeSpec spec = spec_of("tcp://db:5432?window=passes=3,stable_for=5s");
    CHECK(spec.window.passes == 3);
    CHECK(spec.window.stable_for == 5000ms);
  }
  SECTION("one of the two leaves the other unset, for the next source to fill") {
    ProbeSpec spec = spec_of("tcp://db:5432?stable_for=10s");
    CHECK_FALSE(spec.window.passes.has_value());
    CHECK(spec.window.stable_for == 10000ms);
    CHECK(spec.window.over(stackgate::spec::Window{}).passes == stackgate::spec::Window{}.passes);
  }
  SECTION("window= does not undo a field it leaves out") {
    ProbeSpec spec = spec_of("tcp://db:5432?stable_for=10s&window=passes=3");
    CHECK(spec.window.passes == 3);
    CHECK(spec.window.stable_for == 10000ms);
  }
}

TEST_CASE("durations are kept to the millisecond", "[spec]") {
  ProbeSpec spec = spec_of("tcp://db:5432?stable_for=1250ms&timeout=1h2m5s&interval=1.25s");
  CHECK(spec.window.stable_for == 1250ms);
  CHECK(spec.timeout == 3'725'000ms);
  CHECK(spec.interval == 1250ms);
  CHECK(stackgate::spec::format_window(spec.window) == "stable_for=1250ms");
}

TEST_CASE("max_latency is a common option on every scheme", "[spec][max_latency]") {
  for (std::string url : {"tcp://db:5432", "http://web/h", "postgres://db/app", "disk:///data", "dns://web"}) {
    ProbeSpec spec = spec_of(url + "?max_latency=5s");
    CHECK(spec.max_latency == 5000ms);
    CHECK_FALSE(spec.url.param("max_latency").has_value());
  }
  CHECK(error_of("tcp://db:5432?max_latency=0s") ==
        "bad max_latency '0s' in tcp://db:5432?max_latency=0s: must be positive");
}

TEST_CASE("overlay merges settings field by field, the first source winning", "[spec][precedence]") {
  using stackgate::spec::overlay;
  using stackgate::spec::ProbeSettings;
  ProbeSettings url{.timeout = 1000ms, .window = {.passes = std::nullopt, .stable_for = 10'000ms}};
  ProbeSettings service{.timeout = 3000ms, .max_latency = 5000ms, .window = {.passes = 3, .stable_for = 5000ms}};
  ProbeSettings merged = overlay(url, service);
  CHECK(merged.timeout == 1000ms);
  CHECK(merged.max_latency == 5000ms);
  CHECK(merged.window.passes == 3);
  CHECK(merged.window.stable_for == 10'000ms);
  CHECK_FALSE(merged.interval.has_value());
}

TEST_CASE("parse_window reads either field or both", "[spec][window]") {
  using stackgate::spec::parse_window;
  CHECK(parse_window("passes=3,stable_for=5s")->passes == 3);
  CHECK(parse_window("passes=3,stable_for=5s")->stable_for == 5000ms);
  CHECK_FALSE(parse_window("stable_for=250ms")->passes.has_value());
  CHECK(parse_window("passes=two").error() == "passes must be a whole number >= 1, not 'two'");
  CHECK(parse_window("passes").error() == "expected passes=N,stable_for=DURATION, got 'passes'");
  CHECK(parse_window("stable_for=5 parsecs").error().starts_with("stable_for: "));
}

TEST_CASE("bad common options are reported exactly", "[spec][errors]") {
  auto [text, error] = GENERATE(table<std::string, std::string>({
      {"tcp://db:5432?timeout=5x", "bad timeout '5x' in tcp://db:5432?timeout=5x: unknown unit 'x' in duration '5x'"},
      {"tcp://db:5432?timeout=0s", "bad timeout '0s' in tcp://db:5432?timeout=0s: must be positive"},
      {"tcp://db:5432?passes=0", "bad passes '0' in tcp://db:5432?passes=0: passes must be a whole number >= 1, not '0'"},
      {"tcp://db:5432?window=passes=3,stable=5s",
       "bad window 'passes=3,stable=5s' in tcp://db:5432?window=passes=3,stable=5s: unknown window option 'stable' (expected passes or stable_for)"},
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

TEST_CASE("settings print exactly as a user would write them", "[spec]") {
  using stackgate::spec::format_settings;
  using stackgate::spec::ProbeSettings;
  CHECK(format_settings({}).empty());
  CHECK(format_settings({.timeout = 1250ms, .max_latency = 3'725'000ms, .window = {.passes = 3, .stable_for = 10'000ms}}) ==
        "timeout=1250ms, max_latency=1h2m5s, window=passes=3,stable_for=10s");
}

TEST_CASE("durations print without losing a millisecond", "[spec][duration]") {
  using stackgate::util::format_duration;
  using stackgate::util::format_duration_exact;
  using stackgate::util::parse_duration;
  CHECK(format_duration_exact(1250ms) == "1250ms");
  CHECK(format_duration_exact(3'725'000ms) == "1h2m5s");
  CHECK(format_duration_exact(90'500ms) == "1m30s500ms");
  CHECK(format_duration_exact(0ms) == "0s");
  CHECK(format_duration(1250ms) == "1.25s");
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(3'725'000ms) == "1h2m5s");
  CHECK(format_duration(3'600'000ms) == "1h0m");
  CHECK(format_duration(125'000ms) == "2m5s");
  for (long long ms : {0LL, 1LL, 999LL, 1001LL, 1250LL, 59'999LL, 60'000LL, 90'500LL, 3'725'000LL, 3'725'001LL, 90'061'001LL}) {
    INFO(ms);
    CHECK(parse_duration(format_duration(std::chrono::milliseconds{ms})) == std::chrono::milliseconds{ms});
    CHECK(parse_duration(format_duration_exact(std::chrono::milliseconds{ms})) == std::chrono::milliseconds{ms});
  }
}
