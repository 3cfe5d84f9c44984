#include "tests/servers/harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace stackgate::testing {
namespace {

// 127.0.0.1:port (0: any free port, for bind).
sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

}  // namespace

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("free_port: bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

int free_port_below(int limit) {
  for (int i = 0; i < 10000; ++i) {
    int port = free_port();
    if (port < limit) return port;
  }
  throw std::runtime_error("free_port_below: no free port below " + std::to_string(limit));
}

int free_port_outside_ephemeral() {
  // free_port()'s ports come from the ephemeral range, which every connect()
  // on the machine draws its local port from: at ctest -j8 a Kafka broker
  // found one of its 6 ports taken when its JVM bound them 15 s later.
  int low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low;
  constexpr int k_first = 10000;
  if (low - k_first < 1000) return free_port();
  thread_local std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  std::uniform_int_distribution<int> pick(k_first, low - 1);
  for (int attempt = 0; attempt < 200; ++attempt) {
    int port = pick(random);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(port);
    bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (bound) return port;
  }
  return free_port();
}

const std::string& scratch_base() {
  // Every server writes its data directory, and most copy a template into
  // it (Postgres 35 MB per server): on this machine's ext4 /tmp a copy costs
  // ~1.2 s of kernel time, on tmpfs 0.1 s. A container's small /dev/shm
  // (64 MB by default) is not used.
  static const std::string base = [] {
    if (const char* tmpdir = std::getenv("TMPDIR"); tmpdir && *tmpdir) return std::string(tmpdir);
    struct statfs fs {};
    constexpr unsigned long long k_min_free = 4ULL << 30;
    if (::statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC &&
        static_cast<unsigned long long>(fs.f_bavail) * static_cast<unsigned long long>(fs.f_bsize) >= k_min_free &&
        ::access("/dev/shm", W_OK | X_OK) == 0) {
      return std::string("/dev/shm");
    }
    return std::string("/tmp");
  }();
  return base;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string templ = scratch_base() + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + templ);
  return buf.data();
}

bool poll_until(const std::function<bool()>& ready, std::chrono::milliseconds limit, std::chrono::milliseconds every) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(every);
  }
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const passwd* server_account(const std::string& preferred) {
  if (::geteuid() != 0) return nullptr;
  if (const passwd* pw = ::getpwnam(preferred.c_str())) return pw;
  if (const passwd* pw = ::getpwnam("nobody")) return pw;
  throw std::runtime_error("running as root and neither a " + preferred + " nor a nobody user exists");
}

void chown_tree(const std::string& root, const passwd* account) {
  if (account == nullptr) return;
  ::chown(root.c_str(), account->pw_uid, account->pw_gid);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    ::lchown(entry.path().c_str(), account->pw_uid, account->pw_gid);
  }
}

std::vector<std::string> run_as(const passwd* account, std::vector<std::string> argv) {
  if (account == nullptr) return argv;
  std::vector<std::string> wrapped = {"setpriv", "--reuid=" + std::to_string(account->pw_uid),
                                      "--regid=" + std::to_string(account->pw_gid), "--clear-groups", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string find_program(const std::vector<std::string>& candidates) {
  for (const std::string& pattern : candidates) {
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = g.gl_pathc; i-- > 0;) {  // last match = highest version
        struct stat st{};
        if (::stat(g.gl_pathv[i], &st) == 0) {
          std::string found = g.gl_pathv[i];
          ::globfree(&g);
          return found;
        }
      }
    }
    ::globfree(&g);
  }
  return "";
}

namespace {

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path,
            const std::map<std::string, std::string>& env) {
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open log " + log_path);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);  // own process group, so stop() reaches its children
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(log_fd);
  return pid;
}

}  // namespace

ServerProcess::ServerProcess(ServerProcess&& other) noexcept : m_pid(other.m_pid), m_log(std::move(other.m_log)) {
  other.m_pid = -1;
}

ServerProcess& ServerProcess::operator=(ServerProcess&& other) noexcept {
  if (this != &other) {
    stop();
    m_pid = other.m_pid;
    m_log = std::move(other.m_log);
    other.m_pid = -1;
  }
  return *this;
}

ServerProcess::~ServerProcess() { stop(); }

void ServerProcess::start(const std::vector<std::string>& argv, const std::string& log_path,
                          const std::map<std::string, std::string>& env) {
  stop();
  m_log = log_path;
  m_pid = spawn(argv, log_path, env);
}

bool ServerProcess::running() {
  if (m_pid <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(m_pid, &status, WNOHANG);
  if (r == m_pid) {
    m_pid = -1;
    return false;
  }
  return true;
}

namespace {

// True while a process of group `pgid` is still running (zombies do not
// count: they hold no resources, and an init that never reaps them would
// make them last forever).
bool group_alive(pid_t pgid) {
  DIR* proc = ::opendir("/proc");
  if (!proc) return false;
  bool alive = false;
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string stat = read_file(std::string("/proc/") + e->d_name + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    char state = 0;
    int ppid = 0, pgrp = 0;
    if (std::sscanf(stat.c_str() + paren + 1, " %c %d %d", &state, &ppid, &pgrp) != 3) continue;
    if (pgrp == pgid && state != 'Z' && state != 'X') {
      alive = true;
      break;
    }
  }
  ::closedir(proc);
  return alive;
}

// After SIGKILL the leader can be reaped while the rest of its group is
// still exiting: a Postgres backend still attached to the old shared memory
// makes the next postmaster refuse to start ("pre-existing shared memory
// block ... is still in use"). Bounded.
void wait_group_gone(pid_t pgid) {
  poll_until([pgid] { return !group_alive(pgid); }, std::chrono::seconds(10));
}

}  // namespace

void ServerProcess::stop(std::chrono::milliseconds grace) {
  if (m_pid <= 0) return;
  ::kill(-m_pid, SIGTERM);
  ::kill(m_pid, SIGTERM);
  bool exited = poll_until([this] {
    int status = 0;
    return ::waitpid(m_pid, &status, WNOHANG) == m_pid;
  }, grace);
  if (!exited) {
    ::kill(-m_pid, SIGKILL);
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
  wait_group_gone(m_pid);
  m_pid = -1;
}

void ServerProcess::kill_now() {
  if (m_pid <= 0) return;
  ::kill(-m_pid, SIGKILL);
  ::kill(m_pid, SIGKILL);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
  wait_group_gone(m_pid);
  m_pid = -1;
}

std::string ServerProcess::log_tail(size_t max_bytes) const {
  std::ifstream in(m_log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

int run_command(const std::vector<std::string>& argv, const std::string& log_path,
                const std::map<std::string, std::string>& env) {
  pid_t pid = spawn(argv, log_path, env);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace stackgate::testing
