// serve --restart-unhealthy's Engine calls (gate/container_restarter.h)
// against the fake Engine API on a real unix socket: which containers are
// restarted, the exact requests, and each failure's one-line reason.
#include <catch2/catch.hpp>

#include <algorithm>

#include "fake_engine.h"
#include "gate/container_restarter.h"

using namespace stackgate::gate;
using namespace stackgate::testing;

namespace {

const std::string k_no_content = "HTTP/1.1 204 No Content\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n\r\n";

FakeContainer replica(char id, std::string name) {
  FakeContainer c;
  c.id = id;
  c.name = std::move(name);
  return c;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("restart POSTs /containers/{id}/restart?t=10 for every replica of the service", "[restart]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  FakeContainer one = replica('a', "shop-backend-1");
  FakeContainer two = replica('b', "shop-backend-2");
  engine.route_json("/containers/json", list_of({one, two}));
  engine.route("/containers/" + container_id('a') + "/restart", k_no_content);
  engine.route("/containers/" + container_id('b') + "/restart", k_no_content);
  engine.listen();

  auto done = ContainerRestarter(engine.socket_path(), "shop").restart("backend");
  REQUIRE(done.has_value());
  CHECK(*done == "restarted shop-backend-1, shop-backend-2");
  std::vector<std::string> lines = engine.request_lines();
  CHECK(has_line(lines, "POST /containers/" + container_id('a') + "/restart?t=10 HTTP/1.1"));
  CHECK(has_line(lines, "POST /containers/" + container_id('b') + "/restart?t=10 HTTP/1.1"));
  // The list asked for this project's and service's containers, stopped ones too.
  REQUIRE(!lines.empty());
  CHECK(lines.front().find("GET /containers/json?all=1&filters=") == 0);
  CHECK(lines.front().find("com.docker.compose.project%3Dshop") != std::string::npos);
  CHECK(lines.front().find("com.docker.compose.service%3Dbackend") != std::string::npos);
}

TEST_CASE("restart of a service without containers names the project", "[restart]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  engine.route_json("/containers/json", "[]");
  engine.listen();
  auto done = ContainerRestarter(engine.socket_path(), "shop").restart("backend");
  REQUIRE_FALSE(done.has_value());
  CHECK(done.error() == "no container of service 'backend' in Compose project 'shop'");
}

TEST_CASE("restart reports the engine's message when the container is gone", "[restart]") {
  TempDir dir;
  FakeEngine engine(dir.file("docker.sock"));
  FakeContainer one = replica('a', "shop-backend-1");
  engine.route_json("/containers/json", list_of({one}));
  engine.route_json("/containers/" + container_id('a') + "/restart",
                    R"({"message":"No such container: )" + container_id('a') + R"("})", 404);
  engine.listen();
  auto done = ContainerRestarter(engine.socket_path(), "shop").restart("backend");
  REQUIRE_FALSE(done.has_value());
  CHECK(done.error() == "restarting shop-backend-1: Docker Engine answered POST /containers/aaaaaaaaaaaa/restart with "
                        "HTTP 404: No such container: " + container_id('a'));
}

TEST_CASE("restart names a missing socket", "[restart]") {
  TempDir dir;
  auto done = ContainerRestarter(dir.file("docker.sock"), "shop").restart("backend");
  REQUIRE_FALSE(done.has_value());
  CHECK(done.error() == "Docker socket " + dir.file("docker.sock") +
                            " does not exist (is the Docker Engine running, and the socket mounted here?)");
}
