// HTTP probes (from the real libstackgate-http.so module) against in-process
// servers on 127.0.0.1 and on unix sockets.
#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "probes/factory.h"
#include "probe_fixtures.h"
#include "test_server.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using stackgate::spec::parse_probe_spec;
using namespace stackgate::testing;

namespace {

using Clock = std::chrono::steady_clock;

std::string base(const TestServer& server) { return "http://127.0.0.1:" + std::to_string(server.port()); }

Outcome check_once(int status, const std::string& body, const std::string& options = "",
                   const std::string& extra_headers = "") {
  TestServer server(answer(http_response(status, body, extra_headers)));
  server.listen();
  return probe_for(base(server) + "/health" + options)->check(2000ms);
}

std::string unix_path(const char* name) {
  return "/tmp/stackgate-net-test-" + std::to_string(::getpid()) + "-" + name + ".sock";
}

std::string encoded(const std::string& path) {
  std::string out;
  for (char c : path) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

}  // namespace

TEST_CASE("http: 200 is ready and the request is a plain GET of the path", "[http]") {
  TestServer server(answer(http_response(200, "ok")));
  server.listen();
  Outcome outcome = probe_for(base(server) + "/health")->check(2000ms);
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "HTTP 200 from /health");
  REQUIRE(server.requests().size() == 1);
  CHECK_THAT(server.requests()[0], Catch::StartsWith("GET /health HTTP/1.1\r\n"));
}

TEST_CASE("http: 503 is not_yet and not cheap", "[http]") {
  Outcome outcome = check_once(503, "starting");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK_FALSE(outcome.cheap);
  CHECK(outcome.reason == "HTTP 503 from /health");
}

TEST_CASE("http: 502, 504 and 429 are not_yet", "[http]") {
  for (int status : {502, 504, 429, 500}) {
    INFO(status);
    CHECK(check_once(status, "").verdict == Verdict::not_yet);
  }
}

TEST_CASE("http: 404, 401 and 403 on the health path are fatal", "[http]") {
  Outcome outcome = check_once(404, "not found");
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == "HTTP 404 from /health");
  CHECK(check_once(401, "").verdict == Verdict::fatal);
  CHECK(check_once(403, "").verdict == Verdict::fatal);
}

TEST_CASE("http: a redirect is fatal and never followed", "[http]") {
  Outcome outcome = check_once(302, "", "", "Location: /login\r\n");
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason ==
        "HTTP 302 from /health redirects to /login (redirects are not followed: probe the final URL, or accept it "
        "with status=3xx)");
  CHECK(check_once(302, "", "?status=3xx", "Location: /login\r\n").verdict == Verdict::ready);
}

TEST_CASE("http: status= lists the accepted codes", "[http]") {
  CHECK(check_once(204, "", "?status=200,204").verdict == Verdict::ready);
  CHECK(check_once(201, "", "?status=200,204").verdict == Verdict::not_yet);
  CHECK(check_once(200, "", "?status=204").verdict == Verdict::not_yet);
  CHECK(check_once(299, "", "?status=2xx").verdict == Verdict::ready);
}

TEST_CASE("http: body= requires the substring", "[http]") {
  CHECK(check_once(200, "{\"status\":\"ok\"}", "?body=ok").verdict == Verdict::ready);
  Outcome outcome = check_once(200, "{\"status\":\"starting\"}", "?body=ok");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "body does not contain \"ok\"");
}

TEST_CASE("http: method, header, basic auth and extra query reach the server", "[http]") {
  TestServer server(answer(http_response(200, "")));
  server.listen();
  std::string url = "http://me:pw@127.0.0.1:" + std::to_string(server.port()) +
                    "/a%20b?method=HEAD&header=X-Probe:yes&full=1&timeout=1s";
  CHECK(probe_for(url)->check(2000ms).verdict == Verdict::ready);
  REQUIRE(server.requests().size() == 1);
  std::string request = server.requests()[0];
  CHECK_THAT(request, Catch::StartsWith("HEAD /a%20b?full=1 HTTP/1.1\r\n"));
  CHECK_THAT(request, Catch::Contains("X-Probe: yes\r\n"));
  CHECK_THAT(request, Catch::Contains("Authorization: Basic bWU6cHc=\r\n"));
}

TEST_CASE("http: a refused connection is a cheap not_yet", "[http]") {
  TestServer server(answer(""));  // bound, not listening
  auto start = Clock::now();
  Outcome outcome = probe_for(base(server) + "/health")->check(2000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.cheap);
  CHECK(outcome.reason == "connection refused");
  CHECK(Clock::now() - start < 1000ms);
}

TEST_CASE("http: a server that accepts and never answers times out within the timeout", "[http][timeout]") {
  TestServer server(silent());
  server.listen();
  auto probe = probe_for(base(server) + "/health");
  auto start = Clock::now();
  Outcome outcome = probe->check(300ms);
  auto elapsed = Clock::now() - start;
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK_FALSE(outcome.cheap);
  CHECK(outcome.reason == "timed out after 300ms waiting for an answer from 127.0.0.1:" + std::to_string(server.port()));
  CHECK(elapsed < 300ms + 200ms);
}

TEST_CASE("http: a server that comes up late is ready once it answers", "[http]") {
  TestServer server(answer(http_response(200, "ok")));
  auto probe = probe_for(base(server) + "/health?body=ok");
  Outcome outcome;
  int attempts = 0;
  for (; attempts < 100; ++attempts) {
    if (attempts == 2) server.listen();
    outcome = probe->check(1000ms);
    if (outcome.verdict != Verdict::not_yet) break;
  }
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(attempts == 2);
}

