// PostgreSQL over libpq (not libpqxx: libpqxx 6 throws broken_connection for
// every connect failure, which hides what a readiness probe must tell apart).
//
// libpq gives no SQLSTATE for a failed connection, only PQerrorMessage(), so
// outcomes are classified on the server's (English) message text. A server
// whose lc_messages is not English produces text we do not know; we then ask
// PQpingParams, which does read the SQLSTATE: 57P03 means not yet, anything
// else means the server is up and refused us, which becomes fatal once the
// same message has come back a few times in a row.
#include "probes/postgres_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string_view>
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

// The one place that maps libpq and server connection errors to a verdict.
Refusal classify_connect_error(std::string_view m) {
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
  Outcome refused(PGconn* conn, Clock::time_point deadline, const std::vector<std::string>& addresses);
  Outcome query(PGconn* conn, Clock::time_point deadline);

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

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

Outcome PostgresProbe::check(Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  auto addresses = resolve_addresses(m_config.host, m_config.port_number, net::Deadline{deadline, timeout});
  if (!addresses) return net::to_outcome(addresses.error());
  if (addresses->empty()) return Outcome::unresolved(m_config.host + ": name not resolvable yet");
  Params p = params(timeout, *addresses);
  Conn conn(PQconnectStartParams(p.keys.data(), p.values.data(), 0), &PQfinish);
  if (!conn) return Outcome::not_yet("libpq could not allocate a connection");
  if (PQstatus(conn.get()) == CONNECTION_BAD) return refused(conn.get(), deadline, *addresses);

  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) return refused(conn.get(), deadline, *addresses);
    if (!wait_socket(PQsocket(conn.get()), state == PGRES_POLLING_WRITING, deadline)) {
      return Outcome::not_yet("timed out after " + std::to_string(timeout.count()) + " ms while connecting");
    }
    state = PQconnectPoll(conn.get());
  }
  m_last_unknown.clear();
  m_unknown_repeats = 0;
  return query(conn.get(), deadline);
}

Outcome PostgresProbe::refused(PGconn* conn, Clock::time_point deadline, const std::vector<std::string>& addresses) {
  std::string message = PQerrorMessage(conn);
  std::string line = one_line(message);
  // The server's FATAL line, when there is one, outranks an earlier address's
  // "Connection refused" ("localhost" is ::1, then 127.0.0.1).
  Refusal refusal = classify_connect_error(line);
  if (refusal == Refusal::unknown) refusal = classify_connect_error(message);
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

Outcome PostgresProbe::query(PGconn* conn, Clock::time_point deadline) {
  std::string sql = "SELECT 1";
  if (m_config.writable) sql += ", pg_catalog.pg_is_in_recovery()";
  if (m_config.min_free_connections) {
    sql +=
        ", current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
        " - (SELECT count(*) FROM pg_catalog.pg_stat_activity"
        " WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid())::int";
  }
  if (PQsetnonblocking(conn, 1) != 0 || PQsendQuery(conn, sql.c_str()) != 1) {
    return Outcome::not_yet("could not send query: " + one_line(PQerrorMessage(conn)));
  }
  while (PQflush(conn) == 1) {
    if (!wait_socket(PQsocket(conn), true, deadline)) return Outcome::not_yet("timed out sending SELECT 1");
  }
  using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;
  Result first(nullptr, &PQclear);
  while (true) {
    while (PQisBusy(conn)) {
      if (!wait_socket(PQsocket(conn), false, deadline)) return Outcome::not_yet("timed out waiting for SELECT 1");
      if (PQconsumeInput(conn) != 1) return Outcome::not_yet(one_line(PQerrorMessage(conn)));
    }
    Result r(PQgetResult(conn), &PQclear);
    if (!r) break;
    if (!first) first = std::move(r);
  }
  if (!first) return Outcome::not_yet("no result for SELECT 1");
  if (PQresultStatus(first.get()) != PGRES_TUPLES_OK) {
    std::string error = one_line(PQresultErrorMessage(first.get()));
    const char* state = PQresultErrorField(first.get(), PG_DIAG_SQLSTATE);
    std::string_view sqlstate = state ? state : "";
    // 42xxx (syntax/privilege) and 28xxx (authorization) will not fix themselves.
    if (sqlstate.starts_with("42") || sqlstate.starts_with("28")) return Outcome::fatal(error);
    return Outcome::not_yet(error);
  }
  if (PQntuples(first.get()) != 1 || std::string_view(PQgetvalue(first.get(), 0, 0)) != "1") {
    return Outcome::not_yet("SELECT 1 did not return 1");
  }
  int column = 1;
  if (m_config.writable) {
    if (std::string_view(PQgetvalue(first.get(), 0, column++)) != "f") {
      return Outcome::not_yet("in recovery (read-only)");
    }
  }
  if (m_config.min_free_connections) {
    int free_slots = std::atoi(PQgetvalue(first.get(), 0, column++));
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
