// `lint --host-ports`: is a published host port free on this machine? Found
// out the way the Docker daemon will when it publishes the port: bind() to
// the host IP and port (TCP or UDP), then let go at once.
#pragma once

#include <string>

namespace stackgate::gate {

enum class HostPortState {
  free,       // the bind succeeded
  in_use,     // EADDRINUSE (or, for a port we may not bind, a listener in /proc/net)
  not_local,  // EADDRNOTAVAIL: the host IP is not an address of this machine
  unknown,    // could not tell (not an IP address, a privileged port and no listener seen...)
};

struct HostPortCheck {
  HostPortState state = HostPortState::unknown;
  // in_use: who holds it when /proc shows it ("python3, pid 1234"), else "";
  // unknown: why not.
  std::string detail;
};

/// Tries to bind `host_ip` ("" = every IPv4 address, as Docker's default
/// 0.0.0.0; IPv6 without brackets) and `port` for `protocol` ("tcp", "udp";
/// "sctp" is not checked: unknown). TCP binds with SO_REUSEADDR, as the
/// daemon's proxy does, so connections in TIME_WAIT do not count as in use.
HostPortCheck check_host_port(const std::string& host_ip, int port, const std::string& protocol);

}  // namespace stackgate::gate
