// tls:// and https://...?cert_min_days= against `openssl s_server -www`,
// with certificates made in the test by the openssl CLI: fresh, expiring
// soon, expired and not valid yet (the last two through a throw-away
// `openssl ca` config, since `openssl req` of OpenSSL 3.0 cannot backdate).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "local_fixtures.h"
#include "probes/factory.h"
#include "probe_fixtures.h"
#include "tests/servers/harness.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using stackgate::spec::parse_probe_spec;
using stackgate::testing::try_probe;
using stackgate::testing::free_port;
using stackgate::testing::ScratchDir;

namespace {

struct Cert {
  std::string cert;
  std::string key;
};

const char* k_san = "subjectAltName=DNS:localhost,IP:127.0.0.1";

void run(const std::string& cmd) {
  INFO(cmd);
  REQUIRE(std::system((cmd + " >/dev/null 2>&1").c_str()) == 0);
}

// Self-signed for CN=localhost, valid from now for `days`.
Cert fresh_cert(const ScratchDir& dir, const std::string& name, int days) {
  Cert c{dir.file(name + ".pem"), dir.file(name + ".key")};
  run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days " + std::to_string(days) +
      " -subj /CN=localhost -addext " + std::string(k_san) + " -keyout " + c.key + " -out " + c.cert);
  return c;
}

// Self-signed for CN=localhost with fixed dates (YYYYMMDDHHMMSSZ).
Cert dated_cert(const ScratchDir& dir, const std::string& name, const std::string& start, const std::string& end) {
  Cert c{dir.file(name + ".pem"), dir.file(name + ".key")};
  std::string ca = dir.file(name + "-ca");
  run("mkdir -p " + ca);
  std::ofstream(ca + "/index.txt").flush();
  std::ofstream(ca + "/serial") << "01\n";
  std::ofstream(ca + "/ca.cnf") << "[ca]\ndefault_ca = throwaway\n[throwaway]\ndatabase = " << ca
                                << "/index.txt\nnew_certs_dir = " << ca << "\nserial = " << ca
                                << "/serial\ndefault_md = sha256\npolicy = anything\nunique_subject = no\n"
                                   "x509_extensions = leaf\n[anything]\ncommonName = supplied\n[leaf]\n"
                                << k_san << "\n";
  run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost -keyout " +
      c.key + " -out " + ca + "/req.csr");
  run("openssl ca -batch -config " + ca + "/ca.cnf -selfsign -keyfile " + c.key + " -in " + ca +
      "/req.csr -out " + c.cert + " -startdate " + start + " -enddate " + end);
  return c;
}

// `openssl s_server -www` with the given certificate for the length of a test.
class TlsServer {
 public:
  explicit TlsServer(const Cert& cert) : m_port(free_port()) {
    m_pid = ::fork();
    if (m_pid == 0) {
      std::string accept = "127.0.0.1:" + std::to_string(m_port);
      ::execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(), "-cert",
               cert.cert.c_str(), "-key", cert.key.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    auto tcp = parse_probe_spec("tcp://127.0.0.1:" + std::to_string(m_port));
    auto probe = make_probe(*tcp);
    REQUIRE(stackgate::testing::poll_until([&] { return (*probe)->check(100ms).verdict == Verdict::ready; }, 20s));
  }
  ~TlsServer() {
    ::kill(m_pid, SIGTERM);
    ::waitpid(m_pid, nullptr, 0);
  }
  std::string where() const { return "127.0.0.1:" + std::to_string(m_port); }

 private:
  int m_port;
  pid_t m_pid = -1;
};

Outcome check(const std::string& url) {
  auto probe = try_probe(url);
  INFO(url);
  if (!probe) FAIL(probe.error());
  return (*probe)->check(3000ms);
}

const std::string k_who = "certificate CN=localhost (issuer CN=localhost)";

// A 5-day certificate against cert_min_days=30 (4 days left once a second has passed).
bool soon_reason(const std::string& reason) {
  return reason.starts_with(k_who + " expires 20") &&
         (reason.ends_with(" UTC, 4 days left, want at least 30") ||
          reason.ends_with(" UTC, 5 days left, want at least 30"));
}

}  // namespace

TEST_CASE("tls: a trusted certificate with enough days left is ready", "[tls]") {
  ScratchDir dir;
  Cert cert = fresh_cert(dir, "fresh", 90);
  TlsServer server(cert);
  Outcome outcome = check("tls://" + server.where() + "?cert_min_days=30&ca=" + cert.cert);
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason.starts_with("certificate CN=localhost valid until "));
  // Whole days left, rounded down: 90 within the second the certificate was made, else 89.
  CHECK((outcome.reason.ends_with(" UTC (89 days left)") || outcome.reason.ends_with(" UTC (90 days left)")));
  // The host name is checked against the certificate too.
  CHECK(check("tls://localhost:" + server.where().substr(10) + "?ca=" + cert.cert).verdict == Verdict::ready);
}

