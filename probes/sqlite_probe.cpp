// The SQLite adapter: the only file that includes sqlite3.h. One connection
// per attempt, opened SQLITE_OPEN_READONLY so a probe never creates or
// changes the file; a progress handler ends any statement at the deadline.
#include "probes/sqlite_probe.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "probes/bytes.h"
#include "probes/module.h"
#include "probes/net.h"
#include "probes/sanitize.h"
#include "util/duration.h"

namespace stackgate::probes {

namespace {

struct SqliteOptions {
  bool quick_check = false;
  std::optional<uint64_t> max_wal_size;
};

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

int stop_at_deadline(void* deadline) { return static_cast<const net::Deadline*>(deadline)->passed() ? 1 : 0; }

// Waiting for a lock: short naps on the real clock, giving up `margin` before
// the deadline so that "database is locked" is the attempt's answer.
// sqlite3_busy_timeout() adds up its naps, not the time they took: under load
// it overran the deadline and the scheduler wrote the attempt off as "no
// answer within 3s" (tests/e2e/sqlite-lock).
struct LockWait {
  const net::Deadline* deadline;
  Millis margin;
};

int wait_for_lock(void* arg, int /*tries*/) {
  const auto* wait = static_cast<const LockWait*>(arg);
  Millis left = wait->deadline->remaining() - wait->margin;
  if (left <= Millis(0)) return 0;
  std::this_thread::sleep_for(std::min(left, Millis(10)));
  return 1;
}

std::string owner_and_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "cannot stat it";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return "owner " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) + ", mode " + mode;
}

class SqliteProbe : public Probe {
 public:
  SqliteProbe(std::string path, SqliteOptions options) : m_path(std::move(path)), m_options(options) {}

  Outcome check(Millis timeout) override {
    net::Deadline deadline = net::Deadline::after(timeout);
    struct stat st {};
    if (::stat(m_path.c_str(), &st) != 0) {
      if (errno == ENOENT) return Outcome::not_yet("database file " + m_path + " does not exist yet");
      return Outcome::fatal("cannot reach " + m_path + " as " + who() + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) return Outcome::fatal(m_path + " is not a regular file");

    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(m_path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<sqlite3, DbClose> db(raw);
    if (rc != SQLITE_OK) return failure(db.get(), rc, deadline);
    sqlite3_extended_result_codes(db.get(), 1);
    LockWait lock_wait{&deadline, std::min(Millis(50), deadline.budget / 10)};
    sqlite3_busy_handler(db.get(), &wait_for_lock, &lock_wait);
    sqlite3_progress_handler(db.get(), 1000, &stop_at_deadline, &deadline);

    auto entries = first_column(db.get(), "SELECT count(*) FROM sqlite_master", deadline);
    if (!entries) return *entries.error();
    if (m_options.quick_check) {
      // At most 3 problems (SQLite puts them in one or several rows).
      auto rows = first_column(db.get(), "PRAGMA quick_check(3)", deadline, 3);
      if (!rows) return *rows.error();
      if (*rows != "ok") {
        std::string problems = *rows;  // one message per line: one line for the reason
        for (size_t nl; (nl = problems.find('\n')) != std::string::npos;) problems.replace(nl, 1, "; ");
        return Outcome::fatal(m_path + " failed quick_check: " + sanitize(problems));
      }
    }
    if (m_options.max_wal_size) {
      std::string wal = m_path + "-wal";
      struct stat ws {};
      uint64_t size = ::stat(wal.c_str(), &ws) == 0 ? static_cast<uint64_t>(ws.st_size) : 0;
      if (size > *m_options.max_wal_size) {
        return Outcome::not_yet(wal + " is " + format_bytes(size) + ", want at most " +
                                format_bytes(*m_options.max_wal_size) + " (checkpoints are not keeping up)");
      }
    }
    return Outcome::ready(m_path + ": " + *entries + " schema entries");
  }

 private:
  static std::string who() {
    return "uid " + std::to_string(::geteuid()) + " gid " + std::to_string(::getegid());
  }

  // The first column of the first `max_rows` rows as text, joined by "; ";
  // or the failure's outcome. At least one row is required.
  std::expected<std::string, std::optional<Outcome>> first_column(sqlite3* db, const char* sql,
                                                                    const net::Deadline& deadline,
                                                                    int max_rows = 1) const {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
    std::unique_ptr<sqlite3_stmt, StmtFinalize> stmt(raw);
    if (rc != SQLITE_OK) return std::unexpected(failure(db, rc, deadline));
    std::string out;
    for (int row = 0; row < max_rows; ++row) {
      rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE && row > 0) break;
      if (rc != SQLITE_ROW) return std::unexpected(failure(db, rc, deadline));
      const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
      if (row > 0) out += "; ";
      if (text != nullptr) out += reinterpret_cast<const char*>(text);
    }
    return out;
  }

  // The one mapping from an SQLite result code to an outcome.
  Outcome failure(sqlite3* db, int rc, const net::Deadline& deadline) const {
    std::string message = db != nullptr ? sanitize(sqlite3_errmsg(db)) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED: return Outcome::not_yet(m_path + ": database is locked");
      case SQLITE_INTERRUPT:
        return Outcome::not_yet("timed out after " + util::format_duration(deadline.budget) + " reading " + m_path);
      case SQLITE_NOTADB: return Outcome::fatal(m_path + " is not an SQLite database");
      case SQLITE_CORRUPT: return Outcome::fatal(m_path + " is corrupt: " + message);
      case SQLITE_PERM:
      case SQLITE_AUTH: return Outcome::fatal(m_path + ": " + message);
      case SQLITE_CANTOPEN:
        if (::access(m_path.c_str(), R_OK) != 0 && errno == EACCES) {
          return Outcome::fatal(who() + " cannot read " + m_path + " (" + owner_and_mode(m_path) + ")");
        }
        return Outcome::not_yet(m_path + ": " + message);
      default: return Outcome::not_yet(m_path + ": " + message);
    }
  }

  std::string m_path;
  SqliteOptions m_options;
};

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "yes" || v.empty(); }

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_sqlite_probe(const ProbeSpec& spec) {
  const Url& url = spec.url;
  auto fail = [&](const std::string& what) { return std::unexpected(what + " in " + url.redacted()); };
  SqliteOptions options;
  for (const auto& [key, value] : url.query) {
    if (key == "quick_check") {
      options.quick_check = truthy(value);
    } else if (key == "max_wal_size") {
      auto bytes = parse_bytes(value);
      if (!bytes) return fail("bad max_wal_size: " + bytes.error());
      options.max_wal_size = *bytes;
    } else {
      return fail("unknown option '" + key + "' for sqlite:// (expected quick_check, max_wal_size)");
    }
  }
  return std::make_unique<SqliteProbe>(url.path, options);
}

STACKGATE_EXPORT_PROBE(make_sqlite_probe, "sqlite");

}  // namespace stackgate::probes
