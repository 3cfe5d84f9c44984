#include "gate/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace stackgate::gate {
namespace {

using SteadyTime = std::chrono::steady_clock;
constexpr auto k_io_budget = std::chrono::seconds(2);
constexpr size_t k_max_request_head = 16 * 1024;
std::atomic<int> g_connections{0};
// Signalled when a connection ends, for run() waiting for a free slot.
std::mutex g_slots_mutex;
std::condition_variable g_slot_freed;

std::string reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// Waits for `events` on `fd` until `until`; false on timeout or error.
bool wait_fd(int fd, short events, SteadyTime::time_point until) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyTime::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

bool send_all(int fd, const std::string& data, SteadyTime::time_point until) {
  size_t sent = 0;
  while (sent < data.size()) {
    if (!wait_fd(fd, POLLOUT, until)) return false;
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads up to the end of the request head; nullopt-like empty string on a
// client that is too slow, too big or gone.
std::string read_head(int fd, SteadyTime::time_point until) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos) {
    if (head.size() > k_max_request_head || !wait_fd(fd, POLLIN, until)) return "";
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return "";
    head.append(buf, static_cast<size_t>(n));
  }
  return head;
}

HttpResponse answer(const std::string& head, const HttpServer::Handler& handler) {
  size_t eol = head.find_first_of("\r\n");
  std::string line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return {400, "text/plain; charset=utf-8", "bad request line\n"};
  HttpRequest request;
  request.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t q = target.find('?');
  request.path = target.substr(0, q);
  if (q != std::string::npos) request.query = target.substr(q + 1);
  if (request.method != "GET" && request.method != "HEAD") {
    return {405, "text/plain; charset=utf-8", "only GET and HEAD\n"};
  }
  return handler(request);
}

void serve_connection(int fd, std::shared_ptr<const HttpServer::Handler> handler) {
  auto until = SteadyTime::now() + k_io_budget;
  std::string head = read_head(fd, until);
  if (!head.empty()) {
    HttpResponse response = answer(head, *handler);
    bool head_only = head.rfind("HEAD ", 0) == 0;
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) +
                      "\r\nContent-Type: " + response.content_type +
                      "\r\nContent-Length: " + std::to_string(response.body.size()) +
                      "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    if (!head_only) out += response.body;
    send_all(fd, out, until);
    ::shutdown(fd, SHUT_WR);
  }
  ::close(fd);
}

std::string errno_text() { return std::strerror(errno); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string query_value(const std::string& query, const std::string& key) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == key) {
      return eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return "";
}

HttpServer::~HttpServer() {
  if (m_fd >= 0) ::close(m_fd);
  if (!m_unix_path.empty()) ::unlink(m_unix_path.c_str());
}

std::expected<void, std::string> HttpServer::listen(const std::string& address) {
  if (address.rfind("unix:", 0) == 0) {
    std::string path = address.substr(5);
    sockaddr_un sa{};
    if (path.empty() || path.size() >= sizeof sa.sun_path) return std::unexpected("invalid unix socket path '" + path + "'");
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::unexpected("socket: " + errno_text());
    ::unlink(path.c_str());  // a stale socket from an earlier run
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 64) != 0) {
      std::string e = "cannot listen on " + address + ": " + errno_text();
      ::close(fd);
      return std::unexpected(e);
    }
    m_fd = fd;
    m_unix_path = path;
    m_bound = address;
    return {};
  }
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return std::unexpected("expected HOST:PORT or unix:/path, got '" + address + "'");
  std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return std::unexpected("cannot listen on " + address + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  std::string last = "no address";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
      last = errno_text();
      ::close(fd);
      continue;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    char hostbuf[NI_MAXHOST], portbuf[NI_MAXSERV];
    ::getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, hostbuf, sizeof hostbuf, portbuf, sizeof portbuf,
                  NI_NUMERICHOST | NI_NUMERICSERV);
    m_fd = fd;
    m_bound = ss.ss_family == AF_INET6 ? "[" + std::string(hostbuf) + "]:" + portbuf
                                       : std::string(hostbuf) + ":" + portbuf;
    return {};
  }
  return std::unexpected("cannot listen on " + address + ": " + last);
}

void HttpServer::run(Handler handler, const std::atomic<bool>& cancelled) {
  auto shared = std::make_shared<const Handler>(std::move(handler));
  while (!m_stop.load() && !cancelled.load()) {
    if (g_connections.load() >= k_max_connections) {
      // Every slot busy: leave new connections in the kernel's listen backlog
      // (64) until one frees. Closing them instead failed 4 of every 10
      // scrapes under 20 concurrent scrapers (bench/serve_cost); each slot is
      // held at most one bounded request, so the wait is short.
      std::unique_lock lock(g_slots_mutex);
      g_slot_freed.wait_for(lock, std::chrono::milliseconds(50),
                            [] { return g_connections.load() < k_max_connections; });
      continue;
    }
    pollfd p{m_fd, POLLIN, 0};
    int n = ::poll(&p, 1, 50);
    if (n <= 0) continue;
    int client = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    g_connections.fetch_add(1);
    try {
      std::thread([client, shared] {
        serve_connection(client, shared);
        {
          std::lock_guard lock(g_slots_mutex);
          g_connections.fetch_sub(1);
        }
        g_slot_freed.notify_one();
      }).detach();
    } catch (const std::system_error&) {
      g_connections.fetch_sub(1);
      ::close(client);
    }
  }
}

void HttpServer::stop() { m_stop = true; }

}  // namespace stackgate::gate
