// `stackgate lint --host-ports` against real sockets this test holds on
// 127.0.0.1 (TCP listeners, bound UDP sockets).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/cli/process.h"

namespace {

// A socket on 127.0.0.1:port (0: any free port), listening when TCP.
class HeldPort {
 public:
  explicit HeldPort(int type, int port = 0) {
    m_fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    m_bound = ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (m_bound && type == SOCK_STREAM) REQUIRE(::listen(m_fd, 16) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
  }
  ~HeldPort() { close(); }
  void close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }
  bool bound() const { return m_bound; }
  int port() const { return m_port; }

 private:
  int m_fd = -1;
  int m_port = 0;
  bool m_bound = false;
};

class ProjectDir {
 public:
  explicit ProjectDir(const std::string& compose) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sg-hostports-XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
    std::ofstream(m_path + "/compose.yaml") << compose;
  }
  ~ProjectDir() { std::filesystem::remove_all(m_path); }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

stackgate::testing::Result lint(const ProjectDir& dir, std::vector<std::string> extra = {"--host-ports"}) {
  std::vector<std::string> argv{STACKGATE_BIN, "--docker", "never", "lint"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return stackgate::testing::run(argv, {{"STACKGATE_MODULE_DIR", STACKGATE_MODULES}, {"COMPOSE_FILE", ""}},
                                 dir.path());
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string web_with_ports(const std::string& ports) {
  return "services:\n"
         "  web:\n"
         "    image: nginx\n"
         "    ports:\n" +
         ports;
}

std::string self_holder() { return "held by cli_test, pid " + std::to_string(::getpid()); }

}  // namespace

TEST_CASE("lint --host-ports: a TCP port held by a listener is an error at the ports entry", "[cli][lint][host-ports]") {
  HeldPort held(SOCK_STREAM);
  REQUIRE(held.bound());
  std::string port = std::to_string(held.port());
  ProjectDir dir(web_with_ports("      - \"9\"\n      - \"127.0.0.1:" + port + ":80\"\n"));
  auto r = lint(dir);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.out, "compose.yaml:6:9: error: service \"web\" publishes \"127.0.0.1:" + port +
                            ":80/tcp\", but host port " + port + "/tcp is already in use on this machine at "
                            "127.0.0.1 (" + self_holder() + "; `up` fails with \"address already in use\")"));
  CHECK(contains(r.out, "lint: 1 error"));

  // Without the flag lint looks at the files only.
  auto plain = lint(dir, {});
  CHECK_FALSE(contains(plain.out, "already in use"));

  // Released: nothing to report.
  held.close();
  auto after = lint(dir);
  INFO(after.out);
  CHECK_FALSE(contains(after.out, "already in use"));
}

TEST_CASE("lint --host-ports: no host IP means every address, so a loopback listener blocks it",
          "[cli][lint][host-ports]") {
  HeldPort held(SOCK_STREAM);
  REQUIRE(held.bound());
  std::string port = std::to_string(held.port());
  ProjectDir dir(web_with_ports("      - target: 80\n        published: \"" + port + "\"\n"));
  auto r = lint(dir);
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(contains(r.out, "compose.yaml:5:9: error: service \"web\" publishes \"" + port + ":80/tcp\", but host port " +
                            port + "/tcp is already in use on this machine (" + self_holder()));
}

TEST_CASE("lint --host-ports: UDP and TCP are checked by the mapping's protocol", "[cli][lint][host-ports]") {
  // A UDP port whose TCP twin is free: other tests running at the same time
  // hold TCP ports too, and one of them had this number once.
  std::unique_ptr<HeldPort> udp;
  bool tcp_free = false;
  for (int attempt = 0; attempt < 20 && !tcp_free; ++attempt) {
    udp = std::make_unique<HeldPort>(SOCK_DGRAM);
    tcp_free = udp->bound() && HeldPort(SOCK_STREAM, udp->port()).bound();
  }
  REQUIRE(tcp_free);
  std::string port = std::to_string(udp->port());
  ProjectDir dir(web_with_ports("      - \"127.0.0.1:" + port + ":53/udp\"\n      - \"127.0.0.1:" + port +
                                ":53/tcp\"\n"));
  auto r = lint(dir);
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(contains(r.out, "compose.yaml:5:9: error: service \"web\" publishes \"127.0.0.1:" + port +
                            ":53/udp\", but host port " + port + "/udp is already in use"));
  CHECK(contains(r.out, self_holder()));
  CHECK_FALSE(contains(r.out, port + "/tcp is already in use"));
  CHECK(contains(r.out, "lint: 1 error"));
}

TEST_CASE("lint --host-ports: a host range for one container port needs only one free port",
          "[cli][lint][host-ports]") {
  // Two adjacent ports: the first any free one, the second next to it.
  std::unique_ptr<HeldPort> first, second;
  for (int attempt = 0; attempt < 20 && !(second && second->bound()); ++attempt) {
    first = std::make_unique<HeldPort>(SOCK_STREAM);
    second = std::make_unique<HeldPort>(SOCK_STREAM, first->port() + 1);
  }
  REQUIRE(second->bound());
  std::string p1 = std::to_string(first->port()), p2 = std::to_string(second->port());
  ProjectDir dir(web_with_ports("      - \"127.0.0.1:" + p1 + "-" + p2 + ":80\"\n"));
  auto r = lint(dir);
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(contains(r.out, "error: service \"web\" publishes \"127.0.0.1:" + p1 + "-" + p2 + ":80/tcp\", but host ports " +
                            p1 + "/tcp, " + p2 + "/tcp are already in use"));
  second->close();
  auto one_free = lint(dir);
  INFO(one_free.out);
  CHECK_FALSE(contains(one_free.out, "already in use"));
}

TEST_CASE("lint --host-ports: a host IP this machine does not have is a warning", "[cli][lint][host-ports]") {
  // 192.0.2.0/24 is TEST-NET-1: never assigned; bind() fails with EADDRNOTAVAIL, nothing is sent.
  ProjectDir dir(web_with_ports("      - \"192.0.2.1:8080:80\"\n"));
  auto r = lint(dir);
  INFO(r.out);
  CHECK(contains(r.out, "compose.yaml:5:9: warning: service \"web\" publishes \"192.0.2.1:8080:80/tcp\", but host IP "
                        "192.0.2.1 is not an address of this machine (`up` here fails with \"cannot assign requested "
                        "address\")"));
  CHECK(r.code == 0);
  CHECK(lint(dir, {"--host-ports", "--strict"}).code == 2);
}
