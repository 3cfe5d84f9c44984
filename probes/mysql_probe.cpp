// MySQL / MariaDB over libmariadb's non-blocking API (see mysql_probe.h).
//
// Each libmariadb call runs as *_start / *_cont: the library says what it
// waits for (read, write, its own timeout) and we poll the socket against our
// deadline. When the deadline passes mid-call, mariadb_cancel() makes the
// socket fail and mysql_close() frees the handle without blocking.
#include "probes/mysql_probe.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <unistd.h>
#include <netinet/in.h>
#include <poll.h>

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "probes/module.h"
#include "probes/net.h"
#include "util/duration.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

// libmariadb loads authentication plugins (caching_sha2_password, MySQL 8's
// default) from a directory compiled in for Debian. The container image
// carries them next to this module instead (docker/bundle.sh): use that
// directory when it is there.
std::string bundled_plugin_dir() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&bundled_plugin_dir), &info) == 0 || info.dli_fname == nullptr) return "";
  std::string path = info.dli_fname;
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  std::string dir = path.substr(0, slash) + "/mariadb-plugin";
  return ::access(dir.c_str(), R_OK | X_OK) == 0 ? dir : "";
}

}  // namespace

namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> k_options = {"writable", "min_free_connections"};

// Not in every mysqld_error.h: MySQL 8's ER_SERVER_ISNT_AVAILABLE.
constexpr unsigned k_server_isnt_available = 3168;

struct Config {
  std::string host;
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;
  bool writable = false;
  std::optional<int> min_free_connections;
};

// Server and library messages are foreign bytes: one line, printable ASCII.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : (c == '\n' || c == '\r' || c == '\t' ? ' ' : '?');
  }
  return std::string(util::trim(out));
}

// The one place that maps a libmariadb / server error to an outcome.
Outcome classify(unsigned code, std::string_view message) {
  std::string reason = printable(message);
  if (reason.empty()) reason = "error " + std::to_string(code);
  switch (code) {
    case ER_ACCESS_DENIED_ERROR:          // 1045
    case ER_DBACCESS_DENIED_ERROR:        // 1044
    case ER_BAD_DB_ERROR:                 // 1049
    case ER_HOST_NOT_PRIVILEGED:          // 1130
    case ER_NOT_SUPPORTED_AUTH_MODE:      // 1251
    case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:  // 1698
    case ER_MUST_CHANGE_PASSWORD_LOGIN:   // 1862
    case ER_ACCOUNT_HAS_BEEN_LOCKED:      // 4151
    case CR_AUTH_PLUGIN_CANNOT_LOAD:      // 2059
      return Outcome::fatal(reason);
    case ER_HOST_IS_BLOCKED:  // 1129: only FLUSH HOSTS (or a restart) lifts it
      return Outcome::fatal(reason + " (run mysqladmin flush-hosts)");
    case CR_CONN_HOST_ERROR:   // 2003 "Can't connect to server on 'h' (111)"
    case CR_CONNECTION_ERROR:  // 2002
      if (reason.ends_with("(111)")) return Outcome::not_yet("connection refused", true);
      if (reason.ends_with("(113)")) return Outcome::not_yet(reason, true);  // no route to host
      return Outcome::not_yet(reason);
    case ER_CON_COUNT_ERROR:            // 1040 too many connections
    case ER_TOO_MANY_USER_CONNECTIONS:  // 1203
    case ER_SERVER_SHUTDOWN:            // 1053
    case ER_CONNECTION_KILLED:          // 1927
    case k_server_isnt_available:       // 3168
    case CR_SERVER_LOST:                // 2013 lost connection (during the handshake)
    case CR_SERVER_GONE_ERROR:          // 2006
    default:
      return Outcome::not_yet(reason);
  }
}

using Handle = std::unique_ptr<MYSQL, decltype(&mysql_close)>;

class Session {
 public:
  Session(Clock::time_point deadline, Millis budget) : m_deadline(deadline), m_budget(budget) {}

