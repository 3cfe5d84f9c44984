// docker:// against a fake Engine API on a real unix socket (fake_engine.h):
// verdicts and whole reasons for each container state, several replicas,
// engine errors, chunked answers, and the socket's own failures.
#include <catch2/catch.hpp>

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "fake_engine.h"
#include "probes/docker_probe.h"
#include "probes/factory.h"
#include "../net/local_fixtures.h"
#include "../net/probe_fixtures.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using stackgate::spec::parse_probe_spec;
using namespace stackgate::testing;

namespace {

using Clock = std::chrono::steady_clock;

std::string error_of(const std::string& url) {
  auto probe = try_probe(url);
  return probe ? "(no error)" : probe.error();
}

// An engine on a fresh socket, answering the list with `containers` and each
// container's inspect, then one probe attempt.
struct Scenario {
  TempDir dir;
  FakeEngine engine{dir.file("docker.sock")};

  explicit Scenario(const std::vector<FakeContainer>& containers) {
    engine.route_json("/containers/json", list_of(containers));
    for (const FakeContainer& c : containers) engine.route_json("/containers/" + container_id(c.id) + "/json", inspect_json(c));
  }
  Outcome check(const std::string& service, const std::string& options = "") {
    engine.listen();
    return probe_for("docker://" + service + "?project=shop&socket=" + engine.socket_path() + options)->check(2000ms);
  }
};

FakeContainer running(char id, const std::string& name) {
  FakeContainer c;
  c.id = id;
  c.name = name;
  return c;
}

FakeContainer with_health(FakeContainer c, const std::string& health) {
  c.health_json = health;
  c.status = "Up 12 seconds (" + std::string(health.find("healthy\"") != std::string::npos ? "healthy" : "health: starting") + ")";
  return c;
}

FakeContainer job(char id, const std::string& state, int exit_code) {
  FakeContainer c;
  c.id = id;
  c.name = "shop-migrate-1";
  c.service = "migrate";
  c.state = state;
  c.exit_code = exit_code;
  c.status = state == "exited" ? "Exited (" + std::to_string(exit_code) + ") 3 seconds ago" : "Up 2 seconds";
  return c;
}

const std::string k_list_filter =
    "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dshop%22%2C%22com.docker."
    "compose.service%3Dbackend%22%5D%7D";

}  // namespace

// --- URL and options ----------------------------------------------------------

TEST_CASE("docker: the URL names a service, its project, the wanted state and the socket", "[docker][url]") {
  ::unsetenv("COMPOSE_PROJECT_NAME");
  ::unsetenv("DOCKER_HOST");
  auto spec = parse_probe_spec("docker://backend?project=shop&state=healthy&socket=/run/docker.sock&timeout=3s");
  REQUIRE(spec.has_value());
  CHECK(spec->url.scheme == "docker");
  REQUIRE(spec->url.hosts.size() == 1);
  CHECK(spec->url.hosts.front().host == "backend");
  CHECK(spec->url.authority() == "backend");
  CHECK(spec->url.param("socket") == "/run/docker.sock");
  CHECK(spec->timeout == 3000ms);
  CHECK(make_probe(*spec).has_value());
  CHECK(try_probe("docker://backend?project=shop").has_value());
  CHECK(try_probe("docker://db.primary_1-x/?project=my-shop_2&state=exited0").has_value());
}

TEST_CASE("docker: bad URLs are one-line config errors", "[docker][url]") {
  ::unsetenv("COMPOSE_PROJECT_NAME");
  ::unsetenv("DOCKER_HOST");
  CHECK(error_of("docker://?project=shop") ==
        "missing service name (docker://SERVICE?project=NAME) in docker://?project=shop");
  CHECK(error_of("docker://backend") == "docker:// needs project=NAME (or COMPOSE_PROJECT_NAME) in docker://backend");
  CHECK(error_of("docker://backend?project=shop&state=up") ==
        "bad state 'up' (expected running, healthy or exited0) in docker://backend?project=shop&state=up");
  CHECK(error_of("docker://backend?project=shop&sockte=/x") ==
        "unknown option 'sockte' for docker:// (expected project, state or socket) in docker://backend?project=shop&sockte=/x");
  CHECK(error_of("docker://back%20end?project=shop") ==
        "bad service name 'back end' (Compose allows letters, digits, '.', '_' and '-') in docker://back%20end?project=shop");
  CHECK(error_of("docker://backend?project=Shop") ==
        "bad project name 'Shop' (Compose project names are lower-case letters, digits, '-' and '_') in "
        "docker://backend?project=Shop");
  CHECK(error_of("docker://backend/health?project=shop") ==
        "docker:// takes no path (docker://SERVICE?project=NAME) in docker://backend/health?project=shop");
  CHECK(error_of("docker://u:pw@backend?project=shop") == "docker:// takes no user or password in docker://u:***@backend?project=shop");
  CHECK(error_of("docker://backend?project=shop&socket=") == "empty socket option in docker://backend?project=shop&socket=");
}

