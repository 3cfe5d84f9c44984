// The postgres probe against a real PostgreSQL 15 on loopback.
#include <libpq-fe.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <memory>
#include <vector>

#include "tests/integration/servers/fake_servers.h"
#include "tests/integration/servers/probe_support.h"
#include "tests/servers/postgres_server.h"

namespace stackgate::testing {
namespace {

using namespace std::chrono_literals;
using PG = PostgresServer;

// One cluster per test process, started on first use.
PostgresServer& shared_postgres() {
  static PostgresServer server;
  if (!server.running()) {
    server.start();
    REQUIRE(server.wait_ready());
  }
  return server;
}

std::string app_url(const PostgresServer& s, const std::string& query = "") {
  return s.url(PG::k_app_user, PG::k_app_password, PG::k_app_database) + query;
}

// Holds client connections open (to use up connection slots).
struct Connections {
  std::vector<std::unique_ptr<PGconn, decltype(&PQfinish)>> held;
  // Opens one connection; returns whether it succeeded.
  bool open(const PostgresServer& s, const std::string& user, const std::string& password) {
    std::string conninfo = "host=127.0.0.1 port=" + std::to_string(s.port()) + " user=" + user +
                           " password=" + password + " dbname=" + PG::k_app_database + " connect_timeout=5";
    held.emplace_back(PQconnectdb(conninfo.c_str()), &PQfinish);
    return PQstatus(held.back().get()) == CONNECTION_OK;
  }
};

}  // namespace

TEST_CASE("postgres: ready with the app user's credentials", "[postgres]") {
  PostgresServer& pg = shared_postgres();
  Attempt a = attempt(*make(app_url(pg)));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);
  CHECK(attempt(*make(app_url(pg, "?writable=1&min_free_connections=1"))).outcome.verdict == Verdict::ready);
  CHECK(attempt(*make(pg.url(PG::k_superuser, PG::k_superuser_password, "postgres"))).outcome.verdict == Verdict::ready);
}

TEST_CASE("postgres: a host name is resolved within the attempt, each address tried", "[postgres]") {
  PostgresServer& pg = shared_postgres();
  // "localhost" may resolve to ::1 first; the server listens on 127.0.0.1 only.
  std::string url = "postgres://app:apppass@localhost:" + std::to_string(pg.port()) + "/appdb";
  Attempt a = attempt(*make(url));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);

  // The server's answer on the second address outranks "refused" on the first.
  Attempt wrong = attempt(*make("postgres://app:nope@localhost:" + std::to_string(pg.port()) + "/appdb"));
  INFO(describe(wrong.outcome));
  CHECK(wrong.outcome.verdict == Verdict::fatal);

  Attempt unknown = attempt(*make("postgres://app:apppass@no-such-host.invalid:5432/appdb"), 1000ms);
  INFO(describe(unknown.outcome));
  CHECK(unknown.outcome.verdict == Verdict::not_yet);
  CHECK(unknown.outcome.cheap);
}

TEST_CASE("postgres: not yet before the server starts, ready once it is up", "[postgres]") {
  PostgresServer pg;
  auto probe = make(app_url(pg));
  Attempt before = attempt(*probe);
  INFO(describe(before.outcome));
  CHECK(before.outcome.verdict == Verdict::not_yet);
  CHECK(before.outcome.cheap);
  CHECK(before.outcome.reason.find("refused") != std::string::npos);

  pg.start();
  Outcome after = poll_for(*probe, Verdict::ready, 30s);
  INFO(describe(after) << "\n" << pg.log_tail());
  CHECK(after.verdict == Verdict::ready);
}

TEST_CASE("postgres: what waiting cannot fix is fatal", "[postgres]") {
  PostgresServer& pg = shared_postgres();

  SECTION("a wrong password, not echoed in the reason") {
    Attempt a = attempt(*make(pg.url(PG::k_app_user, "Wr0ngSecret", PG::k_app_database)));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "password authentication failed for user \"app\"");
    CHECK(a.outcome.reason.find("Wr0ngSecret") == std::string::npos);
  }
  SECTION("an unknown database") {
    Attempt a = attempt(*make(pg.url(PG::k_app_user, PG::k_app_password, "nosuchdb")));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "database \"nosuchdb\" does not exist");
  }
  SECTION("an unknown role") {
    // With scram-sha-256 the server does not say whether the role exists.
    Attempt a = attempt(*make(pg.url("ghost", "whatever", PG::k_app_database)));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "password authentication failed for user \"ghost\"");
  }
  SECTION("no password for a password-protected role") {
    ::setenv("PGPASSFILE", "/nonexistent", 1);
    Attempt a = attempt(*make(pg.url(PG::k_app_user, "", PG::k_app_database)));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason.find("no password supplied") != std::string::npos);
  }
  SECTION("sslmode=require against a server without SSL") {
    Attempt a = attempt(*make(app_url(pg, "?sslmode=require")));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "server does not support SSL, but SSL was required");
    CHECK(attempt(*make(app_url(pg, "?sslmode=disable"))).outcome.verdict == Verdict::ready);
  }
}

