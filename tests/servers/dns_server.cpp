#include "tests/servers/dns_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "tests/servers/harness.h"

namespace stackgate::testing {
namespace {

constexpr uint16_t k_type_a = 1;
constexpr uint16_t k_type_aaaa = 28;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void bind_file(const std::string& source, const char* target) {
  if (::mount(source.c_str(), target, nullptr, MS_BIND, nullptr) != 0) fail(std::string("bind-mounting over ") + target);
}

uint16_t read16(const std::string& s, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(s[at]) << 8 | static_cast<unsigned char>(s[at + 1]));
}

void put16(std::string& s, uint16_t v) {
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v & 0xff);
}

}  // namespace

void enter_private_resolver(const std::string& hosts_lines) {
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) fail("unshare(CLONE_NEWNS | CLONE_NEWNET)");
  // Our mounts stay in our namespace.
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("making / private");
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (fd < 0 || ::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) fail("reading the flags of lo");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) fail("bringing lo up");
  ::close(fd);
  std::string dir = make_temp_dir("sg-dns");
  write_file(dir + "/hosts", hosts_lines);
  write_file(dir + "/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
  write_file(dir + "/nsswitch.conf", "hosts: files dns\n");
  bind_file(dir + "/hosts", "/etc/hosts");
  bind_file(dir + "/resolv.conf", "/etc/resolv.conf");
  bind_file(dir + "/nsswitch.conf", "/etc/nsswitch.conf");
  // The mounts hold the files' inodes: the directory can go now.
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

DnsServer::DnsServer() {
  m_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(53);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("binding 127.0.0.1:53");
  m_thread = std::thread([this] { serve(); });
}

DnsServer::~DnsServer() {
  m_stop = true;
  m_thread.join();
  ::close(m_fd);
}

void DnsServer::set(const std::string& name, std::vector<std::string> addresses) {
  std::lock_guard lock(m_mutex);
  if (addresses.empty()) {
    m_names.erase(name);
  } else {
    m_names[name] = std::move(addresses);
  }
}

void DnsServer::serve() {
  char buffer[1500];
  while (!m_stop) {
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    ssize_t n = ::recvfrom(m_fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 12) continue;
    ++m_queries;
    if (m_mode == Mode::mute) continue;
    std::string reply = respond(std::string(buffer, static_cast<size_t>(n)));
    if (!reply.empty()) ::sendto(m_fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
  }
}

// One question in, one answer out (RFC 1035 4.1); "" for what we cannot parse.
std::string DnsServer::respond(const std::string& query) {
  if (read16(query, 4) != 1) return "";
  size_t at = 12;
  std::string name;
  while (at < query.size() && query[at] != 0) {
    size_t len = static_cast<unsigned char>(query[at]);
    if (len > 63 || at + 1 + len > query.size()) return "";
    if (!name.empty()) name += '.';
    for (size_t i = 0; i < len; ++i) name += static_cast<char>(std::tolower(static_cast<unsigned char>(query[at + 1 + i])));
    at += 1 + len;
  }
  if (at + 5 > query.size()) return "";
  uint16_t type = read16(query, at + 1);
  std::string question = query.substr(12, at + 5 - 12);

  std::vector<std::string> records;
  bool exists = false;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_names.find(name);
    if (it != m_names.end()) {
      exists = true;
      for (const std::string& address : it->second) {
        char raw[16];
        if (type == k_type_a && ::inet_pton(AF_INET, address.c_str(), raw) == 1) records.emplace_back(raw, 4);
        if (type == k_type_aaaa && ::inet_pton(AF_INET6, address.c_str(), raw) == 1) records.emplace_back(raw, 16);
      }
    }
  }
  uint16_t rcode = m_mode == Mode::servfail ? 2 : (exists ? 0 : 3);
  if (rcode != 0) records.clear();
  std::string out = query.substr(0, 2);                              // id
  put16(out, static_cast<uint16_t>(0x8400 | (read16(query, 2) & 0x0100) | 0x0080 | rcode));  // QR AA RD RA rcode
  put16(out, 1);
  put16(out, static_cast<uint16_t>(records.size()));
  put16(out, 0);
  put16(out, 0);
  out += question;
  for (const std::string& rdata : records) {
    put16(out, 0xC00C);  // the name, by pointer to the question
    put16(out, type);
    put16(out, 1);       // IN
    put16(out, 0);       // TTL 0: nobody caches it
    put16(out, 0);
    put16(out, static_cast<uint16_t>(rdata.size()));
    out += rdata;
  }
  return out;
}

}  // namespace stackgate::testing
