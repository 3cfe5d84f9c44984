// The mysql:// probe against a real MariaDB on loopback (tests/servers/).
// One executable, one process: mariadb-install-db runs once for all cases.
#include <mysql.h>

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "tests/integration/servers/fake_servers.h"
#include "tests/integration/servers/probe_support.h"
#include "tests/servers/mariadb_server.h"

namespace stackgate::testing {
namespace {

using namespace std::chrono_literals;
using DB = MariadbServer;

// One server per test process, started on first use.
MariadbServer& shared_mariadb() {
  static MariadbServer server;
  if (!server.running()) {
    server.start();
    REQUIRE(server.wait_ready());
  }
  return server;
}

std::string app_url(const MariadbServer& s, const std::string& query = "") {
  return s.url(DB::k_app_user, DB::k_app_password, DB::k_app_database) + query;
}

// Holds client connections open (to use up connection slots).
struct Connections {
  std::vector<std::unique_ptr<MYSQL, decltype(&mysql_close)>> held;
  // Opens one TCP connection; returns whether it succeeded.
  bool open(const MariadbServer& s, const std::string& user, const std::string& password) {
    held.emplace_back(mysql_init(nullptr), &mysql_close);
    unsigned protocol = MYSQL_PROTOCOL_TCP;
    unsigned seconds = 5;
    mysql_options(held.back().get(), MYSQL_OPT_PROTOCOL, &protocol);
    mysql_options(held.back().get(), MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
    return mysql_real_connect(held.back().get(), "127.0.0.1", user.c_str(), password.c_str(), nullptr,
                              static_cast<unsigned>(s.port()), nullptr, 0) != nullptr;
  }
};

}  // namespace

TEST_CASE("mysql: ready with the app user's credentials", "[mysql]") {
  MariadbServer& db = shared_mariadb();
  Attempt a = attempt(*make(app_url(db)));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);
  CHECK(attempt(*make(app_url(db, "?writable=1&min_free_connections=1"))).outcome.verdict == Verdict::ready);
  CHECK(attempt(*make(db.url(DB::k_app_user, DB::k_app_password, DB::k_app_database, "mariadb"))).outcome.verdict ==
        Verdict::ready);
  // No database in the URL: SELECT 1 needs none.
  CHECK(attempt(*make(db.url("root", DB::k_root_password, ""))).outcome.verdict == Verdict::ready);
}

TEST_CASE("mysql: the password may come from password_file", "[mysql]") {
  MariadbServer& db = shared_mariadb();
  std::string file = db.dir() + "/app.pw";
  write_file(file, std::string(DB::k_app_password) + "\n");
  std::string url = "mysql://app@127.0.0.1:" + std::to_string(db.port()) + "/appdb?password_file=" + file;
  Attempt a = attempt(*make(url));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);
}

TEST_CASE("mysql: localhost is TCP to each address, never the unix socket", "[mysql]") {
  MariadbServer& db = shared_mariadb();
  // libmariadb would take "localhost" to mean its default unix socket.
  std::string url = "mysql://app:apppass@localhost:" + std::to_string(db.port()) + "/appdb";
  Attempt a = attempt(*make(url));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);
  // The server's answer on 127.0.0.1 outranks "refused" on ::1.
  Attempt wrong = attempt(*make("mysql://app:nope@localhost:" + std::to_string(db.port()) + "/appdb"));
  INFO(describe(wrong.outcome));
  CHECK(wrong.outcome.verdict == Verdict::fatal);
}

TEST_CASE("mysql: not yet before the server starts, ready once it is up", "[mysql]") {
  MariadbServer db;
  auto probe = make(app_url(db));
  Attempt before = attempt(*probe);
  INFO(describe(before.outcome));
  CHECK(before.outcome.verdict == Verdict::not_yet);
  CHECK(before.outcome.cheap);
  CHECK(before.outcome.reason == "connection refused");

  db.start();
  Outcome after = poll_for(*probe, Verdict::ready, 30s);
  INFO(describe(after) << "\n" << db.log_tail());
  CHECK(after.verdict == Verdict::ready);
}

TEST_CASE("mysql: what waiting cannot fix is fatal", "[mysql]") {
  MariadbServer& db = shared_mariadb();

  SECTION("a wrong password (1045), not echoed in the reason") {
    Attempt a = attempt(*make(db.url(DB::k_app_user, "Wr0ngSecret", DB::k_app_database)));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "Access denied for user 'app'@'127.0.0.1' (using password: YES)");
    CHECK(a.outcome.reason.find("Wr0ngSecret") == std::string::npos);
  }
  SECTION("an unknown database (1049)") {
    // As root: to a user without global privileges MariaDB answers 1044 instead.
    Attempt a = attempt(*make(db.url("root", DB::k_root_password, "nosuchdb")));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "Unknown database 'nosuchdb'");
  }
  SECTION("a user without access to the database (1044)") {
    Attempt a = attempt(*make(db.url(DB::k_other_user, DB::k_other_password, DB::k_app_database)));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "Access denied for user 'other'@'%' to database 'appdb'");
  }
  SECTION("an unknown user") {
    Attempt a = attempt(*make(db.url("ghost", "whatever", DB::k_app_database)));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
  }
}

TEST_CASE("mysql: killed after ready, the next attempt is not yet", "[mysql]") {
  MariadbServer db;
  db.start();
  REQUIRE(db.wait_ready());
  auto probe = make(app_url(db));
  REQUIRE(attempt(*probe).outcome.verdict == Verdict::ready);

  db.kill();
  Attempt a = attempt(*probe);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.cheap);

  db.start();
  Outcome back = poll_for(*probe, Verdict::ready, 30s);
  INFO(describe(back) << "\n" << db.log_tail());
  CHECK(back.verdict == Verdict::ready);
}

