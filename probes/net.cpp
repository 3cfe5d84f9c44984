// Deadline-bounded sockets. Every wait is a poll() on the remaining time, so
// an attempt ends by its deadline whatever the peer does.
#include "probes/net.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "util/duration.h"

namespace stackgate::probes::net {

namespace {

std::string host_port(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

NetError timed_out(const Deadline& deadline, std::string_view doing) {
  return {NetFailure::timeout, "timed out after " + util::format_duration(deadline.budget) + " " + std::string(doing)};
}

NetError from_errno(int err, std::string_view what) {
  switch (err) {
    case ECONNREFUSED: return {NetFailure::refused, "connection refused"};
    case ENETUNREACH: return {NetFailure::unreachable, "network unreachable for " + std::string(what)};
    case EHOSTUNREACH: return {NetFailure::unreachable, "no route to host " + std::string(what)};
    case ECONNRESET:
    case EPIPE: return {NetFailure::reset, "connection reset by " + std::string(what)};
    case ETIMEDOUT: return {NetFailure::timeout, "timed out connecting to " + std::string(what)};
    default: return {NetFailure::other, std::string(what) + ": " + std::strerror(err)};
  }
}

// Waits for `events` on fd; false when the deadline passed first.
bool wait_for(int fd, short events, const Deadline& deadline) {
  for (;;) {
    auto left = deadline.at - Clock::now();
    if (left <= Clock::duration::zero()) return false;
    auto us = std::chrono::ceil<std::chrono::microseconds>(left).count();
    timespec ts{static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
    pollfd p{fd, events, 0};
    int n = ppoll(&p, 1, &ts, nullptr);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the following syscall report the error
  }
}

// True when a connected socket's local address is its peer's: connecting to
// a closed loopback port inside the ephemeral range can pick that very port
// as the local one, and the SYN then meets itself (TCP simultaneous open).
// connect() succeeds although nothing listens.
bool connected_to_itself(int fd) {
  sockaddr_storage local{}, peer{};
  socklen_t local_len = sizeof local, peer_len = sizeof peer;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return false;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return false;
  if (local.ss_family != peer.ss_family) return false;
  if (local.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&local);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&peer);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (local.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&local);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(&peer);
    return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
  }
  return false;
}

// One getaddrinfo_a() request. Freed when done or cancelled; leaked on
// purpose when the resolver thread still holds it after our deadline.
struct Lookup {
  std::string host;
  std::string service;
  addrinfo hints{};
  gaicb request{};
};

std::expected<std::vector<Endpoint>, NetError> endpoints_from(const addrinfo* list) {
  std::vector<Endpoint> out;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    Endpoint e;
    std::memcpy(&e.addr, ai->ai_addr, ai->ai_addrlen);
    e.len = ai->ai_addrlen;
    char buf[INET6_ADDRSTRLEN] = {};
    int port = 0;
    if (ai->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
      port = ntohs(sin->sin_port);
    } else if (ai->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
      port = ntohs(sin6->sin6_port);
    } else {
      continue;
    }
    e.text = host_port(buf, port);
    out.push_back(std::move(e));
  }
  return out;
}

NetError from_gai(int rc, const std::string& host) {
  switch (rc) {
    case EAI_NONAME:
    case EAI_AGAIN:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
    case EAI_FAIL: return {NetFailure::dns, host + ": name not resolvable yet", rc};
    case EAI_SYSTEM: return {NetFailure::other, host + ": name lookup failed: " + std::strerror(errno), rc};
    default: return {NetFailure::other, host + ": name lookup failed: " + gai_strerror(rc), rc};
  }
}

// EACCES on a unix socket (the classic 502 of a proxy in front of an app
// server): what the socket allows and who asked, so the fix is obvious.
std::string unix_denied(const std::string& path) {
  std::string who = "probing as uid " + std::to_string(::geteuid()) + " gid " + std::to_string(::getegid());
  std::string head = "permission denied connecting to unix socket " + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return head + " (cannot stat it: " + std::strerror(errno) + "; " + who + ")";
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return head + " (mode " + mode + ", owner uid " + std::to_string(st.st_uid) + " gid " + std::to_string(st.st_gid) +
         "; " + who + ")";
}

}  // namespace

Millis Deadline::remaining() const {
  auto left = std::chrono::duration_cast<Millis>(at - Clock::now());
  return left.count() > 0 ? left : Millis(0);
}