TEST_CASE("docker: project falls back to COMPOSE_PROJECT_NAME", "[docker][url]") {
  ::unsetenv("DOCKER_HOST");
  ::setenv("COMPOSE_PROJECT_NAME", "shop", 1);
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route_json("/containers/json", list_of({running('a', "shop-backend-1")}));
  engine.listen();
  Outcome outcome = probe_for("docker://backend?socket=" + engine.socket_path())->check(2000ms);
  ::unsetenv("COMPOSE_PROJECT_NAME");
  CHECK(outcome.reason == "container shop-backend-1 is running");
  REQUIRE(engine.request_lines().size() == 1);
  CHECK(engine.request_lines()[0] == "GET " + k_list_filter + " HTTP/1.1");
}

TEST_CASE("docker: the socket comes from socket=, else DOCKER_HOST=unix://, else /var/run/docker.sock", "[docker][socket]") {
  ::unsetenv("DOCKER_HOST");
  CHECK(docker_socket_path() == "/var/run/docker.sock");
  ::setenv("DOCKER_HOST", "", 1);
  CHECK(docker_socket_path() == "/var/run/docker.sock");
  ::setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock", 1);
  CHECK(docker_socket_path() == "/run/user/1000/docker.sock");

  // The probe uses DOCKER_HOST when the URL names no socket.
  TempDir dir;
  FakeEngine engine(dir.file("engine.sock"));
  engine.route_json("/containers/json", list_of({running('a', "shop-backend-1")}));
  engine.listen();
  ::setenv("DOCKER_HOST", ("unix://" + engine.socket_path()).c_str(), 1);
  CHECK(probe_for("docker://backend?project=shop")->check(2000ms).reason == "container shop-backend-1 is running");
  // socket= wins over DOCKER_HOST.
  ::setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock", 1);
  CHECK(probe_for("docker://backend?project=shop&socket=" + engine.socket_path())->check(2000ms).verdict == Verdict::ready);
  ::unsetenv("DOCKER_HOST");
}

TEST_CASE("docker: a DOCKER_HOST that is not unix:// is a clear error", "[docker][socket]") {
  ::setenv("DOCKER_HOST", "tcp://127.0.0.1:2375", 1);
  const std::string why =
      "DOCKER_HOST uses tcp://, but stackgate reads the Docker Engine only over its unix socket (set "
      "DOCKER_HOST=unix:///path or socket=/path)";
  CHECK(docker_socket_path().error() == why);
  CHECK(error_of("docker://backend?project=shop") == why + " in docker://backend?project=shop");
  CHECK_FALSE(docker_engine_available(500ms));
  // An explicit socket= does not need DOCKER_HOST.
  CHECK(try_probe("docker://backend?project=shop&socket=/run/docker.sock").has_value());
  ::setenv("DOCKER_HOST", "ssh://deploy@build-host", 1);
  CHECK(docker_socket_path().error() ==
        "DOCKER_HOST uses ssh://, but stackgate reads the Docker Engine only over its unix socket (set "
        "DOCKER_HOST=unix:///path or socket=/path)");
  ::setenv("DOCKER_HOST", "unix://", 1);
  CHECK(docker_socket_path().error() == "DOCKER_HOST=unix:// names no socket path");
  ::unsetenv("DOCKER_HOST");
}

// --- state=running ------------------------------------------------------------

TEST_CASE("docker: a running container is ready from the list alone, in one request", "[docker][running]") {
  Scenario s({running('a', "shop-backend-1")});
  Outcome outcome = s.check("backend");
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "container shop-backend-1 is running");
  REQUIRE(s.engine.request_lines().size() == 1);
  CHECK(s.engine.request_lines()[0] == "GET " + k_list_filter + " HTTP/1.1");
}

TEST_CASE("docker: no container yet is not_yet", "[docker][running]") {
  Scenario s({});
  Outcome outcome = s.check("backend");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "no container for service backend in project shop yet");
}

