// PostgreSQL: libpq connects, libpqxx runs the queries.
//
// libpqxx 6 is a C++ layer over libpq: every connection is a libpq PGconn,
// every query a PQexec(), every error libpq's text plus the server's
// SQLSTATE. Its stock connection policies connect with PQconnectdb(), which
// blocks with a timeout of whole seconds per address and leaves only a
// broken_connection whose text is libpq's message. So the connection is
// made by our own policy (BoundedConnect): its start step is
// PQconnectStartParams(), its complete step drives PQconnectPoll() with
// poll() against the attempt's deadline, and a refusal keeps libpq's text for
// the classifier. The queries then go through pqxx::nontransaction, whose
// pqxx::sql_error carries the SQLSTATE.
//
// libpq gives no SQLSTATE for a refused connection, only PQerrorMessage(),
// so refusals are classified on the server's (English) message text. A
// server whose lc_messages is not English produces text we do not know; we
// then ask PQpingParams, which does read the SQLSTATE: 57P03 means not yet,
// anything else means the server is up and refused us, which becomes fatal
// once the same message has come back a few times in a row.
#include "probes/postgres_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <libpq-fe.h>
#include <pqxx/connection_base>
#include <pqxx/connectionpolicy>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string_view>
#include <thread>
#include <vector>

#include "probes/module.h"
#include "probes/net.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

using Clock = std::chrono::steady_clock;

// Identical unrecognised refusals from a live server before we call it fatal.
constexpr int k_unknown_refusals_before_fatal = 3;

const std::vector<std::string> k_options = {
    "writable", "min_free_connections", "sslmode", "sslrootcert",
};

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

struct Config {
  std::string host;
  std::string port;
  int port_number = 5432;
  std::string user;
  std::string password;
  bool has_password = false;
  std::string dbname;
  std::string sslmode;
  std::string sslrootcert;
  bool writable = false;
  std::optional<int> min_free_connections;
};

// libpq's message is "connection to server at "h" (a), port p failed: FATAL:  text\n",
// possibly several lines (one per address tried). Keep the most specific line.
std::string one_line(std::string_view message) {
  std::string out;
  for (const std::string& line : util::split(message, '\n')) {
    std::string_view l = util::trim(line);
    if (l.empty()) continue;
    size_t fatal = l.find("FATAL:");
    if (fatal != std::string_view::npos) {
      out = util::trim(l.substr(fatal + 6));
      break;
    }
    if (out.empty()) out = l;  // the first line names the failure; later ones are hints
  }
  // "connection to server at "127.0.0.1", port 5432 failed: Connection refused"
  size_t failed = out.find(" failed: ");
  if (out.starts_with("connection to server") && failed != std::string::npos) out = out.substr(failed + 9);
  if (out.empty()) return "connection failed";
  // strerror() texts ("Connection refused") read like every other probe's
  // reasons in lower case; acronyms ("SSL SYSCALL error") stay as they are.
  std::string line(out);
  if (line.size() > 1 && std::isupper(static_cast<unsigned char>(line[0])) &&
      std::islower(static_cast<unsigned char>(line[1]))) {
    line[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(line[0])));
  }
  return line;
}

enum class Refusal { not_yet, not_yet_cheap, fatal, unknown };

// What went wrong, as libpq and the server put it: the SQLSTATE when there
// is one (a failed query, or PQping's reading of a refusal), else the text.
struct PgError {
  std::string_view sqlstate;
  std::string_view message;
};