TEST_CASE("postgres: killed after ready, the next attempt is not yet", "[postgres]") {
  PostgresServer pg;
  pg.start();
  REQUIRE(pg.wait_ready());
  auto probe = make(app_url(pg));
  REQUIRE(attempt(*probe).outcome.verdict == Verdict::ready);

  pg.kill();
  Attempt a = attempt(*probe);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.cheap);

  pg.start();
  Outcome back = poll_for(*probe, Verdict::ready, 30s);
  INFO(describe(back) << "\n" << pg.log_tail());
  CHECK(back.verdict == Verdict::ready);
}

TEST_CASE("postgres: a server shutting down is not yet", "[postgres]") {
  PostgresServer pg;
  pg.start();
  REQUIRE(pg.wait_ready());
  auto probe = make(app_url(pg));
  REQUIRE(attempt(*probe).outcome.verdict == Verdict::ready);
  Connections c;
  REQUIRE(c.open(pg, PG::k_app_user, PG::k_app_password));  // holds the smart shutdown open

  pg.begin_smart_shutdown();
  Outcome stopping;
  poll_until([&] {
    stopping = attempt(*probe).outcome;
    return stopping.verdict != Verdict::ready;
  }, 10s);
  INFO(describe(stopping));
  CHECK(stopping.verdict == Verdict::not_yet);
  CHECK(stopping.reason == "the database system is shutting down");

  c.held.clear();
  Outcome gone = poll_for(*probe, Verdict::not_yet, 10s);
  poll_until([&] { return !pg.running(); }, 10s);
  CHECK(attempt(*probe).outcome.cheap);
  (void)gone;
}

TEST_CASE("postgres: a socket-only server (the image's init phase) is not yet over TCP", "[postgres][trap]") {
  PostgresServer pg;
  pg.start(PG::Settings{.tcp = false});
  REQUIRE(pg.wait_ready());
  // The server accepts over its unix socket, as pg_isready without -h sees it.
  REQUIRE(pg.psql("SELECT 1") == 0);
  auto probe = make(app_url(pg));
  Attempt a = attempt(*probe);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.cheap);

  pg.start(PG::Settings{.tcp = true});
  Outcome after = poll_for(*probe, Verdict::ready, 30s);
  INFO(describe(after));
  CHECK(after.verdict == Verdict::ready);
}

TEST_CASE("postgres: exhausted connection slots are not yet, not fatal", "[postgres][trap]") {
  PostgresServer pg;
  // 6 slots, 3 reserved for superusers: the app role gets 3.
  pg.start(PG::Settings{.max_connections = 6, .superuser_reserved_connections = 3});
  REQUIRE(pg.wait_ready());
  auto app = make(app_url(pg));
  auto superuser = make(pg.url(PG::k_superuser, PG::k_superuser_password, "postgres"));
  Connections c;

  SECTION("min_free_connections counts the slots the app can still use") {
    REQUIRE(c.open(pg, PG::k_app_user, PG::k_app_password));
    REQUIRE(c.open(pg, PG::k_app_user, PG::k_app_password));
    Attempt a = attempt(*make(app_url(pg, "?min_free_connections=2")));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason == "1 free connection slots, want at least 2");
    // That probe's server process frees its slot after the probe has hung up
    // (asynchronously, late on a busy machine): until then only 0 are free.
    auto one = make(app_url(pg, "?min_free_connections=1"));
    Outcome enough = poll_for(*one, Verdict::ready, 10s);
    INFO(describe(enough));
    CHECK(enough.verdict == Verdict::ready);
  }

  SECTION("the app is refused while a superuser still gets in") {
    for (int i = 0; i < 3; ++i) REQUIRE(c.open(pg, PG::k_app_user, PG::k_app_password));
    Attempt a = attempt(*app);
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason.find("remaining connection slots are reserved") != std::string::npos);
    // The trap: a superuser probe passes while the app cannot connect.
    CHECK(attempt(*superuser).outcome.verdict == Verdict::ready);

    c.held.pop_back();
    Outcome freed = poll_for(*app, Verdict::ready, 10s);
    INFO(describe(freed));
    CHECK(freed.verdict == Verdict::ready);
  }

  SECTION("too many clients") {
    for (int i = 0; i < 3; ++i) REQUIRE(c.open(pg, PG::k_app_user, PG::k_app_password));
    for (int i = 0; i < 3; ++i) REQUIRE(c.open(pg, PG::k_superuser, PG::k_superuser_password));
    Attempt a = attempt(*superuser);
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason.find("too many clients") != std::string::npos);
  }
}