TEST_CASE("http: bad options are config errors from make_probe", "[http][errors]") {
  auto error = [](const std::string& url) {
    auto probe = try_probe(url);
    REQUIRE_FALSE(probe.has_value());
    return probe.error();
  };
  CHECK(error("http://web/h?status=abc") == "bad status 'abc' (expected e.g. 200, 200,204 or 2xx) in http://web/h?status=abc");
  CHECK(error("http://web/h?method=POST") == "bad method 'POST' (expected GET or HEAD) in http://web/h?method=POST");
  CHECK(error("http://web/h?header=nocolon") == "bad header 'nocolon' (expected Name:Value) in http://web/h?header=nocolon");
  CHECK(error("http://web/h?insecure=1") == "insecure= only applies to https:// in http://web/h?insecure=1");
  CHECK(error("https://web/h?ca=/nonexistent.pem") == "ca file /nonexistent.pem is not readable in https://web/h?ca=/nonexistent.pem");
}

TEST_CASE("http+unix: a unix-socket server answers through the probe", "[http][unix]") {
  std::string path = unix_path("ok");
  SECTION("Content-Length") {
    TestServer server(answer(http_response(200, "all ok")), path);
    server.listen();
    Outcome outcome = probe_for("http+unix://" + encoded(path) + "/health?body=ok")->check(2000ms);
    CHECK(outcome.verdict == Verdict::ready);
    CHECK(outcome.reason == "HTTP 200 from /health");
    REQUIRE(server.requests().size() == 1);
    CHECK_THAT(server.requests()[0], Catch::StartsWith("GET /health HTTP/1.1\r\nHost: localhost\r\n"));
  }
  SECTION("chunked") {
    std::string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nall \r\n2\r\nok\r\n0\r\n\r\n";
    TestServer server(answer(response), path);
    server.listen();
    CHECK(probe_for("http+unix://" + encoded(path) + "/health?body=all%20ok")->check(2000ms).verdict == Verdict::ready);
  }
  SECTION("until close") {
    TestServer server(answer("HTTP/1.0 503 Service Unavailable\r\n\r\nwait"), path);
    server.listen();
    Outcome outcome = probe_for("http+unix://" + encoded(path) + "/health")->check(2000ms);
    CHECK(outcome.verdict == Verdict::not_yet);
    CHECK(outcome.reason == "HTTP 503 from /health");
  }
}

TEST_CASE("http+unix: a missing socket is a cheap not_yet", "[http][unix]") {
  std::string path = unix_path("missing");
  Outcome outcome = probe_for("http+unix://" + encoded(path) + "/health")->check(1000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.cheap);
  CHECK(outcome.reason == "unix socket " + path + " does not exist yet");
}

TEST_CASE("http+unix: a silent server times out within the timeout", "[http][unix][timeout]") {
  std::string path = unix_path("silent");
  TestServer server(silent(), path);
  server.listen();
  auto start = Clock::now();
  Outcome outcome = probe_for("http+unix://" + encoded(path) + "/health")->check(300ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "timed out after 300ms waiting for an answer from " + path);
  CHECK(Clock::now() - start < 300ms + 150ms);
}

TEST_CASE("modules: make_probe loads libstackgate-http.so and caches it", "[module]") {
  auto first = try_probe("http://127.0.0.1:1/");
  REQUIRE(first.has_value());
  // Once loaded, the module stays: a bad directory no longer matters.
  ::setenv("STACKGATE_MODULE_DIR", "/nonexistent", 1);
  auto spec = parse_probe_spec("https://127.0.0.1:1/");
  REQUIRE(spec.has_value());
  CHECK(make_probe(*spec).has_value());
}

TEST_CASE("http: an unresolvable name is not_yet within the timeout", "[http][dns]") {
  auto probe = probe_for("http://no-such-host.invalid:8080/health");
  auto start = Clock::now();
  Outcome outcome = probe->check(1000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(Clock::now() - start < 2 * 1000ms + 150ms);
  if (outcome.cheap) CHECK(outcome.reason == "no-such-host.invalid: name not resolvable yet");
}

namespace {

// A server that answers one byte every 0.3 s: each read finishes well within
// any per-read timeout, so only an overall deadline ends the request. Stops
// when the client leaves (or after a minute).
TestServer::Handler slow_drip(std::string response) {
  return [response = std::move(response)](TestServer& server, int fd) {
    server.record(read_request(fd));
    for (size_t i = 0; i < 200; ++i) {
      write_all(fd, std::string(1, response[i % response.size()]));
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 300) != 0) return;  // the client closed (or sent something): done
    }
  };
}

}  // namespace

TEST_CASE("http: a slow-drip server is cut off at the attempt's deadline", "[http][timeout][drip]") {
  // The head trickles in byte by byte, and then the body does.
  std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'x');
  for (std::string url : {"/health", "/health?body=never"}) {
    INFO(url);
    TestServer server(slow_drip(response));
    server.listen();
    auto start = Clock::now();
    Outcome outcome = probe_for(base(server) + url)->check(1000ms);
    auto elapsed = Clock::now() - start;
    CHECK(outcome.verdict == Verdict::not_yet);
    CHECK(outcome.reason ==
          "timed out after 1s waiting for an answer from 127.0.0.1:" + std::to_string(server.port()));
    CHECK(elapsed < 1000ms + 150ms);
  }
}

TEST_CASE("clickhouse: a slow-drip server is cut off at the attempt's deadline", "[clickhouse][timeout][drip]") {
  TestServer server(slow_drip("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nOk."));
  server.listen();
  auto start = Clock::now();
  Outcome outcome = probe_for("clickhouse://127.0.0.1:" + std::to_string(server.port()))->check(1000ms);
  auto elapsed = Clock::now() - start;
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK_THAT(outcome.reason, Catch::StartsWith("timed out after") && Catch::Contains("waiting for an answer"));
  CHECK(elapsed < 1000ms + 150ms);
}