// The one place that maps libpq, libpqxx and server errors to a verdict.
Refusal classify(const PgError& error) {
  if (!error.sqlstate.empty()) {
    std::string_view s = error.sqlstate;
    // 28xxx invalid authorization (28P01 wrong password), 3D000 unknown
    // database, 42xxx syntax or privilege: waiting will not fix them.
    if (s.starts_with("28") || s == "3D000" || s.starts_with("42")) return Refusal::fatal;
    // 57P03 cannot_connect_now (starting up, shutting down, recovery),
    // 57P01/57P02 the server is going down, 57014 statement_timeout, 53xxx
    // too many connections or out of resources, 08xxx connection failure,
    // 40xxx serialization: all pass. So does any other server-side error.
    return Refusal::not_yet;
  }
  std::string_view m = error.message;
  // Nothing reached the server, or the server is not there yet.
  static constexpr std::array k_cheap = {
      "Connection refused", "could not translate host name", "Network is unreachable",
      "No route to host", "Name or service not known", "Temporary failure in name resolution"};
  for (const char* s : k_cheap) {
    if (contains(m, s)) return Refusal::not_yet_cheap;
  }
  static constexpr std::array k_not_yet = {
      // 57P03 (PG15 texts)
      "the database system is starting up", "the database system is shutting down",
      "the database system is in recovery mode", "the database system is not yet accepting connections",
      "the database system is not accepting connections", "the database system is shut down",
      // 53300
      "too many clients", "remaining connection slots are reserved", "too many connections for",
      // the server went away in the middle
      "server closed the connection unexpectedly", "terminating connection due to administrator command",
      "the database system is in crash recovery", "timeout expired", "Connection reset by peer",
      "could not receive data from server", "could not send data to server", "SSL SYSCALL error: EOF detected"};
  for (const char* s : k_not_yet) {
    if (contains(m, s)) return Refusal::not_yet;
  }
  // 28P01, 28000, 3D000 and the client-side refusals (SSL, options).
  static constexpr std::array k_fatal = {
      "password authentication failed", "authentication failed for user", "does not exist",
      "no pg_hba.conf entry", "pg_hba.conf rejects connection", "is not permitted to log in",
      "no password supplied", "permission denied for database", "server does not support SSL",
      "SSL is not enabled on the server", "invalid sslmode value", "certificate verify failed",
      "root certificate file", "does not match host name", "authentication method", "SCRAM authentication requires libpq",
      "invalid connection option", "invalid port number", "unsupported frontend protocol"};
  for (const char* s : k_fatal) {
    if (contains(m, s)) return Refusal::fatal;
  }
  return Refusal::unknown;
}

// Waits until `fd` is readable or writable; false on deadline.
bool wait_socket(int fd, bool for_write, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let libpq report the socket error
  }
}

// One connection attempt: libpq's parameters and deadline going in, and why
// it failed coming out (libpqxx rethrows a failed connect as a
// broken_connection of its own, so the policy keeps the details here).
struct ConnectAttempt {
  const char* const* keys = nullptr;
  const char* const* values = nullptr;
  Clock::time_point deadline;
  enum class Failure { none, no_memory, refused, timed_out } failure = Failure::none;
  std::string message;  // PQerrorMessage() of a refusal
};

// A libpqxx connection policy that connects the non-blocking way (see the top
// of the file). libpqxx calls do_startconnect() from the connection's
// constructor and again, with the handle it got, before do_completeconnect().
class BoundedConnect final : public pqxx::connectionpolicy {
 public:
  explicit BoundedConnect(ConnectAttempt& attempt) : pqxx::connectionpolicy(std::string()), m_attempt(attempt) {}

  handle do_startconnect(handle orig) override {
    if (orig != nullptr) return orig;
    handle conn = PQconnectStartParams(m_attempt.keys, m_attempt.values, 0);
    if (conn == nullptr) {
      m_attempt.failure = ConnectAttempt::Failure::no_memory;
      throw pqxx::broken_connection("libpq could not allocate a connection");
    }
    return conn;
  }

  // Throwing leaves `orig` to libpqxx, which disconnects (PQfinish) it.
  handle do_completeconnect(handle orig) override {
    PostgresPollingStatusType state = PQstatus(orig) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
    while (state != PGRES_POLLING_OK) {
      if (state == PGRES_POLLING_FAILED) {
        m_attempt.failure = ConnectAttempt::Failure::refused;
        m_attempt.message = PQerrorMessage(orig);
        throw pqxx::broken_connection(m_attempt.message);
      }
      if (!wait_socket(PQsocket(orig), state == PGRES_POLLING_WRITING, m_attempt.deadline)) {
        m_attempt.failure = ConnectAttempt::Failure::timed_out;
        throw pqxx::broken_connection("timed out while connecting");
      }
      state = PQconnectPoll(orig);
    }
    m_conn = orig;
    return orig;
  }

  handle do_disconnect(handle orig) noexcept override {
    m_conn = nullptr;
    return pqxx::connectionpolicy::do_disconnect(orig);
  }

  /// The open connection's libpq handle (for PQerrorMessage once libpqxx
  /// has reported a broken connection), or null.
  handle conn() const { return m_conn; }

 private:
  ConnectAttempt& m_attempt;
  handle m_conn = nullptr;
};

// A libpqxx connection made by BoundedConnect; the constructor connects and
// throws pqxx::broken_connection (details in the ConnectAttempt) on failure.
class BoundedConnection final : public pqxx::connection_base {
 public:
  explicit BoundedConnection(ConnectAttempt& attempt) : pqxx::connection_base(m_policy), m_policy(attempt) { init(); }
  ~BoundedConnection() noexcept { close(); }
  BoundedConnection(const BoundedConnection&) = delete;
  BoundedConnection& operator=(const BoundedConnection&) = delete;

