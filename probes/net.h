// Socket helpers for probes: name resolution, connect, send and receive, all
// bounded by one deadline, and the mapping of their failures to an Outcome.
//
// Nothing here sleeps or retries; every call returns by its deadline (name
// resolution uses getaddrinfo_a so a slow resolver cannot hold a probe).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/probe.h"

namespace stackgate::probes::net {

using Clock = std::chrono::steady_clock;

// When an attempt must be over, and the budget it started with (for reasons
// such as "timed out after 2s connecting to db:5432").
struct Deadline {
  Clock::time_point at;
  Millis budget{0};

  static Deadline after(Millis budget) { return {Clock::now() + budget, budget}; }
  Millis remaining() const;
  bool passed() const { return Clock::now() >= at; }
};

enum class NetFailure {
  refused,      // ECONNREFUSED; nothing listens yet
  unreachable,  // ENETUNREACH, EHOSTUNREACH
  dns,          // name not resolvable (yet): EAI_NONAME, EAI_AGAIN
  timeout,      // the deadline passed
  reset,        // ECONNRESET, EPIPE
  closed,       // the peer closed before we had what we needed
  missing,      // unix socket path does not exist (yet)
  denied,       // EACCES on a unix socket: waiting will not help
  other,
};

struct NetError {
  NetFailure kind = NetFailure::other;
  std::string message;  // one line: "connection refused", "db: name not resolvable yet"
  int gai_code = 0;     // getaddrinfo's EAI_* when name resolution failed, else 0
};

/// Maps a failure to an Outcome: refused, unreachable, dns and missing are
/// cheap not_yet; timeout, reset, closed and other are not_yet; denied is fatal.
Outcome to_outcome(const NetError& error);

/// A connected socket; closes on destruction.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : m_fd(fd) {}
  Socket(Socket&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  int fd() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }

 private:
  int m_fd = -1;
};

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;  // "10.0.0.5:5432", "[::1]:5432"
};

/// What to ask the resolver for: an address family (AF_UNSPEC, AF_INET,
/// AF_INET6) and whether to skip families the host has no address of
/// (AI_ADDRCONFIG, right for connecting, wrong for counting DNS records).
struct ResolveHints {
  int family = AF_UNSPEC;
  bool addrconfig = true;
};

/// Resolves host:port (TCP). IP literals never touch the resolver.
std::expected<std::vector<Endpoint>, NetError> resolve(const std::string& host, int port, const Deadline& deadline,
                                                       ResolveHints hints = {});

/// Resolves and connects, trying each address in turn within the deadline.
/// Timeout messages read "timed out after 2s connecting to db:5432".
std::expected<Socket, NetError> connect_tcp(const std::string& host, int port, const Deadline& deadline);

/// Connects to a unix stream socket.
std::expected<Socket, NetError> connect_unix(const std::string& path, const Deadline& deadline);

/// Writes all of `data`. `what` names the peer in errors ("db:5432").
std::expected<void, NetError> send_all(const Socket& socket, std::string_view data, const Deadline& deadline,
                                       std::string_view what);

/// Reads what is available (at least one byte, waiting up to the deadline);
/// 0 means the peer closed the connection.
std::expected<size_t, NetError> recv_some(const Socket& socket, char* buffer, size_t size, const Deadline& deadline,
                                          std::string_view what);

}  // namespace stackgate::probes::net
