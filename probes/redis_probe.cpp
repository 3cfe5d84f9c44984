// Redis over hiredis 0.14.1. Its connect timeout bounds only connect(); every
// command is bounded by redisSetTimeout (SO_RCVTIMEO/SO_SNDTIMEO), reset to
// what is left of the attempt before each command, so a hung server cannot
// hold an attempt past its deadline. In 0.14 a timeout surfaces as
// REDIS_ERR_IO with errno EAGAIN/ETIMEDOUT.
#include "probes/redis_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "probes/module.h"
#include "probes/net.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> k_options = {
    "role", "cluster",
};

enum class Role { any, master, replica };

struct Config {
  bool tls = false;
  std::string host;
  int port = 6379;
  std::string user;
  std::string password;
  bool has_password = false;
  std::optional<int> db;
  Role role = Role::any;
  bool cluster = false;
};

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;
using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

timeval to_timeval(std::chrono::microseconds left) {
  long long us = std::max<long long>(left.count(), 1000);
  return timeval{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

// The value of `field` in an INFO-style "key:value\r\n" text, or "".
std::string info_field(std::string_view text, std::string_view field) {
  for (const std::string& line : util::split(text, '\n')) {
    std::string_view l = util::trim(line);
    if (l.size() > field.size() && l.starts_with(field) && l[field.size()] == ':') {
      return std::string(l.substr(field.size() + 1));
    }
  }
  return "";
}

// The one place that maps a Redis error reply to a verdict. `had_password`
// says whether the URL carried credentials (NOAUTH is then not our fault).
Outcome classify_error_reply(std::string_view error, bool had_password) {
  std::string line(util::trim(error.substr(0, error.find('\n'))));
  auto is = [&](std::string_view prefix) { return error.starts_with(prefix); };
  if (is("LOADING") || is("MASTERDOWN") || is("BUSY") || is("TRYAGAIN") || is("CLUSTERDOWN")) {
    return Outcome::not_yet(line);
  }
  if (is("WRONGPASS")) return Outcome::fatal("wrong user name or password (" + line + ")");
  if (is("ERR invalid password")) return Outcome::fatal("wrong password (" + line + ")");
  if (error.find("without any password configured") != std::string_view::npos) {
    return Outcome::fatal("the URL has a password but the server has none configured (" + line + ")");
  }
  if (is("ERR wrong number of arguments for 'auth'")) {
    return Outcome::fatal("the server is older than Redis 6 and has no ACL users; drop the user name from the URL");
  }
  if (is("NOAUTH")) {
    if (had_password) return Outcome::not_yet(line);
    return Outcome::fatal("the server requires a password; put it in the URL (redis://:PASSWORD@host) or password_file");
  }
  if (is("DENIED")) return Outcome::fatal("protected mode: " + line);
  if (is("NOPERM")) return Outcome::fatal(line);
  if (is("ERR DB index is out of range") || is("ERR invalid DB index")) return Outcome::fatal(line);
  if (is("ERR This instance has cluster support disabled")) return Outcome::fatal("cluster=1 but " + line);
  return Outcome::not_yet(line);
}

// A failed or timed-out exchange: the context's I/O error.
Outcome io_failure(const redisContext* c, std::string_view doing) {
  std::string what = c->errstr[0] ? c->errstr : "I/O error";
  if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT)) {
    what = "timed out";
  }
  if (c->err == REDIS_ERR_EOF) what = "server closed the connection";
  return Outcome::not_yet(what + " (" + std::string(doing) + ")");
}

class RedisProbe final : public Probe {
 public:
  explicit RedisProbe(Config config) : m_config(std::move(config)) {}

  Outcome check(Millis timeout) override;

 private:
  // Sends one command; null on an I/O failure or timeout (see io_failure).
  Reply command(redisContext* c, const std::vector<std::string>& argv, Clock::time_point deadline);
  Outcome check_role(redisContext* c, Clock::time_point deadline);
  Outcome check_cluster(redisContext* c, Clock::time_point deadline);
  // A connected context, or null with m_connect_failure set.
  Context connect(Clock::time_point deadline, Millis timeout);

  Outcome m_connect_failure;

  Config m_config;
};