  PGconn* raw() const { return m_policy.conn(); }

 private:
  BoundedConnect m_policy;
};

// Shuts a socket down at a deadline unless destroyed first. libpq waits for
// a query's answer in poll() with no timeout (and retries on EINTR), so a
// server that logs us in and then stops answering would hold PQexec, and
// with it the attempt, forever; a shut-down socket reads as end-of-file
// and libpq fails the query. Must be destroyed before the socket is closed.
class SocketDeadline {
 public:
  SocketDeadline(int fd, Clock::time_point deadline)
      : m_thread([this, fd, deadline](std::stop_token stop) {
          std::unique_lock lock(m_mutex);
          m_wake.wait_until(lock, stop, deadline, [] { return false; });
          if (stop.stop_requested()) return;
          m_fired = true;
          ::shutdown(fd, SHUT_RDWR);
        }) {}
  SocketDeadline(const SocketDeadline&) = delete;
  SocketDeadline& operator=(const SocketDeadline&) = delete;
  ~SocketDeadline() {
    m_thread.request_stop();  // wakes the wait (condition_variable_any with a stop token)
    m_thread.join();
  }

  bool fired() const { return m_fired; }

 private:
  std::mutex m_mutex;
  std::condition_variable_any m_wake;
  std::atomic<bool> m_fired{false};
  std::jthread m_thread;  // last: it starts once the members it uses exist
};

class PostgresProbe final : public Probe {
 public:
  explicit PostgresProbe(Config config) : m_config(std::move(config)) {}

  Outcome check(Millis timeout) override;

 private:
  struct Params {
    std::vector<const char*> keys;
    std::vector<const char*> values;
    std::vector<std::string> storage;
  };
  Params params(Millis timeout, const std::vector<std::string>& addresses) const;
  Outcome refused(const std::string& message, Clock::time_point deadline, const std::vector<std::string>& addresses);
  Outcome query(BoundedConnection& conn, Clock::time_point deadline);
  std::string sql() const;
  Outcome judge(const pqxx::result& r) const;

  Config m_config;
  std::string m_last_unknown;
  int m_unknown_repeats = 0;
};

// The IP addresses of host, resolved within the deadline (libpq would call a
// blocking getaddrinfo), to be handed to libpq as hostaddr.
std::expected<std::vector<std::string>, net::NetError> resolve_addresses(const std::string& host, int port,
                                                                         const net::Deadline& deadline) {
  auto endpoints = net::resolve(host, port, deadline);
  if (!endpoints) return std::unexpected(endpoints.error());
  std::vector<std::string> out;
  for (const net::Endpoint& e : *endpoints) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* addr = e.addr.ss_family == AF_INET6
                           ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&e.addr)->sin6_addr)
                           : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&e.addr)->sin_addr);
    if (::inet_ntop(e.addr.ss_family, addr, buf, sizeof buf) == nullptr) continue;
    if (std::find(out.begin(), out.end(), buf) == out.end()) out.emplace_back(buf);
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

std::string repeat_joined(const std::string& item, size_t times) { return joined(std::vector<std::string>(times, item)); }

PostgresProbe::Params PostgresProbe::params(Millis timeout, const std::vector<std::string>& addresses) const {
  long long ms = std::max<long long>(timeout.count(), 1);
  // connect_timeout is whole seconds, at least 2, and applies to each address
  // in turn; our own deadline is the real bound, this only caps PQping.
  long long per_address = ms / 1000 / static_cast<long long>(std::max<size_t>(addresses.size(), 1));
  long long seconds = std::max<long long>(per_address, 2);
  std::vector<std::pair<std::string, std::string>> kv = {
      // One host entry per address: libpq tries them in turn ("localhost"
      // is ::1 and 127.0.0.1); `host` still names the server for TLS.
      {"host", repeat_joined(m_config.host, addresses.size())},
      {"hostaddr", joined(addresses)},
      {"port", repeat_joined(m_config.port, addresses.size())},
      {"application_name", "stackgate"},
      {"connect_timeout", std::to_string(seconds)},
      {"options", "-c statement_timeout=" + std::to_string(ms)},
      {"client_encoding", "UTF8"},
  };
  if (!m_config.user.empty()) kv.emplace_back("user", m_config.user);
  if (m_config.has_password) kv.emplace_back("password", m_config.password);
  if (!m_config.dbname.empty()) kv.emplace_back("dbname", m_config.dbname);
  if (!m_config.sslmode.empty()) kv.emplace_back("sslmode", m_config.sslmode);
  if (!m_config.sslrootcert.empty()) kv.emplace_back("sslrootcert", m_config.sslrootcert);

  Params p;
  p.storage.reserve(kv.size() * 2);
  for (auto& [k, v] : kv) {
    p.storage.push_back(std::move(k));
    p.storage.push_back(std::move(v));
  }
  for (size_t i = 0; i < p.storage.size(); i += 2) {
    p.keys.push_back(p.storage[i].c_str());
    p.values.push_back(p.storage[i + 1].c_str());
  }
  p.keys.push_back(nullptr);
  p.values.push_back(nullptr);
  return p;
}

