#include "test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace stackgate::testing {

TestServer::TestServer(Handler handler, std::string unix_path, int backlog)
    : m_handler(std::move(handler)), m_unix_path(std::move(unix_path)), m_backlog(backlog) {
  if (::pipe(m_wake) != 0) throw std::runtime_error("pipe failed");
  if (m_unix_path.empty()) {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
    socklen_t len = sizeof addr;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
  } else {
    ::unlink(m_unix_path.c_str());
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, m_unix_path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
  }
}

TestServer::~TestServer() {
  char byte = 0;
  (void)::write(m_wake[1], &byte, 1);
  if (m_acceptor.joinable()) m_acceptor.join();
  for (std::thread& t : m_workers) t.join();
  ::close(m_fd);
  ::close(m_wake[0]);
  ::close(m_wake[1]);
  if (!m_unix_path.empty()) ::unlink(m_unix_path.c_str());
}

void TestServer::listen() {
  if (::listen(m_fd, m_backlog) != 0) throw std::runtime_error("listen failed");
  m_acceptor = std::thread([this] { accept_loop(); });
}

void TestServer::listen_without_accepting() {
  if (::listen(m_fd, m_backlog) != 0) throw std::runtime_error("listen failed");
}

std::vector<std::string> TestServer::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

void TestServer::record(std::string request) {
  std::lock_guard lock(m_mutex);
  m_requests.push_back(std::move(request));
}

void TestServer::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_wake[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    int fd = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++m_connections;
    m_workers.emplace_back([this, fd] {
      m_handler(*this, fd);
      ::close(fd);
    });
  }
}

std::string read_request(int fd) {
  std::string data;
  char buf[4096];
  while (data.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return "";
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "";
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string http_response(int status, const std::string& body, const std::string& extra_headers) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
}

TestServer::Handler answer(std::string response) {
  return [response = std::move(response)](TestServer& server, int fd) {
    std::string request = read_request(fd);
    server.record(request);
    write_all(fd, response);
  };
}

TestServer::Handler silent() {
  return [](TestServer&, int fd) {
    // Hold the connection open without answering until the client leaves.
    char buf[4096];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) return;
      if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
    }
  };
}

}  // namespace stackgate::testing
