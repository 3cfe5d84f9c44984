// The clickhouse probe against a real clickhouse-server 18.16 on loopback.
#include <catch2/catch.hpp>

#include "tests/integration/servers/fake_servers.h"
#include "tests/integration/servers/probe_support.h"
#include "tests/servers/clickhouse_server.h"

namespace stackgate::testing {
namespace {

using namespace std::chrono_literals;
using CH = ClickHouseServer;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// One server per test process, started on first use.
ClickHouseServer& shared_clickhouse() {
  static ClickHouseServer server;
  if (!server.running()) {
    server.start();
    INFO(server.log_tail());
    REQUIRE(server.wait_ready());
  }
  return server;
}

}  // namespace

TEST_CASE("clickhouse: ready", "[clickhouse]") {
  ClickHouseServer& ch = shared_clickhouse();
  auto probe = make(ch.url(CH::k_app_user, CH::k_app_password));
  Outcome o = poll_for(*probe, Verdict::ready, 30s);
  INFO(describe(o));
  CHECK(o.verdict == Verdict::ready);
  CHECK(attempt(*make(ch.url())).outcome.verdict == Verdict::ready);  // default user, no password
  CHECK(attempt(*make(ch.url(CH::k_app_user, CH::k_app_password, "system"))).outcome.verdict == Verdict::ready);
  CHECK(attempt(*make(ch.url(CH::k_app_user, CH::k_app_password) + "?replicas_status=1")).outcome.verdict ==
        Verdict::ready);
}

TEST_CASE("clickhouse: not yet before the server starts, ready once it is up", "[clickhouse]") {
  ClickHouseServer ch;
  auto probe = make(ch.url(CH::k_app_user, CH::k_app_password));
  Attempt before = attempt(*probe);
  INFO(describe(before.outcome));
  CHECK(before.outcome.verdict == Verdict::not_yet);
  CHECK(before.outcome.cheap);

  ch.start();
  Outcome after = poll_for(*probe, Verdict::ready, 60s);
  INFO(describe(after) << "\n" << ch.log_tail());
  CHECK(after.verdict == Verdict::ready);
}

TEST_CASE("clickhouse: credentials and databases that cannot work are fatal by exception code", "[clickhouse][trap]") {
  ClickHouseServer& ch = shared_clickhouse();
  REQUIRE(poll_for(*make(ch.url()), Verdict::ready, 30s).verdict == Verdict::ready);

  Attempt wrong = attempt(*make(ch.url(CH::k_app_user, "Wr0ngPass")));
  INFO(describe(wrong.outcome));
  CHECK(wrong.outcome.verdict == Verdict::fatal);
  CHECK(contains(wrong.outcome.reason, "Code 193"));
  CHECK_FALSE(contains(wrong.outcome.reason, "Wr0ngPass"));

  Attempt user = attempt(*make(ch.url("ghost", "x")));
  INFO(describe(user.outcome));
  CHECK(user.outcome.verdict == Verdict::fatal);
  CHECK(contains(user.outcome.reason, "Code 192"));

  Attempt missing = attempt(*make(ch.url(CH::k_app_user)));
  INFO(describe(missing.outcome));
  CHECK(missing.outcome.verdict == Verdict::fatal);
  CHECK(contains(missing.outcome.reason, "Code 194"));

  Attempt db = attempt(*make(ch.url(CH::k_app_user, CH::k_app_password, "nosuchdb")));
  INFO(describe(db.outcome));
  CHECK(db.outcome.verdict == Verdict::fatal);
  CHECK(db.outcome.reason == "Code 81: Database nosuchdb doesn't exist");
}

TEST_CASE("clickhouse: killed after ready, the next attempt is not yet", "[clickhouse]") {
  ClickHouseServer ch;
  ch.start();
  REQUIRE(ch.wait_ready());
  auto probe = make(ch.url(CH::k_app_user, CH::k_app_password));
  REQUIRE(poll_for(*probe, Verdict::ready, 30s).verdict == Verdict::ready);
  ch.kill();
  Attempt a = attempt(*probe);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.cheap);
}

TEST_CASE("clickhouse: a 200 whose body is not exactly 1 is not ready", "[clickhouse]") {
  CannedServer fake("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nOk.\n");
  // /ping passes, then SELECT 1 gets "Ok.\n" as well, which is not "1\n".
  Attempt a = attempt(*make("clickhouse://127.0.0.1:" + std::to_string(fake.port())));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(contains(a.outcome.reason, "instead of 1"));
}

TEST_CASE("clickhouse: an old server's 500 for a wrong password is fatal by its code", "[clickhouse][trap]") {
  const std::string body =
      "Code: 193, e.displayText() = DB::Exception: Wrong password for user app, e.what() = DB::Exception\n";
  CannedServer old_server([&](const std::string& request) -> std::string {
    if (request.starts_with("GET /ping ")) return "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nOk.\n";
    return "HTTP/1.1 500 Internal Server Error\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  });
  Attempt a = attempt(*make("clickhouse://app:x@127.0.0.1:" + std::to_string(old_server.port())));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::fatal);
  CHECK(a.outcome.reason == "Code 193: Wrong password for user app");
}

TEST_CASE("clickhouse: busy and replication codes are not yet", "[clickhouse]") {
  for (int code : {202, 225, 242}) {
    const std::string body = "Code: " + std::to_string(code) + ", e.displayText() = DB::Exception: try later\n";
    CannedServer fake([&](const std::string& request) -> std::string {
      if (request.starts_with("GET /ping ")) return "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nOk.\n";
      return "HTTP/1.1 500 Internal Server Error\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\nConnection: close\r\n\r\n" + body;
    });
    Attempt a = attempt(*make("clickhouse://127.0.0.1:" + std::to_string(fake.port())));
    INFO(code << ": " << describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason == "Code " + std::to_string(code) + ": try later");
  }
}

TEST_CASE("clickhouse: a hung server is not yet within the attempt timeout", "[clickhouse]") {
  SilentServer silent;
  Attempt a = attempt(*make("clickhouse://127.0.0.1:" + std::to_string(silent.port())), 300ms);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.elapsed >= 250ms);
}

TEST_CASE("clickhouse: options are checked when the probe is made", "[clickhouse]") {
  CHECK(make_error("clickhouse://app:pw@ch:8123/db?replica_status=1") ==
        "unknown option 'replica_status' for clickhouse:// (did you mean 'replicas_status'?) in "
        "clickhouse://app:***@ch:8123/db?replica_status=1");
}

}  // namespace stackgate::testing