Outcome PostgresProbe::check(Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  auto addresses = resolve_addresses(m_config.host, m_config.port_number, net::Deadline{deadline, timeout});
  if (!addresses) return net::to_outcome(addresses.error());
  if (addresses->empty()) return Outcome::unresolved(m_config.host + ": name not resolvable yet");
  Params p = params(timeout, *addresses);
  ConnectAttempt attempt;
  attempt.keys = p.keys.data();
  attempt.values = p.values.data();
  attempt.deadline = deadline;
  std::optional<BoundedConnection> conn;
  try {
    conn.emplace(attempt);
  } catch (const pqxx::pqxx_exception& e) {
    switch (attempt.failure) {
      case ConnectAttempt::Failure::refused: return refused(attempt.message, deadline, *addresses);
      case ConnectAttempt::Failure::timed_out:
        return Outcome::not_yet("timed out after " + std::to_string(timeout.count()) + " ms while connecting");
      case ConnectAttempt::Failure::no_memory: return Outcome::not_yet("libpq could not allocate a connection");
      case ConnectAttempt::Failure::none: break;
    }
    // Connected, but libpqxx would not take the session (say, a server older than 9.0).
    return Outcome::not_yet(one_line(e.base().what()));
  }
  m_last_unknown.clear();
  m_unknown_repeats = 0;
  return query(*conn, deadline);
}

Outcome PostgresProbe::refused(const std::string& message, Clock::time_point deadline,
                               const std::vector<std::string>& addresses) {
  std::string line = one_line(message);
  // The server's FATAL line, when there is one, outranks an earlier address's
  // "Connection refused" ("localhost" is ::1, then 127.0.0.1).
  Refusal refusal = classify(PgError{"", line});
  if (refusal == Refusal::unknown) refusal = classify(PgError{"", message});
  switch (refusal) {
    case Refusal::not_yet_cheap: return Outcome::not_yet(line, true);
    case Refusal::not_yet: return Outcome::not_yet(line);
    case Refusal::fatal: return Outcome::fatal(line);
    case Refusal::unknown: break;
  }
  // Unknown (perhaps localised) text: let the server's SQLSTATE decide via
  // PQping. REJECT is 57P03, NO_RESPONSE means it went away. PQping blocks
  // for up to connect_timeout (at least 2 s) per address, so only when that
  // much is left.
  if (deadline - Clock::now() < std::chrono::seconds(2) * static_cast<int>(addresses.size())) {
    return Outcome::not_yet(line);
  }
  Params p = params(std::chrono::duration_cast<Millis>(deadline - Clock::now()), addresses);
  PGPing ping = PQpingParams(p.keys.data(), p.values.data(), 0);
  if (ping != PQPING_OK) {
    m_unknown_repeats = 0;
    return Outcome::not_yet(line);
  }
  m_unknown_repeats = (line == m_last_unknown) ? m_unknown_repeats + 1 : 1;
  m_last_unknown = line;
  if (m_unknown_repeats >= k_unknown_refusals_before_fatal) {
    return Outcome::fatal(line + " (refused " + std::to_string(m_unknown_repeats) + " times by a running server)");
  }
  return Outcome::not_yet(line);
}

// `SELECT 1`, then the asked-for columns, in one statement (one round trip).
std::string PostgresProbe::sql() const {
  std::string sql = "SELECT 1";
  if (m_config.writable) sql += ", pg_catalog.pg_is_in_recovery()";
  if (m_config.min_free_connections) {
    sql +=
        ", current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
        " - (SELECT count(*) FROM pg_catalog.pg_stat_activity"
        " WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid())::int";
  }
  return sql;
}

