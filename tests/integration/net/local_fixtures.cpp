#include "local_fixtures.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "probes/factory.h"

namespace stackgate::testing {

ScratchDir::ScratchDir() {
  std::string pattern = "/tmp/stackgate-local-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  ::chmod(m_path.c_str(), 0700);
  std::filesystem::remove_all(m_path, ignored);
}

Prober other_prober() {
  if (::geteuid() == 0) return {true, 65534, 65534};
  return {false, ::geteuid(), ::getegid()};
}

std::string check_in_child(const std::string& url, const Prober& who, probes::Millis timeout) {
  int fds[2];
  if (::pipe(fds) != 0) return "error|pipe";
  pid_t pid = ::fork();
  if (pid < 0) return "error|fork";
  if (pid == 0) {
    ::close(fds[0]);
    if (who.as_root && (::setgroups(0, nullptr) != 0 || ::setgid(who.gid) != 0 || ::setuid(who.uid) != 0)) {
      ::_exit(3);
    }
    std::string line;
    auto spec = spec::parse_probe_spec(url);
    if (!spec) {
      line = "error|" + spec.error();
    } else if (auto probe = probes::make_probe(*spec); !probe) {
      line = "error|" + probe.error();
    } else {
      probes::Outcome outcome = (*probe)->check(timeout);
      line = std::string(probes::to_string(outcome.verdict)) + "|" + outcome.reason;
    }
    ssize_t ignored = ::write(fds[1], line.data(), line.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[1024];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "error|child exited abnormally";
  return got;
}

std::string mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "?";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return mode;
}

}  // namespace stackgate::testing