Reply RedisProbe::command(redisContext* c, const std::vector<std::string>& argv, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  if (left.count() <= 0) {
    errno = ETIMEDOUT;
    c->err = REDIS_ERR_IO;
    std::snprintf(c->errstr, sizeof c->errstr, "timed out");
    return Reply(nullptr, &freeReplyObject);
  }
  redisSetTimeout(c, to_timeval(left));
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  void* r = redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lengths.data());
  return Reply(static_cast<redisReply*>(r), &freeReplyObject);
}

// hiredis resolves names with a blocking getaddrinfo: resolve within the
// deadline here, then connect to each address in turn ("localhost" is ::1
// and 127.0.0.1).
Context RedisProbe::connect(Clock::time_point deadline, Millis timeout) {
  Context none(nullptr, &redisFree);
  auto endpoints = net::resolve(m_config.host, m_config.port, net::Deadline{deadline, timeout});
  if (!endpoints) {
    m_connect_failure = net::to_outcome(endpoints.error());
    return none;
  }
  m_connect_failure = Outcome::unresolved(m_config.host + ": name not resolvable yet");
  for (const net::Endpoint& e : *endpoints) {
    char ip[INET6_ADDRSTRLEN] = {};
    const void* addr = e.addr.ss_family == AF_INET6
                           ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&e.addr)->sin6_addr)
                           : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&e.addr)->sin_addr);
    if (::inet_ntop(e.addr.ss_family, addr, ip, sizeof ip) == nullptr) continue;
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      m_connect_failure = Outcome::not_yet("timed out after " + std::to_string(timeout.count()) + " ms while connecting");
      return none;
    }
    Context c(redisConnectWithTimeout(ip, m_config.port, to_timeval(left)), &redisFree);
    if (!c) {
      m_connect_failure = Outcome::not_yet("hiredis could not allocate a context");
      return none;
    }
    if (!c->err) return c;
    std::string what = c->errstr;
    bool cheap = what.find("refused") != std::string::npos || what.find("No route") != std::string::npos ||
                 what.find("unreachable") != std::string::npos;
    if (what.find("timed out") != std::string::npos || what.find("in progress") != std::string::npos) {
      what = "timed out after " + std::to_string(timeout.count()) + " ms while connecting";
    }
    m_connect_failure = Outcome::not_yet(what, cheap);
  }
  return none;
}

Outcome RedisProbe::check(Millis timeout) {
  if (m_config.tls) return Outcome::fatal("TLS not supported by this build (hiredis 0.14); use redis:// or a TLS proxy");
  const Clock::time_point deadline = Clock::now() + timeout;

  Context c = connect(deadline, timeout);
  if (!c) return m_connect_failure;

  if (m_config.has_password) {
    std::vector<std::string> auth = {"AUTH"};
    if (!m_config.user.empty()) auth.push_back(m_config.user);
    auth.push_back(m_config.password);
    Reply r = command(c.get(), auth, deadline);
    if (!r) return io_failure(c.get(), "AUTH");
    if (r->type == REDIS_REPLY_ERROR) return classify_error_reply({r->str, r->len}, true);
  }
  if (m_config.db) {
    Reply r = command(c.get(), {"SELECT", std::to_string(*m_config.db)}, deadline);
    if (!r) return io_failure(c.get(), "SELECT");
    if (r->type == REDIS_REPLY_ERROR) return classify_error_reply({r->str, r->len}, m_config.has_password);
  }
  {
    Reply r = command(c.get(), {"PING"}, deadline);
    if (!r) return io_failure(c.get(), "PING");
    if (r->type == REDIS_REPLY_ERROR) return classify_error_reply({r->str, r->len}, m_config.has_password);
    if (r->type != REDIS_REPLY_STATUS || std::string_view(r->str, r->len) != "PONG") {
      return Outcome::not_yet("PING did not answer PONG");
    }
  }
  if (m_config.role != Role::any) {
    Outcome o = check_role(c.get(), deadline);
    if (o.verdict != Verdict::ready) return o;
  }
  if (m_config.cluster) {
    Outcome o = check_cluster(c.get(), deadline);
    if (o.verdict != Verdict::ready) return o;
  }
  return Outcome::ready();
}