TEST_CASE("docker: created, restarting and paused containers are not_yet", "[docker][running]") {
  for (auto [state, reason] : std::vector<std::pair<std::string, std::string>>{
           {"created", "container shop-backend-1 is created but not started yet"},
           {"restarting", "container shop-backend-1 is restarting"},
           {"paused", "container shop-backend-1 is paused"},
           {"removing", "container shop-backend-1 is being removed"},
           {"dead", "container shop-backend-1 is dead (the engine failed to remove it)"}}) {
    INFO(state);
    FakeContainer c = running('a', "shop-backend-1");
    c.state = state;
    Scenario s({c});
    Outcome outcome = s.check("backend");
    CHECK(outcome.verdict == Verdict::not_yet);
    CHECK(outcome.reason == reason);
  }
}

TEST_CASE("docker: an exited container is not_yet and the reason says whether it may come back", "[docker][running]") {
  FakeContainer c = job('c', "exited", 1);
  c.name = "shop-backend-1";
  c.service = "backend";
  SECTION("no restart policy") {
    Scenario s({c});
    Outcome outcome = s.check("backend");
    CHECK(outcome.verdict == Verdict::not_yet);
    CHECK(outcome.reason ==
          "container shop-backend-1 exited with code 1; it has no restart policy, so it runs again only when "
          "something starts it");
    // The list said exited: the inspect was read for the code and the policy.
    REQUIRE(s.engine.request_lines().size() == 2);
    CHECK(s.engine.request_lines()[1] == "GET /containers/" + container_id('c') + "/json HTTP/1.1");
  }
  SECTION("restart policy unless-stopped") {
    c.restart_policy = "unless-stopped";
    Scenario s({c});
    CHECK(s.check("backend").reason == "container shop-backend-1 exited with code 1 (restart policy unless-stopped)");
  }
}

TEST_CASE("docker: one-off containers (compose run) are not the service's containers", "[docker][running]") {
  FakeContainer oneoff = job('b', "exited", 2);
  oneoff.name = "shop-backend-run-5f1c2a";
  oneoff.service = "backend";
  oneoff.oneoff = true;
  Scenario s({oneoff, running('a', "shop-backend-1")});
  Outcome outcome = s.check("backend");
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "container shop-backend-1 is running");
}

TEST_CASE("docker: every replica must be ready, the first one that is not is named", "[docker][replicas]") {
  FakeContainer second = running('b', "shop-backend-2");
  second.state = "restarting";
  Scenario s({second, running('a', "shop-backend-1")});
  Outcome outcome = s.check("backend");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "container shop-backend-2 is restarting (1 of 2 containers ready)");
}

TEST_CASE("docker: two running replicas are ready", "[docker][replicas]") {
  Scenario s({running('a', "shop-backend-1"), running('b', "shop-backend-2")});
  Outcome outcome = s.check("backend");
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "2 containers running");
}

// --- state=healthy ---------------------------------------------------------------

TEST_CASE("docker: healthy is ready", "[docker][healthy]") {
  Scenario s({with_health(running('a', "shop-backend-1"), health_json("healthy", 0, {{0, "ok\\n"}}))});
  Outcome outcome = s.check("backend", "&state=healthy");
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "container shop-backend-1 is healthy");
  REQUIRE(s.engine.request_lines().size() == 2);
  CHECK(s.engine.request_lines()[1] == "GET /containers/" + container_id('a') + "/json HTTP/1.1");
}

TEST_CASE("docker: health starting is not_yet, with the last check when there is one", "[docker][healthy]") {
  SECTION("no check finished yet") {
    Scenario s({with_health(running('a', "shop-backend-1"), health_json("starting", 0, {}))});
    Outcome outcome = s.check("backend", "&state=healthy");
    CHECK(outcome.verdict == Verdict::not_yet);
    CHECK(outcome.reason == "container shop-backend-1 is starting (no check has finished yet)");
  }
  SECTION("a failed check") {
    Scenario s({with_health(running('a', "shop-backend-1"),
                            health_json("starting", 1, {{1, "curl: (7) Failed to connect to 127.0.0.1 port 8080\\n"}}))});
    Outcome outcome = s.check("backend", "&state=healthy");
    CHECK(outcome.verdict == Verdict::not_yet);
    CHECK(outcome.reason ==
          "container shop-backend-1 is starting (last check exited 1: curl: (7) Failed to connect to 127.0.0.1 port 8080)");
  }
}