Outcome to_outcome(const NetError& error) {
  switch (error.kind) {
    case NetFailure::refused:
    case NetFailure::unreachable:
    case NetFailure::missing: return Outcome::not_yet(error.message, true);
    case NetFailure::dns: return Outcome::unresolved(error.message);
    case NetFailure::denied: return Outcome::fatal(error.message);
    case NetFailure::timeout:
    case NetFailure::reset:
    case NetFailure::closed:
    case NetFailure::other: return Outcome::not_yet(error.message);
  }
  return Outcome::not_yet(error.message);
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

Socket::~Socket() {
  if (m_fd >= 0) ::close(m_fd);
}

std::expected<std::vector<Endpoint>, NetError> resolve(const std::string& host, int port, const Deadline& deadline,
                                                       ResolveHints wanted) {
  addrinfo hints{};
  hints.ai_family = wanted.family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  std::string service = std::to_string(port);
  addrinfo* list = nullptr;
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &list) == 0) {
    auto out = endpoints_from(list);
    freeaddrinfo(list);
    return out;
  }

  auto lookup = std::make_unique<Lookup>();
  lookup->host = host;
  lookup->service = service;
  lookup->hints.ai_family = wanted.family;
  lookup->hints.ai_socktype = SOCK_STREAM;
  lookup->hints.ai_flags = (wanted.addrconfig ? AI_ADDRCONFIG : 0) | AI_NUMERICSERV;
  lookup->request.ar_name = lookup->host.c_str();
  lookup->request.ar_service = lookup->service.c_str();
  lookup->request.ar_request = &lookup->hints;
  gaicb* requests[] = {&lookup->request};
  int rc = getaddrinfo_a(GAI_NOWAIT, requests, 1, nullptr);
  if (rc != 0) return std::unexpected(from_gai(rc, host));
  for (;;) {
    rc = gai_error(&lookup->request);
    if (rc != EAI_INPROGRESS) break;
    auto left = deadline.at - Clock::now();
    if (left <= Clock::duration::zero()) {
      int cancel = gai_cancel(&lookup->request);
      if (cancel == EAI_ALLDONE) {
        rc = gai_error(&lookup->request);
        break;
      }
      if (cancel == EAI_NOTCANCELED) (void)lookup.release();  // still in use by the resolver thread
      return std::unexpected(timed_out(deadline, "resolving " + host));
    }
    auto us = std::chrono::ceil<std::chrono::microseconds>(left).count();
    timespec ts{static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
    gai_suspend(requests, 1, &ts);
  }
  if (rc != 0) return std::unexpected(from_gai(rc, host));
  auto out = endpoints_from(lookup->request.ar_result);
  freeaddrinfo(lookup->request.ar_result);
  if (out && out->empty()) return std::unexpected(NetError{NetFailure::dns, host + ": name not resolvable yet", EAI_NODATA});
  return out;
}

std::expected<Socket, NetError> connect_tcp(const std::string& host, int port, const Deadline& deadline) {
  std::string what = host_port(host, port);
  auto endpoints = resolve(host, port, deadline);
  if (!endpoints) return std::unexpected(endpoints.error());
  std::optional<NetError> first_error;
  for (const Endpoint& e : *endpoints) {
    Socket s(::socket(e.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s.valid()) return std::unexpected(from_errno(errno, what));
    int err = 0;
    if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&e.addr), e.len) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        if (!wait_for(s.fd(), POLLOUT, deadline)) return std::unexpected(timed_out(deadline, "connecting to " + what));
        socklen_t len = sizeof err;
        getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err == 0 && connected_to_itself(s.fd())) {
      if (!first_error) {
        first_error = NetError{NetFailure::refused,
                               "connection refused (the socket connected to itself: nothing listens on " + e.text + ")"};
      }
      continue;
    }
    if (err == 0) {
      // Only on a connection: a refused attempt (most of them while a
      // server starts) costs one system call less.
      int one = 1;
      setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return s;
    }
    // Another address may answer ("localhost" is ::1 and 127.0.0.1).
    if (!first_error) first_error = from_errno(err, what);
    if (deadline.passed()) break;
  }
  if (!first_error) return std::unexpected(NetError{NetFailure::dns, host + ": name not resolvable yet"});
  return std::unexpected(*first_error);
}

std::expected<Socket, NetError> connect_unix(const std::string& path, const Deadline& deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return std::unexpected(NetError{NetFailure::other, "unix socket path too long: " + path});
  std::memcpy(addr.sun_path, path.data(), path.size());
  Socket s(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.valid()) return std::unexpected(from_errno(errno, path));
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return s;
  int err = errno;
  switch (err) {
    case ENOENT: return std::unexpected(NetError{NetFailure::missing, "unix socket " + path + " does not exist yet"});
    case EACCES: return std::unexpected(NetError{NetFailure::denied, unix_denied(path)});
    case EAGAIN: return std::unexpected(NetError{NetFailure::other, "unix socket " + path + " backlog full"});
    case EINPROGRESS:
      if (!wait_for(s.fd(), POLLOUT, deadline)) return std::unexpected(timed_out(deadline, "connecting to " + path));
      return s;
    default: return std::unexpected(from_errno(err, path));
  }
}

std::expected<void, NetError> send_all(const Socket& socket, std::string_view data, const Deadline& deadline,
                                       std::string_view what) {
  while (!data.empty()) {
    ssize_t n = ::send(socket.fd(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(socket.fd(), POLLOUT, deadline)) {
        return std::unexpected(timed_out(deadline, "sending to " + std::string(what)));
      }
      continue;
    }
    return std::unexpected(from_errno(errno, what));
  }
  return {};
}

std::expected<size_t, NetError> recv_some(const Socket& socket, char* buffer, size_t size, const Deadline& deadline,
                                          std::string_view what) {
  for (;;) {
    ssize_t n = ::recv(socket.fd(), buffer, size, 0);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(socket.fd(), POLLIN, deadline)) {
        return std::unexpected(timed_out(deadline, "waiting for an answer from " + std::string(what)));
      }
      continue;
    }
    return std::unexpected(from_errno(errno, what));
  }
}

}  // namespace stackgate::probes::net
