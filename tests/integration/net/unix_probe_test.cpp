// unix:// (built in) and http+unix:// (http module) against real unix
// sockets: missing, refused, accepted, and permission denied as another user.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "local_fixtures.h"
#include "probes/factory.h"
#include "test_server.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using stackgate::spec::parse_probe_spec;
using namespace stackgate::testing;

namespace {

std::unique_ptr<Probe> probe_for(const std::string& url) {
  ::setenv("STACKGATE_MODULE_DIR", STACKGATE_TEST_MODULE_DIR, 1);
  auto spec = parse_probe_spec(url);
  INFO(url);
  REQUIRE(spec.has_value());
  auto probe = make_probe(*spec);
  if (!probe) FAIL(probe.error());
  return std::move(*probe);
}

std::string encoded(const std::string& path) {
  std::string out;
  for (char c : path) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

// The socket made unreachable for the prober: 0600 and root's (as root,
// probed as nobody), or 0000 (as anyone else). The directory stays open.
std::string denied_reason(const ScratchDir& dir, const std::string& path, const Prober& who) {
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  REQUIRE(::chmod(path.c_str(), who.as_root ? 0600 : 0000) == 0);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return "permission denied connecting to unix socket " + path + " (mode " + mode_of(path) + ", owner uid " +
         std::to_string(st.st_uid) + " gid " + std::to_string(st.st_gid) + "; probing as uid " +
         std::to_string(who.uid) + " gid " + std::to_string(who.gid) + ")";
}

}  // namespace

TEST_CASE("unix: a missing socket is a cheap not_yet, then ready once the server listens", "[unix]") {
  ScratchDir dir;
  std::string path = dir.file("app.sock");
  auto probe = probe_for("unix://" + path);
  Outcome missing = probe->check(1000ms);
  CHECK(missing.verdict == Verdict::not_yet);
  CHECK(missing.cheap);
  CHECK(missing.reason == "unix socket " + path + " does not exist yet");

  TestServer server([](TestServer&, int) {}, path);  // bound, not listening: refused
  Outcome refused = probe->check(1000ms);
  CHECK(refused.verdict == Verdict::not_yet);
  CHECK(refused.cheap);
  CHECK(refused.reason == "connection refused");

  server.listen();
  Outcome ready = probe->check(1000ms);
  CHECK(ready.verdict == Verdict::ready);
  CHECK(ready.reason == "connected");
}

TEST_CASE("unix: permission denied is fatal naming the socket's owner and mode and the probing uid", "[unix]") {
  ScratchDir dir;
  std::string path = dir.file("app.sock");
  TestServer server([](TestServer&, int) {}, path);
  server.listen();
  Prober who = other_prober();
  std::string reason = denied_reason(dir, path, who);
  CHECK(check_in_child("unix://" + path, who, 1000ms) == "fatal|" + reason);
  CHECK(server.connections() == 0);
}

TEST_CASE("http+unix: permission denied gives the same reason as unix://", "[unix][http]") {
  ScratchDir dir;
  std::string path = dir.file("app.sock");
  TestServer server(answer(http_response(200, "ok")), path);
  server.listen();
  std::string url = "http+unix://" + encoded(path) + "/health";
  // Loaded here, before the fork: the child may not be able to read the build tree.
  REQUIRE(probe_for(url)->check(1000ms).verdict == Verdict::ready);
  Prober who = other_prober();
  std::string reason = denied_reason(dir, path, who);
  CHECK(check_in_child(url, who, 1000ms) == "fatal|" + reason);
}

TEST_CASE("unix: options and hosts are config errors", "[unix][config]") {
  auto spec = parse_probe_spec("unix:///run/app.sock?mode=x");
  REQUIRE(spec.has_value());
  CHECK(make_probe(*spec).error() == "unknown option 'mode' for unix:// in unix:///run/app.sock?mode=x");
  CHECK(parse_probe_spec("unix://app/run.sock").error() ==
        "unix:// takes a local path, not a host (write unix:///path) in unix://app/run.sock");
  CHECK(parse_probe_spec("unix://").error() == "missing path (write unix:///path) in unix://");
}