TEST_CASE("docker: unhealthy is not_yet with the last line of the last check, sanitised", "[docker][healthy]") {
  // Two entries: the last one counts; of its output, the last non-empty line;
  // its escape sequence and C1 control are escaped.
  Scenario s({with_health(running('a', "shop-backend-1"),
                          health_json("unhealthy", 3,
                                      {{1, "old failure\\n"},
                                       {1, "probing redis\\n\\u001b[31mredis: WRONGPASS invalid password\\u001b[0m\\u0085\\n\\n"}}))});
  Outcome outcome = s.check("backend", "&state=healthy");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason ==
        "container shop-backend-1 is unhealthy (last check exited 1: \\x1b[31mredis: WRONGPASS invalid "
        "password\\x1b[0m\\u0085)");
}

TEST_CASE("docker: long health check output is cut", "[docker][healthy]") {
  std::string long_line(300, 'x');
  Scenario s({with_health(running('a', "shop-backend-1"), health_json("unhealthy", 3, {{-1, long_line}}))});
  Outcome outcome = s.check("backend", "&state=healthy");
  CHECK(outcome.reason == "container shop-backend-1 is unhealthy (last check exited -1: " + std::string(160, 'x') +
                              "\u2026)");
}

TEST_CASE("docker: a container without a healthcheck is fatal for state=healthy", "[docker][healthy]") {
  Scenario s({running('a', "shop-backend-1")});
  Outcome outcome = s.check("backend", "&state=healthy");
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == "container shop-backend-1 has no healthcheck configured");
}

TEST_CASE("docker: two replicas, one healthy and one starting, are not_yet", "[docker][healthy][replicas]") {
  Scenario s({with_health(running('a', "shop-backend-1"), health_json("healthy", 0, {{0, ""}})),
              with_health(running('b', "shop-backend-2"), health_json("starting", 0, {}))});
  Outcome outcome = s.check("backend", "&state=healthy");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "container shop-backend-2 is starting (no check has finished yet) (1 of 2 containers ready)");
}

TEST_CASE("docker: two healthy replicas are ready", "[docker][healthy][replicas]") {
  Scenario s({with_health(running('a', "shop-backend-1"), health_json("healthy", 0, {{0, ""}})),
              with_health(running('b', "shop-backend-2"), health_json("healthy", 0, {{0, ""}}))});
  Outcome outcome = s.check("backend", "&state=healthy");
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "2 containers healthy");
}

// --- state=exited0 ---------------------------------------------------------------

TEST_CASE("docker: a job that exited 0 is ready for state=exited0", "[docker][exited0]") {
  Scenario s({job('a', "exited", 0)});
  Outcome outcome = s.check("migrate", "&state=exited0");
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "container shop-migrate-1 exited with code 0");
}

TEST_CASE("docker: a job that exited 3 is fatal with its exit code", "[docker][exited0]") {
  Scenario s({job('a', "exited", 3)});
  Outcome outcome = s.check("migrate", "&state=exited0");
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == "container shop-migrate-1 failed with exit code 3");
}

TEST_CASE("docker: a job still running, created or missing is not_yet for state=exited0", "[docker][exited0]") {
  SECTION("running") {
    Scenario s({job('a', "running", 0)});
    CHECK(s.check("migrate", "&state=exited0").reason == "container shop-migrate-1 is still running");
  }
  SECTION("created") {
    Scenario s({job('a', "created", 0)});
    CHECK(s.check("migrate", "&state=exited0").reason == "container shop-migrate-1 is created but not started yet");
  }
  SECTION("restarting after a failure") {
    Scenario s({job('a', "restarting", 1)});
    CHECK(s.check("migrate", "&state=exited0").reason == "container shop-migrate-1 is restarting (last exit code 1)");
  }
  SECTION("no container") {
    Scenario s({});
    Outcome outcome = s.check("migrate", "&state=exited0");
    CHECK(outcome.verdict == Verdict::not_yet);
    CHECK(outcome.reason == "no container for service migrate in project shop yet");
  }
}

// --- engine answers ----------------------------------------------------------------

TEST_CASE("docker: a chunked list answer is read whole", "[docker][http]") {
  std::vector<FakeContainer> replicas = {running('a', "shop-backend-1"), running('b', "shop-backend-2"),
                                         running('c', "shop-backend-3")};
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route("/containers/json", engine_response_chunked(200, list_of(replicas), 700));
  engine.listen();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + engine.socket_path())->check(2000ms);
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "3 containers running");
}

