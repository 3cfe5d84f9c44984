#include "tests/integration/servers/fake_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace stackgate::testing {
namespace {

// A listening socket on 127.0.0.1 with an ephemeral port; returns fd, sets port.
int listen_loopback(int& port, int backlog) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, backlog) != 0) {
    throw std::runtime_error("fake server: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

SilentServer::SilentServer() : m_fd(listen_loopback(m_port, 64)) {}

SilentServer::~SilentServer() { ::close(m_fd); }

CannedServer::CannedServer(std::string reply)
    : CannedServer(Responder([reply = std::move(reply)](const std::string&) { return reply; })) {}

CannedServer::CannedServer(Responder responder) : m_respond(std::move(responder)), m_fd(listen_loopback(m_port, 16)) {
  m_thread = std::thread([this] { serve(); });
}

CannedServer::~CannedServer() {
  m_stop = true;
  m_thread.join();
  ::close(m_fd);
}

void CannedServer::serve() {
  while (!m_stop) {
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int client = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++m_connections;
    // One read is enough for the small requests of the protocols faked here.
    std::string request;
    char buffer[65536];
    pollfd c{client, POLLIN, 0};
    if (::poll(&c, 1, 200) > 0) {
      ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n > 0) request.assign(buffer, static_cast<size_t>(n));
    }
    std::string reply = m_respond(request);
    ::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::shutdown(client, SHUT_WR);
    ::close(client);
  }
}

}  // namespace stackgate::testing
