#include "tests/integration/servers/fake_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
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

// PostgreSQL wire encoding: big-endian integers, NUL-terminated strings.
void put_int32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put_int16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}
uint32_t get_int32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}
// A backend message: type byte, length (itself included), body.
std::string message(char type, const std::string& body) {
  std::string out(1, type);
  put_int32(out, static_cast<uint32_t>(body.size() + 4));
  return out + body;
}
std::string cstring(const std::string& s) { return s + std::string(1, '\0'); }
std::string ready_for_query() { return message('Z', "I"); }

constexpr uint32_t k_ssl_request = 80877103;
constexpr uint32_t k_gssenc_request = 80877104;

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

FakePostgres::FakePostgres(Answer answer) : m_answer(std::move(answer)), m_fd(listen_loopback(m_port, 16)) {
  m_thread = std::thread([this] { serve(); });
}

FakePostgres::~FakePostgres() {
  m_stop = true;
  m_thread.join();
  ::close(m_fd);
}

std::string FakePostgres::error(const std::string& sqlstate, const std::string& text) {
  std::string fields = "S" + cstring("ERROR") + "V" + cstring("ERROR") + "C" + cstring(sqlstate) + "M" + cstring(text);
  return message('E', fields + std::string(1, '\0')) + ready_for_query();
}

std::string FakePostgres::row(const std::vector<std::string>& values) {
  std::string description, data;
  put_int16(description, static_cast<uint16_t>(values.size()));
  put_int16(data, static_cast<uint16_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    description += cstring("c" + std::to_string(i));
    put_int32(description, 0);           // table oid
    put_int16(description, 0);           // column number
    put_int32(description, 25);          // type oid: text
    put_int16(description, 0xffff);      // type size: variable
    put_int32(description, 0xffffffff);  // type modifier: none
    put_int16(description, 0);           // text format
    put_int32(data, static_cast<uint32_t>(values[i].size()));
    data += values[i];
  }
  return message('T', description) + message('D', data) + message('C', cstring("SELECT 1")) + ready_for_query();
}

// Waits in slices of 50 ms so that the destructor's m_stop ends it.
bool FakePostgres::read_exact(int fd, char* out, size_t n) {
  size_t got = 0;
  while (got < n && !m_stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    ssize_t r = ::recv(fd, out + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return got == n;
}

void FakePostgres::serve() {
  while (!m_stop) {
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int client = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    converse(client);
    ::close(client);
  }
}

void FakePostgres::converse(int client) {
  auto send_all = [client](const std::string& bytes) { ::send(client, bytes.data(), bytes.size(), MSG_NOSIGNAL); };
  // Start-up packets have no type byte: length, then a code or the protocol version.
  while (true) {
    char header[4];
    if (!read_exact(client, header, 4)) return;
    uint32_t length = get_int32(header);
    if (length < 8 || length > 10000) return;
    std::string body(length - 4, '\0');
    if (!read_exact(client, body.data(), body.size())) return;
    uint32_t code = get_int32(body.data());
    if (code == k_ssl_request || code == k_gssenc_request) {
      send_all("N");
      continue;
    }
    break;
  }
  std::string login = message('R', std::string("\0\0\0\0", 4));  // AuthenticationOk
  login += message('S', cstring("server_version") + cstring("15.0"));
  login += message('S', cstring("client_encoding") + cstring("UTF8"));
  login += message('S', cstring("standard_conforming_strings") + cstring("on"));
  login += message('S', cstring("integer_datetimes") + cstring("on"));
  std::string key;
  put_int32(key, 4242);
  put_int32(key, 1);
  login += message('K', key);
  send_all(login + ready_for_query());
  while (true) {
    char header[5];
    if (!read_exact(client, header, 5)) return;
    uint32_t length = get_int32(header + 1);
    if (length < 4 || length > 100000) return;
    std::string body(length - 4, '\0');
    if (!read_exact(client, body.data(), body.size())) return;
    if (header[0] == 'X') return;
    if (header[0] != 'Q') continue;
    std::string answer = m_answer(body.substr(0, body.find('\0')));
    if (!answer.empty()) send_all(answer);
  }
}

}  // namespace stackgate::testing