TEST_CASE("docker: a chunked inspect answer is read whole", "[docker][http]") {
  FakeContainer c = with_health(running('a', "shop-backend-1"), health_json("healthy", 0, {{0, "ok"}}));
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route_json("/containers/json", list_of({c}));
  engine.route("/containers/" + container_id('a') + "/json", engine_response_chunked(200, inspect_json(c), 64));
  engine.listen();
  Outcome outcome = probe_for("docker://backend?project=shop&state=healthy&socket=" + engine.socket_path())->check(2000ms);
  CHECK(outcome.reason == "container shop-backend-1 is healthy");
}

TEST_CASE("docker: a 500 from the engine is not_yet with its message", "[docker][api]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route_json("/containers/json", R"({"message":"Error response from daemon: i/o timeout\nretry later"})" "\n", 500);
  engine.listen();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + engine.socket_path())->check(2000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason ==
        "Docker Engine answered GET /containers/json with HTTP 500: Error response from daemon: i/o timeout\\nretry later");
}

TEST_CASE("docker: a 4xx from the engine or a socket proxy is fatal with its message, sanitised", "[docker][api]") {
  SECTION("404 from an engine without the endpoint") {
    TempDir dir;
    FakeEngine engine(dir.file("docker.sock"));
    engine.listen();  // no routes: every path is 404 "page not found"
    Outcome outcome = probe_for("docker://backend?project=shop&socket=" + engine.socket_path())->check(2000ms);
    CHECK(outcome.verdict == Verdict::fatal);
    CHECK(outcome.reason == "Docker Engine answered GET /containers/json with HTTP 404: page not found");
  }
  SECTION("403 in plain text, with bytes that are not UTF-8") {
    TempDir dir;
    FakeEngine engine(dir.file("docker.sock"));
    std::string body = "<h1>403 Forbidden \xff\xfe\x01</h1>\n";
    engine.route("/containers/json", "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: " +
                                         std::to_string(body.size()) + "\r\n\r\n" + body);
    engine.listen();
    Outcome outcome = probe_for("docker://backend?project=shop&socket=" + engine.socket_path())->check(2000ms);
    CHECK(outcome.verdict == Verdict::fatal);
    CHECK(outcome.reason == "Docker Engine answered GET /containers/json with HTTP 403: <h1>403 Forbidden "
                            "\uFFFD\uFFFD\\x01</h1>");
  }
}

TEST_CASE("docker: a container removed between list and inspect is not_yet", "[docker][api]") {
  FakeContainer c = job('a', "exited", 0);
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route_json("/containers/json", list_of({c}));
  engine.route_json("/containers/" + container_id('a') + "/json",
                    R"({"message":"No such container: )" + container_id('a') + "\"}\n", 404);
  engine.listen();
  Outcome outcome = probe_for("docker://migrate?project=shop&state=exited0&socket=" + engine.socket_path())->check(2000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "container shop-migrate-1 went away while being inspected");
}

TEST_CASE("docker: container names from the engine are sanitised", "[docker][api]") {
  FakeContainer c = running('a', "shop-backend-1");
  c.name = R"(shop\u001b]0;pwned\u0007-backend-1)";
  c.state = "created";
  Scenario s({c});
  CHECK(s.check("backend").reason == "container shop\\x1b]0;pwned\\x07-backend-1 is created but not started yet");
}

TEST_CASE("docker: an answer that is not JSON is fatal", "[docker][api]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route("/containers/json", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>");
  engine.listen();
  std::string path = engine.socket_path();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + path)->check(2000ms);
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason ==
        "Docker Engine answered GET /containers/json with something that is not JSON (is " + path +
            " a Docker Engine API socket?)");
}

TEST_CASE("docker: bytes that are not HTTP are not_yet with a reason", "[docker][http]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route("/containers/json", "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  engine.listen();
  std::string path = engine.socket_path();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + path)->check(2000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == path + " sent a malformed HTTP answer (no HTTP/1.x status line)");
}

TEST_CASE("docker: a bad chunk size is a malformed answer", "[docker][http]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route("/containers/json", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n");
  engine.listen();
  std::string path = engine.socket_path();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + path)->check(2000ms);
  CHECK(outcome.reason == path + " sent a malformed HTTP answer (bad chunk size)");
}

TEST_CASE("docker: an answer cut short is not_yet", "[docker][http]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route("/containers/json", "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n[{\"Id\":");
  engine.listen();
  std::string path = engine.socket_path();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + path)->check(2000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == path + " closed the connection before a complete answer");
}