  // Runs one non-blocking call: `start()` and `cont(ready)` return
  // libmariadb's wait status (0 = done). False when the deadline passed.
  template <typename Start, typename Cont>
  bool drive(MYSQL* m, Start start, Cont cont) {
    int status = start();
    while (status != 0) {
      auto left = std::chrono::duration_cast<Millis>(m_deadline - Clock::now());
      if (left.count() <= 0) return false;
      int wait_ms = static_cast<int>(left.count());
      bool library_timeout = false;
      if (status & MYSQL_WAIT_TIMEOUT) {
        auto lib_ms = static_cast<int>(mysql_get_timeout_value_ms(m));
        if (lib_ms < wait_ms) {
          wait_ms = lib_ms;
          library_timeout = true;
        }
      }
      short events = 0;
      if (status & MYSQL_WAIT_READ) events |= POLLIN;
      if (status & MYSQL_WAIT_WRITE) events |= POLLOUT;
      if (status & MYSQL_WAIT_EXCEPT) events |= POLLPRI;
      pollfd p{static_cast<int>(mysql_get_socket(m)), events, 0};
      int n = ::poll(&p, 1, wait_ms);
      if (n < 0 && errno == EINTR) continue;
      int ready = 0;
      if (n == 0) {
        if (!library_timeout) continue;  // our deadline: checked at the top
        ready = MYSQL_WAIT_TIMEOUT;
      } else {
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) ready |= status & MYSQL_WAIT_READ;
        if (p.revents & (POLLOUT | POLLHUP | POLLERR)) ready |= status & MYSQL_WAIT_WRITE;
        if (p.revents & POLLPRI) ready |= MYSQL_WAIT_EXCEPT;
        if (ready == 0) ready = status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
      }
      status = cont(ready);
    }
    return true;
  }

  Outcome timed_out(std::string_view doing) const {
    return Outcome::not_yet("timed out after " + util::format_duration(m_budget) + " " + std::string(doing));
  }

 private:
  Clock::time_point m_deadline;
  Millis m_budget;
};

// Frees a handle whose call may still be in progress: the socket is made to
// fail first, so mysql_close() never waits on the peer.
void abandon(Handle& handle) {
  if (handle) mariadb_cancel(handle.get());
  handle.reset();
}

class MysqlProbe final : public Probe {
 public:
  explicit MysqlProbe(Config config) : m_config(std::move(config)) {}

  Outcome check(Millis timeout) override;

 private:
  // Runs `sql` and returns the first row's columns; an error or timeout as
  // an Outcome.
  std::expected<std::vector<std::string>, Outcome> query(MYSQL* m, Session& session, const std::string& sql);

  Config m_config;
};

std::string address_text(const net::Endpoint& e) {
  char buf[INET6_ADDRSTRLEN] = {};
  const void* addr = e.addr.ss_family == AF_INET6
                         ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&e.addr)->sin6_addr)
                         : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&e.addr)->sin_addr);
  if (::inet_ntop(e.addr.ss_family, addr, buf, sizeof buf) == nullptr) return "";
  return buf;
}

Outcome MysqlProbe::check(Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  // libmariadb would call a blocking getaddrinfo(): resolve within the
  // deadline and hand it addresses, each tried in turn ("localhost" is ::1
  // and 127.0.0.1).
  auto endpoints = net::resolve(m_config.host, m_config.port, net::Deadline{deadline, timeout});
  if (!endpoints) return net::to_outcome(endpoints.error());
  std::optional<Outcome> first_failure;
  for (const net::Endpoint& endpoint : *endpoints) {
    std::string address = address_text(endpoint);
    if (address.empty()) continue;
    Session session(deadline, timeout);
    Handle handle(mysql_init(nullptr), &mysql_close);
    if (!handle) return Outcome::not_yet("libmariadb could not allocate a connection");
    MYSQL* m = handle.get();
    unsigned protocol = MYSQL_PROTOCOL_TCP;
    unsigned seconds = static_cast<unsigned>(std::max<long long>(1, (timeout.count() + 999) / 1000));
    mysql_options(m, MYSQL_OPT_PROTOCOL, &protocol);
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &seconds);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
    mysql_options(m, MYSQL_OPT_NONBLOCK, nullptr);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    static const std::string plugin_dir = bundled_plugin_dir();
    if (!plugin_dir.empty()) mysql_options(m, MYSQL_PLUGIN_DIR, plugin_dir.c_str());
    mysql_optionsv(m, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", "stackgate");

    MYSQL* connected = nullptr;
    const char* db = m_config.database.empty() ? nullptr : m_config.database.c_str();
    bool done = session.drive(
        m,
        [&] {
          return mysql_real_connect_start(&connected, m, address.c_str(), m_config.user.c_str(),
                                          m_config.password.c_str(), db, static_cast<unsigned>(m_config.port),
                                          nullptr, 0);
        },
        [&](int ready) { return mysql_real_connect_cont(&connected, m, ready); });
    if (!done) {
      abandon(handle);
      return session.timed_out("connecting to " + endpoint.text);
    }
    if (connected == nullptr) {
      Outcome failure = classify(mysql_errno(m), mysql_error(m));
      // Another address may answer; a server's answer outranks a refusal.
      bool refused = failure.cheap;
      if (!refused || &endpoint == &endpoints->back()) {
        if (refused && first_failure) return *first_failure;
        return failure;
      }
      if (!first_failure) first_failure = failure;
      continue;
    }

    std::string sql = "SELECT 1";
    if (m_config.writable) sql += ", @@global.read_only";
    if (m_config.min_free_connections) sql += ", @@global.max_connections";
    auto row = query(m, session, sql);
    if (!row) {
      abandon(handle);
      return row.error();
    }
    if (row->empty() || (*row)[0] != "1") return Outcome::not_yet("SELECT 1 did not return 1");
    size_t column = 1;
    if (m_config.writable && (*row)[column++] != "0") return Outcome::not_yet("read-only (@@global.read_only = 1)");
    if (m_config.min_free_connections) {
      int max_connections = std::atoi((*row)[column++].c_str());
      auto threads = query(m, session, "SHOW GLOBAL STATUS LIKE 'Threads_connected'");
      if (!threads) {
        abandon(handle);
        return threads.error();
      }
      if (threads->size() < 2) return Outcome::not_yet("no Threads_connected in SHOW GLOBAL STATUS");
      // Our own session is one of them and leaves with this attempt.
      int others = std::max(0, std::atoi((*threads)[1].c_str()) - 1);
      int free_slots = max_connections - others;
      if (free_slots < *m_config.min_free_connections) {
        return Outcome::not_yet(std::to_string(free_slots) + " free connections (max_connections " +
                                std::to_string(max_connections) + ", " + std::to_string(others) +
                                " connected), want at least " + std::to_string(*m_config.min_free_connections));
      }
    }
    // A polite COM_QUIT within what is left of the attempt; a completed
    // mysql_close_start/_cont has freed the handle.
    if (session.drive(m, [&] { return mysql_close_start(m); }, [&](int ready) { return mysql_close_cont(m, ready); })) {
      (void)handle.release();
    } else {
      abandon(handle);
    }
    return Outcome::ready();
  }
  if (first_failure) return *first_failure;
  return Outcome::unresolved(m_config.host + ": name not resolvable yet");
}

