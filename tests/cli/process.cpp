#include "tests/cli/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stackgate::testing {

Process::Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                 const std::string& cwd) {
  int out[2], err[2];
  if (::pipe(out) != 0 || ::pipe(err) != 0) throw std::runtime_error("pipe failed");
  m_pid = ::fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::close(out[0]);
    ::close(out[1]);
    ::close(err[0]);
    ::close(err[1]);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    // The test runner may block signals; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const auto& [k, v] : env) {
      if (v.empty()) {
        ::unsetenv(k.c_str());
      } else {
        ::setenv(k.c_str(), v.c_str(), 1);
      }
    }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(125);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(126);
  }
  ::close(out[1]);
  ::close(err[1]);
  m_out_fd = out[0];
  m_err_fd = err[0];
}

Process::~Process() {
  if (!m_status && m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
  if (m_out_fd >= 0) ::close(m_out_fd);
  if (m_err_fd >= 0) ::close(m_err_fd);
}

void Process::pump(std::chrono::milliseconds slice) {
  pollfd fds[2] = {{m_out_fd, POLLIN, 0}, {m_err_fd, POLLIN, 0}};
  int n = ::poll(fds, 2, static_cast<int>(slice.count()));
  if (n <= 0) return;
  char buf[4096];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
    ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
    if (got > 0) {
      (i == 0 ? m_out : m_err).append(buf, static_cast<size_t>(got));
    } else {
      ::close(fds[i].fd);
      (i == 0 ? m_out_fd : m_err_fd) = -1;
    }
  }
}

bool Process::reap() {
  if (m_status) return true;
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) != m_pid) return false;
  m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool Process::wait_for_output(const std::function<bool(const std::string&, const std::string&)>& done,
                              std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done(m_out, m_err)) return true;
    if (m_out_fd < 0 && m_err_fd < 0 && reap()) return done(m_out, m_err);
    pump(std::chrono::milliseconds(10));
  }
  return done(m_out, m_err);
}

// Pipes closed, child not reaped yet: block on its pidfd until it exits or
// `limit` passes (no polling loop).
void Process::wait_for_exit(std::chrono::milliseconds limit) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0));
  if (fd < 0) {
    // Kernels before 5.3 have no pidfd: pace the caller's re-check instead.
    ::poll(nullptr, 0, 1);
    return;
  }
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(std::max<long long>(1, limit.count())));
  ::close(fd);
}

std::optional<int> Process::wait(std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (m_out_fd >= 0 || m_err_fd >= 0) {
      pump(std::chrono::milliseconds(5));
    } else if (!reap()) {
      wait_for_exit(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()));
    }
    if ((m_out_fd < 0 && m_err_fd < 0) && reap()) return m_status;
  }
  return std::nullopt;
}

void Process::signal(int sig) { ::kill(m_pid, sig); }

Result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, const std::string& cwd,
           std::chrono::milliseconds limit) {
  Process p(argv, env, cwd);
  auto code = p.wait(limit);
  return Result{code.value_or(-1), p.out(), p.err()};
}

std::map<std::string, std::string> base_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env{
      {"STACKGATE_MODULE_DIR", STACKGATE_MODULES}, {"COMPOSE_FILE", ""}, {"COMPOSE_PROFILES", ""}, {"TERM", "dumb"}};
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Listener::Listener(int port) {
  m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(m_fd, 64) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  m_port = ntohs(addr.sin_port);
}

void Listener::close() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sg-test-XXXXXX").string();
  m_path = ::mkdtemp(tmpl.data());
}

TempDir::~TempDir() { std::filesystem::remove_all(m_path); }

std::string TempDir::write(const std::string& name, const std::string& text) const {
  std::ofstream(m_path + "/" + name) << text;
  return m_path + "/" + name;
}

std::string TempDir::read(const std::string& name) const {
  std::ifstream in(m_path + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace stackgate::testing