TEST_CASE("mysql: the image's init-phase server (socket only) is not yet over TCP", "[mysql][trap]") {
  MariadbServer db;
  db.start(DB::Settings{.tcp = false});
  REQUIRE(db.wait_ready());
  // The temporary server answers on its unix socket, which is what
  // `mysqladmin ping` / `mariadb -h localhost` see inside the container.
  REQUIRE(db.sql("SELECT 1") == 0);
  auto probe = make(app_url(db));
  Attempt a = attempt(*probe);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.cheap);

  // Then the entrypoint stops it and starts the real server with networking.
  db.start(DB::Settings{.tcp = true});
  Outcome after = poll_for(*probe, Verdict::ready, 30s);
  INFO(describe(after) << "\n" << db.log_tail());
  CHECK(after.verdict == Verdict::ready);
}

TEST_CASE("mysql: too many connections is not yet, min_free_connections counts them", "[mysql][trap]") {
  MariadbServer db;
  db.start(DB::Settings{.max_connections = 10});  // MariaDB's minimum
  REQUIRE(db.wait_ready());
  Connections c;

  SECTION("min_free_connections") {
    for (int i = 0; i < 9; ++i) REQUIRE(c.open(db, DB::k_app_user, DB::k_app_password));
    Attempt a = attempt(*make(app_url(db, "?min_free_connections=2")));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason == "1 free connections (max_connections 10, 9 connected), want at least 2");
    // The server may still count the previous probe's session for a moment
    // after it closed: poll, bounded.
    auto one_free = make(app_url(db, "?min_free_connections=1"));
    CHECK(poll_for(*one_free, Verdict::ready, 10s).verdict == Verdict::ready);
  }

  SECTION("1040 too many connections, then ready once one closes") {
    for (int i = 0; i < 10; ++i) REQUIRE(c.open(db, DB::k_app_user, DB::k_app_password));
    auto probe = make(app_url(db));
    Attempt a = attempt(*probe);
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason == "Too many connections");

    c.held.pop_back();
    Outcome freed = poll_for(*probe, Verdict::ready, 10s);
    INFO(describe(freed));
    CHECK(freed.verdict == Verdict::ready);
  }
}

TEST_CASE("mysql: writable=1 on a read-only server is not yet", "[mysql]") {
  MariadbServer db;
  db.start(DB::Settings{.read_only = true});
  REQUIRE(db.wait_ready());
  Attempt a = attempt(*make(app_url(db, "?writable=1")));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason == "read-only (@@global.read_only = 1)");
  CHECK(attempt(*make(app_url(db))).outcome.verdict == Verdict::ready);

  REQUIRE(db.sql("SET GLOBAL read_only = 0") == 0);
  CHECK(attempt(*make(app_url(db, "?writable=1"))).outcome.verdict == Verdict::ready);
}

TEST_CASE("mysql: a hung server is not yet within the attempt timeout", "[mysql]") {
  SilentServer silent;
  auto probe = make("mysql://app:pw@127.0.0.1:" + std::to_string(silent.port()) + "/db");
  Attempt a = attempt(*probe, 300ms);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason.find("timed out after 300ms") != std::string::npos);
  CHECK(a.elapsed >= 250ms);
}

TEST_CASE("mysql: a connection closed during the handshake is not yet", "[mysql]") {
  CannedServer closes("");  // accepts, sends nothing, closes
  auto probe = make("mysql://app:pw@127.0.0.1:" + std::to_string(closes.port()) + "/db");
  Attempt a = attempt(*probe);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason.find("Lost connection") != std::string::npos);
}

// A server that refuses before the handshake sends an ERR packet as its
// greeting (no SQL state): what MySQL and MariaDB do while shutting down or
// when the client's host is blocked.
std::string greeting_error(int code, const std::string& message) {
  std::string payload = "\xff" + std::string{static_cast<char>(code & 0xff), static_cast<char>(code >> 8)} + message;
  return std::string{static_cast<char>(payload.size()), 0, 0, 0} + payload;
}

TEST_CASE("mysql: errors in place of the greeting are classified by their code", "[mysql]") {
  SECTION("1053 server shutdown in progress is not yet") {
    CannedServer server(greeting_error(1053, "Server shutdown in progress"));
    Attempt a = attempt(*make("mysql://app:pw@127.0.0.1:" + std::to_string(server.port()) + "/db"));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason == "Server shutdown in progress");
  }
  SECTION("3168 server isn't available (MySQL 8 starting or stopping) is not yet") {
    CannedServer server(greeting_error(3168, "Server isn't available"));
    Attempt a = attempt(*make("mysql://app:pw@127.0.0.1:" + std::to_string(server.port()) + "/db"));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
  }
  SECTION("1129 host blocked is fatal and says how to lift it") {
    CannedServer server(greeting_error(1129, "Host '10.0.0.7' is blocked because of many connection errors"));
    Attempt a = attempt(*make("mysql://app:pw@127.0.0.1:" + std::to_string(server.port()) + "/db"));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason ==
          "Host '10.0.0.7' is blocked because of many connection errors (run mysqladmin flush-hosts)");
  }
}

TEST_CASE("mysql: options are checked when the probe is made", "[mysql]") {
  CHECK(make_error("mysql://app:s3cr3t@db/app?writeable=1") ==
        "unknown option 'writeable' for mysql:// (did you mean 'writable'?) in mysql://app:***@db/app?writeable=1");
  CHECK(make_error("mariadb://db/app?min_free_connections=many") ==
        "min_free_connections must be a whole number >= 0, not 'many' in mariadb://db/app?min_free_connections=many");
  CHECK(make_error("mysql://db/app?writable=yes").find("writable must be 1 or 0") != std::string::npos);
}

}  // namespace stackgate::testing