Outcome RedisProbe::check_role(redisContext* c, Clock::time_point deadline) {
  Reply r = command(c, {"INFO", "replication"}, deadline);
  if (!r) return io_failure(c, "INFO replication");
  if (r->type == REDIS_REPLY_ERROR) return classify_error_reply({r->str, r->len}, m_config.has_password);
  if (r->type != REDIS_REPLY_STRING) return Outcome::not_yet("INFO replication: unexpected reply type");
  std::string_view info(r->str, r->len);
  std::string role = info_field(info, "role");
  if (m_config.role == Role::master) {
    if (role != "master") return Outcome::not_yet("role is " + (role == "slave" ? std::string("replica") : role) + ", want master");
    return Outcome::ready();
  }
  if (role != "slave") return Outcome::not_yet("role is " + role + ", want replica");
  std::string link = info_field(info, "master_link_status");
  if (link != "up") return Outcome::not_yet("replica: master_link_status:" + link);
  std::string syncing = info_field(info, "master_sync_in_progress");
  if (syncing != "0") return Outcome::not_yet("replica: master_sync_in_progress:" + syncing);
  return Outcome::ready();
}

Outcome RedisProbe::check_cluster(redisContext* c, Clock::time_point deadline) {
  Reply r = command(c, {"CLUSTER", "INFO"}, deadline);
  if (!r) return io_failure(c, "CLUSTER INFO");
  if (r->type == REDIS_REPLY_ERROR) return classify_error_reply({r->str, r->len}, m_config.has_password);
  if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) {
    return Outcome::not_yet("CLUSTER INFO: unexpected reply type");
  }
  std::string_view info(r->str, r->len);
  std::string state = info_field(info, "cluster_state");
  if (state != "ok") return Outcome::not_yet("cluster_state:" + state);
  std::string slots = info_field(info, "cluster_slots_ok");
  if (slots != "16384") return Outcome::not_yet("cluster_slots_ok:" + slots + " of 16384");
  return Outcome::ready();
}

std::expected<Config, std::string> make_config(const ProbeSpec& spec) {
  const Url& url = spec.url;
  for (const auto& [key, value] : url.query) {
    if (std::find(k_options.begin(), k_options.end(), key) != k_options.end()) continue;
    std::string error = "unknown option '" + key + "' for redis://";
    if (auto close = util::closest_match(key, k_options)) error += " (did you mean '" + *close + "'?)";
    return std::unexpected(error);
  }
  if (url.hosts.size() != 1 || url.hosts.front().host.empty()) {
    return std::unexpected("exactly one host:port expected");
  }
  Config c;
  c.tls = (url.scheme == "rediss");
  c.host = url.hosts.front().host;
  if (url.hosts.front().port) c.port = url.hosts.front().port;
  c.user = url.user;
  c.password = url.password;
  c.has_password = url.has_password;
  std::string_view db = url.path;
  if (db.starts_with('/')) db.remove_prefix(1);
  if (!db.empty()) {
    int n = -1;
    auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), n);
    if (ec != std::errc() || end != db.data() + db.size() || n < 0) {
      return std::unexpected("the path must be a database number (redis://host:6379/0), not '" +
                             std::string(db) + "'");
    }
    c.db = n;
  }
  if (auto v = url.param("role")) {
    if (*v == "master" || *v == "primary") {
      c.role = Role::master;
    } else if (*v == "replica" || *v == "slave") {
      c.role = Role::replica;
    } else if (*v == "any") {
      c.role = Role::any;
    } else {
      return std::unexpected("role must be master, replica or any, not '" + *v + "'");
    }
  }
  if (auto v = url.param("cluster")) {
    if (*v != "1" && *v != "0" && *v != "true" && *v != "false") {
      return std::unexpected("cluster must be 1 or 0, not '" + *v + "'");
    }
    c.cluster = (*v == "1" || *v == "true");
  }
  return c;
}

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_redis_probe(const ProbeSpec& spec) {
  std::expected<Config, std::string> config = make_config(spec);
  if (!config) return std::unexpected(config.error() + " in " + spec.url.redacted());
  return std::make_unique<RedisProbe>(std::move(*config));
}

STACKGATE_EXPORT_PROBE(make_redis_probe, "redis", "rediss");

}  // namespace stackgate::probes