TEST_CASE("tls: fewer days left than cert_min_days is not_yet naming subject, issuer and expiry", "[tls]") {
  ScratchDir dir;
  Cert cert = fresh_cert(dir, "soon", 5);
  TlsServer server(cert);
  Outcome outcome = check("tls://" + server.where() + "?cert_min_days=30&ca=" + cert.cert);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(soon_reason(outcome.reason));
  CHECK(check("tls://" + server.where() + "?cert_min_days=3&ca=" + cert.cert).verdict == Verdict::ready);
}

TEST_CASE("tls: an expired certificate is fatal with its dates", "[tls]") {
  ScratchDir dir;
  Cert cert = dated_cert(dir, "expired", "20200101000000Z", "20210101000000Z");
  TlsServer server(cert);
  std::string reason = k_who + " has expired: valid from 2020-01-01 00:00:00 UTC until 2021-01-01 00:00:00 UTC";
  Outcome outcome = check("tls://" + server.where() + "?ca=" + cert.cert);
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == reason);
  // insecure=1 skips trust, never the dates.
  CHECK(check("tls://" + server.where() + "?insecure=1").reason == reason);
}

TEST_CASE("tls: a certificate not valid yet is fatal with its dates", "[tls]") {
  ScratchDir dir;
  Cert cert = dated_cert(dir, "future", "20990101000000Z", "20991231000000Z");
  TlsServer server(cert);
  Outcome outcome = check("tls://" + server.where() + "?ca=" + cert.cert);
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason ==
        k_who + " is not valid yet: valid from 2099-01-01 00:00:00 UTC until 2099-12-31 00:00:00 UTC");
}

TEST_CASE("tls: an untrusted or misnamed certificate is fatal unless insecure=1", "[tls]") {
  ScratchDir dir;
  Cert cert = fresh_cert(dir, "self", 90);
  TlsServer server(cert);
  Outcome untrusted = check("tls://" + server.where());
  CHECK(untrusted.verdict == Verdict::fatal);
  CHECK(untrusted.reason == k_who + " of " + server.where() + " is not trusted: self-signed certificate");
  Outcome misnamed = check("tls://" + server.where() + "?servername=db.example&ca=" + cert.cert);
  CHECK(misnamed.verdict == Verdict::fatal);
  CHECK(misnamed.reason == k_who + " of " + server.where() + " is not trusted: hostname mismatch (CA file " +
                               cert.cert + ")");
  CHECK(check("tls://" + server.where() + "?insecure=1").verdict == Verdict::ready);
}

TEST_CASE("tls: nothing listening is a cheap not_yet", "[tls]") {
  Outcome outcome = check("tls://127.0.0.1:" + std::to_string(free_port()));
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.cheap);
  CHECK(outcome.reason == "connection refused");
}

TEST_CASE("https: cert_min_days checks the certificate before the request", "[tls][https]") {
  ScratchDir dir;
  SECTION("enough days: the HTTP answer decides") {
    Cert cert = fresh_cert(dir, "fresh", 90);
    TlsServer server(cert);
    Outcome outcome = check("https://" + server.where() + "/?cert_min_days=30&ca=" + cert.cert);
    CHECK(outcome.verdict == Verdict::ready);
    CHECK(outcome.reason == "HTTP 200 from /");
  }
  SECTION("too few days: not_yet from the certificate") {
    Cert cert = fresh_cert(dir, "soon", 5);
    TlsServer server(cert);
    Outcome outcome = check("https://" + server.where() + "/?cert_min_days=30&ca=" + cert.cert);
    CHECK(outcome.verdict == Verdict::not_yet);
    CHECK(soon_reason(outcome.reason));
  }
  SECTION("expired: fatal with the dates, even with insecure=1") {
    Cert cert = dated_cert(dir, "expired", "20200101000000Z", "20210101000000Z");
    TlsServer server(cert);
    Outcome outcome = check("https://" + server.where() + "/?cert_min_days=0&insecure=1");
    CHECK(outcome.verdict == Verdict::fatal);
    CHECK(outcome.reason ==
          k_who + " has expired: valid from 2020-01-01 00:00:00 UTC until 2021-01-01 00:00:00 UTC");
  }
}

TEST_CASE("tls: bad URLs and options are config errors", "[tls][config]") {
  CHECK(try_probe("tls://db").error() == "missing port (tls:// has no default) in tls://db");
  CHECK(try_probe("tls://db:443?cert_min_days=soon").error() ==
        "bad cert_min_days 'soon' (expected a number of days) in tls://db:443?cert_min_days=soon");
  CHECK(try_probe("tls://db:443?status=200").error() ==
        "unknown option 'status' for tls:// (expected cert_min_days, servername, ca, insecure) in "
        "tls://db:443?status=200");
  CHECK(try_probe("http://web/?cert_min_days=3").error() ==
        "cert_min_days= only applies to https:// in http://web/?cert_min_days=3");
}