TEST_CASE("postgres: writable=1 on a server in recovery is not yet", "[postgres]") {
  PostgresServer pg;
  // standby.signal without primary_conninfo: a hot standby that stays in recovery.
  std::ofstream(pg.dir() + "/data/standby.signal").put('\n');
  pg.start();
  auto writable = make(app_url(pg, "?writable=1"));
  // The first attempts are refused while it starts: wait for the read-only answer.
  poll_until([&] { return attempt(*writable).outcome.reason == "in recovery (read-only)"; }, 30s);
  Attempt a = attempt(*writable);
  INFO(describe(a.outcome) << "\n" << pg.log_tail());
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason == "in recovery (read-only)");
  // Read-only use is fine.
  CHECK(attempt(*make(app_url(pg))).outcome.verdict == Verdict::ready);
}

TEST_CASE("postgres: a hung server is not yet within the attempt timeout", "[postgres]") {
  SilentServer silent;
  auto probe = make("postgres://app:pw@127.0.0.1:" + std::to_string(silent.port()) + "/db");
  Attempt a = attempt(*probe, 300ms);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason.find("timed out") != std::string::npos);
  CHECK(a.elapsed >= 250ms);
}

TEST_CASE("postgres: a server that stops answering after the login is not yet within the attempt timeout",
          "[postgres]") {
  // libpq waits for a query's answer in poll() with no timeout; the probe
  // must still end by its deadline.
  std::atomic<int> queries{0};
  FakePostgres fake([&](const std::string&) {
    ++queries;
    return std::string();
  });
  auto probe = make("postgres://app@127.0.0.1:" + std::to_string(fake.port()) + "/appdb");
  Attempt a = attempt(*probe, 300ms);
  INFO(describe(a.outcome));
  CHECK(queries.load() == 1);
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason == "timed out waiting for SELECT 1");
  CHECK(a.elapsed >= 250ms);
}

TEST_CASE("postgres: a failed query is judged by its SQLSTATE", "[postgres]") {
  std::string sqlstate, text;
  FakePostgres fake([&](const std::string&) { return FakePostgres::error(sqlstate, text); });
  auto probe = make("postgres://app@127.0.0.1:" + std::to_string(fake.port()) + "/appdb");
  auto judged = [&](std::string state, std::string message) {
    sqlstate = std::move(state);
    text = std::move(message);
    return attempt(*probe).outcome;
  };

  Outcome denied = judged("42501", "permission denied for function pg_is_in_recovery");
  INFO(describe(denied));
  CHECK(denied.verdict == Verdict::fatal);
  CHECK(denied.reason == "ERROR:  permission denied for function pg_is_in_recovery");
  CHECK(judged("28000", "role is not permitted to run this").verdict == Verdict::fatal);
  CHECK(judged("3D000", "database \"gone\" does not exist").verdict == Verdict::fatal);
  // The SQLSTATE outranks the text: "does not exist" is fatal in a refused
  // connection's text, 57P01 (the server is shutting down) is not.
  Outcome going = judged("57P01", "terminating connection: slot \"x\" does not exist");
  INFO(describe(going));
  CHECK(going.verdict == Verdict::not_yet);
  CHECK(judged("57014", "canceling statement due to statement timeout").verdict == Verdict::not_yet);
  CHECK(judged("53300", "sorry, too many clients already").verdict == Verdict::not_yet);
  CHECK(judged("XX000", "an internal error").verdict == Verdict::not_yet);
}

TEST_CASE("postgres: the answer's columns are read by libpqxx as their types", "[postgres]") {
  std::vector<std::string> columns;
  FakePostgres fake([&](const std::string&) { return FakePostgres::row(columns); });
  std::string base = "postgres://app@127.0.0.1:" + std::to_string(fake.port()) + "/appdb";
  auto judged = [&](const std::string& query, std::vector<std::string> row) {
    columns = std::move(row);
    return attempt(*make(base + query)).outcome;
  };

  CHECK(judged("", {"1"}).verdict == Verdict::ready);
  CHECK(judged("", {"2"}).reason == "SELECT 1 did not return 1");
  CHECK(judged("?writable=1", {"1", "f"}).verdict == Verdict::ready);
  CHECK(judged("?writable=1", {"1", "t"}).reason == "in recovery (read-only)");
  CHECK(judged("?min_free_connections=3", {"1", "3"}).verdict == Verdict::ready);
  CHECK(judged("?min_free_connections=3", {"1", "2"}).reason == "2 free connection slots, want at least 3");
  // Not a boolean, not a number: not yet (a confused server), never a crash.
  Outcome odd = judged("?writable=1", {"1", "maybe"});
  INFO(describe(odd));
  CHECK(odd.verdict == Verdict::not_yet);
  CHECK(judged("?min_free_connections=3", {"1", "lots"}).verdict == Verdict::not_yet);
}

TEST_CASE("postgres: options are checked when the probe is made", "[postgres]") {
  CHECK(make_error("postgres://app:s3cr3t@db/app?writeable=1") ==
        "unknown option 'writeable' for postgres:// (did you mean 'writable'?) in postgres://app:***@db/app?writeable=1");
  CHECK(make_error("postgres://db/app?min_free_connections=many").find("min_free_connections") != std::string::npos);
  CHECK(make_error("postgres://db/app?sslmode=sometimes").find("sslmode") != std::string::npos);
}

}  // namespace stackgate::testing
