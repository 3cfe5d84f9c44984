#include "gate/host_ports.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "probes/sanitize.h"

namespace stackgate::gate {
namespace {

// Closes the probe socket however we leave.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Socket inodes bound to `port` in /proc/net/<protocol>{,6}: TCP sockets
// listening (state 0A), UDP sockets bound (state 07).
std::vector<std::string> socket_inodes(int port, const std::string& protocol) {
  std::vector<std::string> inodes;
  const char* wanted_state = protocol == "udp" ? "07" : "0A";
  for (const std::string& table : {"/proc/net/" + protocol, "/proc/net/" + protocol + "6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    for (int n = 0; n < 100000 && std::getline(in, line); ++n) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode)) {
        continue;
      }
      size_t colon = local.rfind(':');
      if (colon == std::string::npos || state != wanted_state) continue;
      if (std::strtol(local.c_str() + colon + 1, nullptr, 16) == port && inode != "0") inodes.push_back(inode);
    }
  }
  return inodes;
}

// "python3, pid 1234" for the first process with one of `inodes` open, if
// /proc lets us see it (other users' processes need root). Bounded: at most
// this many file descriptors are looked at in all.
constexpr int k_max_fds_scanned = 200000;

std::optional<std::string> holder_of(const std::vector<std::string>& inodes) {
  if (inodes.empty()) return std::nullopt;
  DIR* proc = ::opendir("/proc");
  if (!proc) return std::nullopt;
  std::optional<std::string> found;
  int scanned = 0;
  while (const dirent* entry = ::readdir(proc)) {
    if (found || scanned >= k_max_fds_scanned) break;
    std::string pid = entry->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string fd_dir = "/proc/" + pid + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (!fds) continue;
    while (const dirent* fd = ::readdir(fds)) {
      if (++scanned >= k_max_fds_scanned) break;
      char target[64];
      ssize_t n = ::readlink((fd_dir + "/" + fd->d_name).c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      std::string link(target, static_cast<size_t>(n));
      for (const std::string& inode : inodes) {
        if (link != "socket:[" + inode + "]") continue;
        std::ifstream comm_file("/proc/" + pid + "/comm");
        std::string comm;
        std::getline(comm_file, comm);
        found = probes::sanitize(comm.empty() ? "?" : comm, 32) + ", pid " + pid;
        break;
      }
      if (found) break;
    }
    ::closedir(fds);
  }
  ::closedir(proc);
  return found;
}

}  // namespace

HostPortCheck check_host_port(const std::string& host_ip, int port, const std::string& protocol) {
  if (protocol != "tcp" && protocol != "udp") return {HostPortState::unknown, protocol + " is not checked"};
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string ip = host_ip.empty() ? "0.0.0.0" : host_ip;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof *v6;
  } else {
    return {HostPortState::unknown, "host IP '" + probes::sanitize(host_ip, 64) + "' is not an IP address"};
  }
  Fd sock{::socket(address.ss_family, (protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) return {HostPortState::unknown, std::string("socket(): ") + std::strerror(errno)};
  if (protocol == "tcp") {
    int one = 1;
    ::setsockopt(sock.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (address.ss_family == AF_INET6) {
    // Docker binds an IPv6 host IP for IPv6 only.
    int one = 1;
    ::setsockopt(sock.fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  if (::bind(sock.fd, reinterpret_cast<sockaddr*>(&address), length) == 0) return {HostPortState::free, ""};
  int error = errno;
  if (error == EADDRINUSE) return {HostPortState::in_use, holder_of(socket_inodes(port, protocol)).value_or("")};
  if (error == EADDRNOTAVAIL) return {HostPortState::not_local, ""};
  if (error == EACCES) {
    // A privileged port we may not bind ourselves (the daemon, as root, may):
    // in use only if /proc shows a socket on it.
    std::vector<std::string> inodes = socket_inodes(port, protocol);
    if (!inodes.empty()) return {HostPortState::in_use, holder_of(inodes).value_or("")};
    return {HostPortState::free, ""};
  }
  return {HostPortState::unknown, std::string("bind(): ") + std::strerror(error)};
}

}  // namespace stackgate::gate
