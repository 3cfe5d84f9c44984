// sqlite:// (the real libstackgate-sqlite.so) against database files made
// by the sqlite3 CLI, with a second process (sqlite3) holding a write lock.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "local_fixtures.h"
#include "probe_fixtures.h"
#include "probes/factory.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using stackgate::testing::probe_for;
using stackgate::testing::ScratchDir;
using stackgate::testing::try_probe;

namespace {

void sql(const std::string& db, const std::string& statements) {
  std::string cmd = "sqlite3 " + db + " \"" + statements + "\" >/dev/null 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// `sqlite3 db` in a child process holding BEGIN EXCLUSIVE until destroyed.
class LockHolder {
 public:
  explicit LockHolder(const std::string& db) {
    int in[2];
    int out[2];
    REQUIRE(::pipe(in) == 0);
    REQUIRE(::pipe(out) == 0);
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      ::execlp("sqlite3", "sqlite3", db.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    m_stdin = in[1];
    m_stdout = out[0];
    std::string script = "BEGIN EXCLUSIVE;\nSELECT 'locked';\n";
    REQUIRE(::write(m_stdin, script.data(), script.size()) == static_cast<ssize_t>(script.size()));
    // The answer comes once the lock is held (read blocks until then or EOF).
    std::string got;
    char buf[64];
    while (got.find("locked") == std::string::npos) {
      ssize_t n = ::read(m_stdout, buf, sizeof buf);
      REQUIRE(n > 0);
      got.append(buf, static_cast<size_t>(n));
    }
  }
  ~LockHolder() { release(); }
  void release() {
    if (m_pid <= 0) return;
    ::close(m_stdin);  // EOF: sqlite3 exits and the lock goes with it
    ::close(m_stdout);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
  }

 private:
  pid_t m_pid = -1;
  int m_stdin = -1;
  int m_stdout = -1;
};

}  // namespace

TEST_CASE("sqlite: a database is ready and the reason counts its schema", "[sqlite]") {
  ScratchDir dir;
  std::string db = dir.file("app.db");
  sql(db, "CREATE TABLE users(id INTEGER PRIMARY KEY); CREATE INDEX users_id ON users(id);");
  Outcome outcome = probe_for("sqlite://" + db + "?quick_check=1")->check(2000ms);
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == db + ": 2 schema entries");
}

TEST_CASE("sqlite: a missing file is not_yet and is never created", "[sqlite]") {
  ScratchDir dir;
  std::string db = dir.file("later.db");
  auto probe = probe_for("sqlite://" + db);
  Outcome outcome = probe->check(2000ms);
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "database file " + db + " does not exist yet");
  CHECK(::access(db.c_str(), F_OK) != 0);
  sql(db, "CREATE TABLE t(x);");
  CHECK(probe->check(2000ms).verdict == Verdict::ready);
}

TEST_CASE("sqlite: a writer holding an exclusive lock is not_yet, ready once it lets go", "[sqlite][lock]") {
  ScratchDir dir;
  std::string db = dir.file("app.db");
  sql(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  auto probe = probe_for("sqlite://" + db);
  LockHolder holder(db);
  auto start = std::chrono::steady_clock::now();
  Outcome locked = probe->check(300ms);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(locked.verdict == Verdict::not_yet);
  CHECK(locked.reason == db + ": database is locked");
  CHECK(elapsed >= 250ms);  // the busy handler waited for the lock
  // ...and gave up before the deadline: an answer after it is written off by
  // the scheduler as "no answer within 300ms" (sqlite3_busy_timeout overran it).
  CHECK(elapsed < 300ms);
  holder.release();
  CHECK(probe->check(2000ms).verdict == Verdict::ready);
}

TEST_CASE("sqlite: a file that is not a database is fatal", "[sqlite]") {
  ScratchDir dir;
  std::string path = dir.file("notes.db");
  std::ofstream(path) << std::string(4096, 'x');
  Outcome outcome = probe_for("sqlite://" + path)->check(2000ms);
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == path + " is not an SQLite database");
  Outcome directory = probe_for("sqlite://" + dir.path())->check(2000ms);
  CHECK(directory.verdict == Verdict::fatal);
  CHECK(directory.reason == dir.path() + " is not a regular file");
}

TEST_CASE("sqlite: a damaged page is found by quick_check=1 and is fatal", "[sqlite]") {
  ScratchDir dir;
  std::string db = dir.file("app.db");
  sql(db, "CREATE TABLE t(x); WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r WHERE i<2000) "
          "INSERT INTO t SELECT printf('row %d', i) FROM r;");
  {
    // Page 2 (the table's root, 4 KiB pages) gets a garbage b-tree header.
    std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096);
    file << std::string(16, '\xff');
  }
  // The schema on page 1 still reads: only quick_check sees the damage.
  CHECK(probe_for("sqlite://" + db)->check(2000ms).verdict == Verdict::ready);
  Outcome outcome = probe_for("sqlite://" + db + "?quick_check=1")->check(2000ms);
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == db + " failed quick_check: *** in database main ***; Page 2: btreeInitPage() returns "
                               "error code 11; Page 3 is never used; Page 4 is never used");
}

TEST_CASE("sqlite: max_wal_size compares the -wal file beside the database", "[sqlite][wal]") {
  ScratchDir dir;
  std::string db = dir.file("app.db");
  sql(db, "CREATE TABLE t(x);");
  // A WAL file bigger than the limit (its content is never read: the probe looks at its size).
  std::ofstream(db + "-wal") << std::string(8192, '\0');
  Outcome big = probe_for("sqlite://" + db + "?max_wal_size=4KiB")->check(2000ms);
  CHECK(big.verdict == Verdict::not_yet);
  CHECK(big.reason == db + "-wal is 8.0 KiB, want at most 4.0 KiB (checkpoints are not keeping up)");
}

TEST_CASE("sqlite: an unreadable database is fatal naming uid, gid, owner and mode", "[sqlite]") {
  ScratchDir dir;
  std::string db = dir.file("app.db");
  sql(db, "CREATE TABLE t(x);");
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  REQUIRE(::chmod(db.c_str(), 0600) == 0);
  auto who = stackgate::testing::other_prober();
  if (!who.as_root) REQUIRE(::chmod(db.c_str(), 0000) == 0);
  struct stat st {};
  REQUIRE(::stat(db.c_str(), &st) == 0);
  probe_for("sqlite://" + db);  // loads the module here, before the child drops its rights
  std::string got = stackgate::testing::check_in_child("sqlite://" + db, who, 2000ms);
  CHECK(got == "fatal|uid " + std::to_string(who.uid) + " gid " + std::to_string(who.gid) + " cannot read " + db +
                   " (owner " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) + ", mode " +
                   stackgate::testing::mode_of(db) + ")");
}

TEST_CASE("sqlite: bad options and URLs are config errors", "[sqlite][config]") {
  CHECK(try_probe("sqlite:///data/app.db?max_wal_size=big").error() ==
        "bad max_wal_size: expected a number of bytes such as 512, 64MiB or 1GiB in 'big' in "
        "sqlite:///data/app.db?max_wal_size=big");
  CHECK(try_probe("sqlite:///data/app.db?mode=rw").error() ==
        "unknown option 'mode' for sqlite:// (expected quick_check, max_wal_size) in sqlite:///data/app.db?mode=rw");
  CHECK(try_probe("sqlite://db/app.db").error() ==
        "sqlite:// takes a local path, not a host (write sqlite:///path) in sqlite://db/app.db");
}
