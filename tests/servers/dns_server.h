// A tiny authoritative DNS server over UDP for the dns:// probe's tests:
// answers A and AAAA questions from a table the test edits while it runs,
// NXDOMAIN for names not in the table, and can be told to answer SERVFAIL
// or nothing at all.
//
// The system resolver asks port 53 of the nameservers in /etc/resolv.conf,
// so tests run it inside a private network and mount namespace
// (enter_private_resolver()), where 127.0.0.1:53 is ours and /etc/hosts and
// /etc/resolv.conf are files of the test: no query leaves the namespace.
//
// Thread-safe: the table may change while the server thread answers.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stackgate::testing {

/// Moves the (still single-threaded) process into new mount and network
/// namespaces with only loopback up, and bind-mounts a hosts file holding
/// `hosts_lines` over /etc/hosts and a resolv.conf naming 127.0.0.1 over
/// /etc/resolv.conf. Throws std::runtime_error when the kernel refuses
/// (needs root or CAP_SYS_ADMIN); must run before any thread starts.
void enter_private_resolver(const std::string& hosts_lines);

class DnsServer {
 public:
  enum class Mode { answer, servfail, mute };

  /// Listens on 127.0.0.1:53 (UDP).
  DnsServer();
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  /// Sets the addresses (IPv4 or IPv6 literals) of `name`; none = remove it.
  void set(const std::string& name, std::vector<std::string> addresses);
  void set_mode(Mode mode) { m_mode = mode; }
  int queries() const { return m_queries.load(); }

 private:
  void serve();
  std::string respond(const std::string& query);

  int m_fd = -1;
  std::atomic<bool> m_stop{false};
  std::atomic<Mode> m_mode{Mode::answer};
  std::atomic<int> m_queries{0};
  std::mutex m_mutex;
  std::map<std::string, std::vector<std::string>> m_names;
  std::thread m_thread;
};

}  // namespace stackgate::testing