std::expected<std::vector<std::string>, Outcome> MysqlProbe::query(MYSQL* m, Session& session, const std::string& sql) {
  int rc = 0;
  if (!session.drive(
          m, [&] { return mysql_real_query_start(&rc, m, sql.c_str(), static_cast<unsigned long>(sql.size())); },
          [&](int ready) { return mysql_real_query_cont(&rc, m, ready); })) {
    return std::unexpected(session.timed_out("waiting for " + sql));
  }
  if (rc != 0) return std::unexpected(classify(mysql_errno(m), mysql_error(m)));
  MYSQL_RES* result = nullptr;
  if (!session.drive(
          m, [&] { return mysql_store_result_start(&result, m); },
          [&](int ready) { return mysql_store_result_cont(&result, m, ready); })) {
    return std::unexpected(session.timed_out("reading the answer to " + sql));
  }
  if (result == nullptr) {
    if (mysql_errno(m) != 0) return std::unexpected(classify(mysql_errno(m), mysql_error(m)));
    return std::unexpected(Outcome::not_yet("no result for " + sql));
  }
  std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> owned(result, &mysql_free_result);
  std::vector<std::string> out;
  // A stored result is in memory: fetching rows does not block.
  if (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned fields = mysql_num_fields(result);
    for (unsigned i = 0; i < fields; ++i) out.emplace_back(row[i] ? row[i] : "");
  }
  return out;
}

std::expected<Config, std::string> make_config(const ProbeSpec& spec) {
  const Url& url = spec.url;
  for (const auto& [key, value] : url.query) {
    if (std::find(k_options.begin(), k_options.end(), key) != k_options.end()) continue;
    std::string error = "unknown option '" + key + "' for " + url.scheme + "://";
    if (auto close = util::closest_match(key, k_options)) error += " (did you mean '" + *close + "'?)";
    return std::unexpected(error);
  }
  if (url.hosts.size() != 1 || url.hosts.front().host.empty()) {
    return std::unexpected("exactly one host:port expected (stackgate never uses the unix socket)");
  }
  Config c;
  c.host = url.hosts.front().host;
  if (url.hosts.front().port) c.port = url.hosts.front().port;
  c.user = url.user;
  c.password = url.password;
  c.database = url.path.starts_with('/') ? url.path.substr(1) : url.path;
  if (c.database.find('/') != std::string::npos) return std::unexpected("bad database name '" + c.database + "'");
  auto writable = url.flag_param("writable");
  if (!writable) return std::unexpected(writable.error());
  if (*writable) c.writable = **writable;
  auto min_free = url.count_param("min_free_connections", 0);
  if (!min_free) return std::unexpected(min_free.error());
  if (*min_free) c.min_free_connections = **min_free;
  return c;
}

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_mysql_probe(const ProbeSpec& spec) {
  std::expected<Config, std::string> config = make_config(spec);
  if (!config) return std::unexpected(config.error() + " in " + spec.url.redacted());
  return std::make_unique<MysqlProbe>(std::move(*config));
}

STACKGATE_EXPORT_PROBE(make_mysql_probe, "mysql", "mariadb");

}  // namespace stackgate::probes