TEST_CASE("docker: an answer framed by the end of the connection is read whole", "[docker][http]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route("/containers/json", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" +
                                       list_of({running('a', "shop-backend-1")}));
  engine.listen();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + engine.socket_path())->check(2000ms);
  CHECK(outcome.reason == "container shop-backend-1 is running");
}

TEST_CASE("docker: an answer larger than 4 MiB is refused before it is read", "[docker][http]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route("/containers/json", "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n[");
  engine.listen();
  std::string path = engine.socket_path();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + path)->check(2000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == path + " sent an answer larger than 4 MiB");
}

// --- the socket ----------------------------------------------------------------------

TEST_CASE("docker: a missing socket is fatal and names the path", "[docker][socket]") {
  TempDir dir;
  std::string path = dir.file("docker.sock");
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + path)->check(1000ms);
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == "Docker socket " + path +
                              " does not exist (is the Docker Engine running, and the socket mounted here?)");
}

TEST_CASE("docker: connection refused is a cheap not_yet", "[docker][socket]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));  // bound, not listening: connect() is refused
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + engine.socket_path())->check(1000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.cheap);
  CHECK(outcome.reason == "Docker Engine is not accepting connections on " + engine.socket_path() +
                              " (connection refused)");
}

TEST_CASE("docker: a silent engine times out within the attempt's timeout", "[docker][socket][timeout]") {
  TempDir dir;
  TestServer server(silent(), dir.file("docker.sock"));
  server.listen();
  auto start = Clock::now();
  Outcome outcome = probe_for("docker://backend?project=shop&socket=" + server.unix_path())->check(300ms);
  CHECK(Clock::now() - start < 300ms + 150ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "timed out after 300ms waiting for an answer from " + server.unix_path());
}

TEST_CASE("docker: permission denied on the socket is fatal and names mode, owner and the probing uid",
          "[docker][socket]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.listen();
  std::string path = engine.socket_path();
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  // Root passes permission checks, so as root the probe runs in a child
  // process as another uid; otherwise the socket is made unreachable for us.
  Prober who = other_prober();
  if (!who.as_root) REQUIRE(::chmod(path.c_str(), 0000) == 0);
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  std::string got = check_in_child("docker://backend?project=shop&socket=" + path, who, 1000ms);
  // "error|...": the probe could not be built or the child did not exit 0.
  INFO(got);
  REQUIRE(got.rfind("error|", 0) != 0);
  CHECK(got == "fatal|permission denied on Docker socket " + path + " (mode " + mode_of(path) + ", owner uid " +
                   std::to_string(st.st_uid) + " gid " + std::to_string(st.st_gid) + "; probing as uid " +
                   std::to_string(who.uid) + " gid " + std::to_string(who.gid) + ")");
  CHECK(engine.request_lines().empty());
}

// --- auto-detection ----------------------------------------------------------------------

TEST_CASE("docker: docker_engine_available answers from GET /_ping", "[docker][ping]") {
  TempDir dir;
  SECTION("an engine that answers OK") {
    FakeEngine engine(dir.file("docker.sock"));
    engine.route("/_ping", "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain; charset=utf-8\r\n"
                           "Content-Length: 2\r\n\r\nOK");
    engine.listen();
    ::setenv("DOCKER_HOST", ("unix://" + engine.socket_path()).c_str(), 1);
    CHECK(docker_engine_available(1000ms));
    REQUIRE(engine.request_lines().size() == 1);
    CHECK(engine.request_lines()[0] == "GET /_ping HTTP/1.1");
  }
  SECTION("something else on the socket") {
    FakeEngine engine(dir.file("docker.sock"));
    engine.listen();  // 404 for /_ping
    ::setenv("DOCKER_HOST", ("unix://" + engine.socket_path()).c_str(), 1);
    CHECK_FALSE(docker_engine_available(1000ms));
  }
  SECTION("no socket") {
    ::setenv("DOCKER_HOST", ("unix://" + dir.file("none.sock")).c_str(), 1);
    CHECK_FALSE(docker_engine_available(1000ms));
  }
  SECTION("a silent socket: false within the timeout") {
    TestServer server(silent(), dir.file("silent.sock"));
    server.listen();
    ::setenv("DOCKER_HOST", ("unix://" + server.unix_path()).c_str(), 1);
    auto start = Clock::now();
    CHECK_FALSE(docker_engine_available(200ms));
    CHECK(Clock::now() - start < 200ms + 150ms);
  }
  ::unsetenv("DOCKER_HOST");
}