// The SQLSTATE a libpqxx exception stands for. libpqxx 6.4 maps SQLSTATEs
// to exception classes and, for some, drops the code: insufficient_privilege
// (42501) and transaction_rollback (40xxx) have an empty sqlstate().
std::string sqlstate_of(const pqxx::failure& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr && !sql->sqlstate().empty()) {
    return sql->sqlstate();
  }
  if (dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr) return "42501";
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) return "40000";
  return "";
}

Outcome PostgresProbe::query(BoundedConnection& conn, Clock::time_point deadline) {
  SocketDeadline watchdog(conn.sock(), deadline);
  try {
    pqxx::nontransaction tx(conn);
    return judge(tx.exec(sql()));
  } catch (const pqxx::broken_connection& e) {
    // Also 53300 (too_many_connections) and 08xxx, which libpqxx throws as this.
    if (watchdog.fired()) return Outcome::not_yet("timed out waiting for SELECT 1");
    // libpqxx's own text is generic ("Connection to database failed"); libpq's says why.
    PGconn* raw = conn.raw();
    bool bad = raw != nullptr && PQstatus(raw) == CONNECTION_BAD;
    return Outcome::not_yet(one_line(bad ? PQerrorMessage(raw) : e.what()));
  } catch (const pqxx::failure& e) {
    if (watchdog.fired()) return Outcome::not_yet("timed out waiting for SELECT 1");
    std::string error = one_line(e.what());
    if (classify(PgError{sqlstate_of(e), error}) == Refusal::fatal) return Outcome::fatal(error);
    return Outcome::not_yet(error);
  } catch (const pqxx::pqxx_exception& e) {
    // A value judge() could not convert (pqxx::conversion_error), or a usage error.
    if (watchdog.fired()) return Outcome::not_yet("timed out waiting for SELECT 1");
    return Outcome::not_yet(one_line(e.base().what()));
  }
}

// The row sql() asked for. Throws pqxx::conversion_error on a value that is
// not what the column holds.
Outcome PostgresProbe::judge(const pqxx::result& r) const {
  if (r.size() != 1 || std::string_view(r[0][0].c_str()) != "1") return Outcome::not_yet("SELECT 1 did not return 1");
  int column = 1;
  if (m_config.writable) {
    if (r[0][column++].as<bool>()) return Outcome::not_yet("in recovery (read-only)");
  }
  if (m_config.min_free_connections) {
    int free_slots = r[0][column++].as<int>();
    if (free_slots < *m_config.min_free_connections) {
      return Outcome::not_yet(std::to_string(free_slots) + " free connection slots, want at least " +
                              std::to_string(*m_config.min_free_connections));
    }
  }
  return Outcome::ready();
}

std::expected<Config, std::string> make_config(const ProbeSpec& spec) {
  const Url& url = spec.url;
  for (const auto& [key, value] : url.query) {
    if (std::find(k_options.begin(), k_options.end(), key) != k_options.end()) continue;
    std::string error = "unknown option '" + key + "' for postgres://";
    if (auto close = util::closest_match(key, k_options)) error += " (did you mean '" + *close + "'?)";
    return std::unexpected(error);
  }
  if (url.hosts.size() != 1) return std::unexpected("exactly one host:port expected");
  Config c;
  c.host = url.hosts.front().host;
  if (c.host.empty()) return std::unexpected("no host (stackgate never uses the unix socket)");
  c.port_number = url.hosts.front().port ? url.hosts.front().port : 5432;
  c.port = std::to_string(c.port_number);
  c.user = url.user;
  c.password = url.password;
  c.has_password = url.has_password;
  c.dbname = url.path.starts_with('/') ? url.path.substr(1) : url.path;
  auto writable = url.flag_param("writable");
  if (!writable) return std::unexpected(writable.error());
  if (*writable) c.writable = **writable;
  auto min_free = url.count_param("min_free_connections", 0);
  if (!min_free) return std::unexpected(min_free.error());
  if (*min_free) c.min_free_connections = **min_free;
  if (auto v = url.param("sslmode")) {
    static const std::vector<std::string> k_modes = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
    if (std::find(k_modes.begin(), k_modes.end(), *v) == k_modes.end()) {
      return std::unexpected("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full");
    }
    c.sslmode = *v;
  }
  if (auto v = url.param("sslrootcert")) c.sslrootcert = *v;
  return c;
}

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_postgres_probe(const ProbeSpec& spec) {
  std::expected<Config, std::string> config = make_config(spec);
  if (!config) return std::unexpected(config.error() + " in " + spec.url.redacted());
  return std::make_unique<PostgresProbe>(std::move(*config));
}

STACKGATE_EXPORT_PROBE(make_postgres_probe, "postgres", "postgresql");

}  // namespace stackgate::probes
