// https probes against `openssl s_server -www` with a throw-away self-signed
// certificate: verification failure is fatal, ca= and insecure=1 pass.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "probes/factory.h"
#include "probe_fixtures.h"
#include "tests/servers/harness.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using stackgate::spec::parse_probe_spec;
using stackgate::testing::free_port;

namespace {

// A TLS server process for the length of a test.
class TlsServer {
 public:
  TlsServer() : m_dir("/tmp/stackgate-tls-" + std::to_string(::getpid())), m_port(free_port()) {
    std::filesystem::create_directories(m_dir);
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
                      " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " + key() + " -out " + cert() +
                      " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    m_pid = ::fork();
    if (m_pid == 0) {
      std::string accept = "127.0.0.1:" + std::to_string(m_port);
      ::execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(), "-cert", cert().c_str(),
               "-key", key().c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~TlsServer() {
    ::kill(m_pid, SIGTERM);
    ::waitpid(m_pid, nullptr, 0);
    std::filesystem::remove_all(m_dir);
  }
  /// Bounded poll until the server accepts TCP connections (at most 20s).
  bool wait_until_up() const {
    auto tcp = parse_probe_spec("tcp://127.0.0.1:" + std::to_string(m_port));
    auto probe = make_probe(*tcp);
    return stackgate::testing::poll_until([&] { return (*probe)->check(100ms).verdict == Verdict::ready; }, 20s);
  }
  int port() const { return m_port; }
  std::string cert() const { return m_dir + "/cert.pem"; }
  std::string key() const { return m_dir + "/key.pem"; }

 private:
  std::string m_dir;
  int m_port;
  pid_t m_pid = -1;
};

Outcome check(const std::string& url) {
  ::setenv("STACKGATE_MODULE_DIR", STACKGATE_TEST_MODULE_DIR, 1);
  auto spec = parse_probe_spec(url);
  REQUIRE(spec.has_value());
  auto probe = make_probe(*spec);
  if (!probe) FAIL(probe.error());
  return (*probe)->check(3000ms);
}

}  // namespace

TEST_CASE("https: an untrusted certificate is fatal", "[https]") {
  TlsServer server;
  REQUIRE(server.wait_until_up());
  Outcome outcome = check("https://127.0.0.1:" + std::to_string(server.port()) + "/");
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == "TLS certificate verification failed for 127.0.0.1:" + std::to_string(server.port()));
}

TEST_CASE("https: ca= trusts the server's certificate", "[https]") {
  TlsServer server;
  REQUIRE(server.wait_until_up());
  Outcome outcome = check("https://127.0.0.1:" + std::to_string(server.port()) + "/?ca=" + server.cert());
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "HTTP 200 from /");
}

TEST_CASE("https: insecure=1 skips verification", "[https]") {
  TlsServer server;
  REQUIRE(server.wait_until_up());
  CHECK(check("https://127.0.0.1:" + std::to_string(server.port()) + "/?insecure=1").verdict == Verdict::ready);
}
