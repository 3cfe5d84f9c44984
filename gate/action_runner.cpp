#include "gate/action_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>

#include "gate/action_policy.h"
#include "probes/sanitize.h"

extern char** environ;

namespace stackgate::gate {

using Steady = std::chrono::steady_clock;

struct ActionRunner::State {
  Millis timeout;
  Log log;
  std::mutex mutex;
  std::set<pid_t> running;
};

namespace {

// Waits up to `limit` for the child to end; true when it has (not yet reaped).
// With a pidfd (Linux 5.3+) this is one poll; without, a bounded waitid loop.
bool wait_exit(pid_t pid, int pidfd, Millis limit) {
  auto until = Steady::now() + limit;
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(until - Steady::now());
    if (left.count() < 0) left = Millis{0};
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(left.count()));
      if (n > 0) return true;
      if (n == 0) return false;
      if (errno != EINTR) return false;
      continue;
    }
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
      return true;
    }
    if (left.count() == 0) return false;
    std::this_thread::sleep_for(std::min(left, Millis{20}));  // no pidfd: poll the child
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

// The waiting thread of one child.
void await_child(std::shared_ptr<ActionRunner::State> state, pid_t pid, std::string what) {
  auto started = Steady::now();
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  std::string timed_out;
  if (!wait_exit(pid, pidfd, state->timeout)) {
    timed_out = ", after running past the " + compact_duration(state->timeout) + " --action-timeout";
    ::kill(-pid, SIGTERM);
    if (!wait_exit(pid, pidfd, k_action_kill_grace)) ::kill(-pid, SIGKILL);
  }
  int status = 0;
  pid_t reaped = -1;
  do {
    reaped = ::waitpid(pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  int wait_error = reaped < 0 ? errno : 0;
  if (pidfd >= 0) ::close(pidfd);
  {
    std::lock_guard lock(state->mutex);
    state->running.erase(pid);
  }
  auto elapsed = std::chrono::duration_cast<Millis>(Steady::now() - started);
  // ECHILD only if someone else reaped it: say so rather than invent a code.
  std::string ended = wait_error != 0 ? std::string("ended, exit status unknown: ") + std::strerror(wait_error)
                                      : describe_status(status);
  state->log("action " + what + ": pid " + std::to_string(pid) + " " + ended + timed_out + " (" +
             compact_duration(elapsed) + ")");
}

}  // namespace

ActionRunner::ActionRunner(Millis timeout, Log log) : m_state(std::make_shared<State>()) {
  m_state->timeout = timeout;
  m_state->log = std::move(log);
}

ActionRunner::~ActionRunner() = default;

bool ActionRunner::start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& what) {
  if (argv.empty()) return false;
  // serve's environment minus the names `env` sets: a stale STACKGATE_REASON
  // inherited from the caller would otherwise be the one getenv() finds first.
  auto overridden = [&](std::string_view entry) {
    std::string_view name = entry.substr(0, entry.find('='));
    return std::any_of(env.begin(), env.end(), [&](const std::string& e) {
      return std::string_view(e).substr(0, e.find('=')) == name;
    });
  };
  std::vector<std::string> envp_text;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) envp_text.emplace_back(*e);
  }
  envp_text.insert(envp_text.end(), env.begin(), env.end());
  std::vector<char*> envp, args;
  for (std::string& e : envp_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawn_file_actions_t files;
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_init(&files);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  ::posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&files, STDERR_FILENO, STDOUT_FILENO);

  pid_t pid = -1;
  // The lock covers the spawn so that stop() never misses a child.
  std::lock_guard lock(m_state->mutex);
  int rc = ::posix_spawnp(&pid, args[0], &files, &attr, args.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&files);
  ::posix_spawnattr_destroy(&attr);
  std::string command = probes::sanitize(argv[0]);
  if (rc != 0) {
    m_state->log("action " + what + ": cannot run '" + command + "': " + std::strerror(rc));
    return false;
  }
  m_state->running.insert(pid);
  m_state->log("action " + what + ": started '" + command + "' as pid " + std::to_string(pid));
  try {
    std::thread(await_child, m_state, pid, what).detach();
  } catch (const std::system_error&) {
    // Without a thread nobody would bound or reap it: end it now.
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    m_state->running.erase(pid);
    m_state->log("action " + what + ": cannot start a thread to wait for pid " + std::to_string(pid) + "; killed it");
    return false;
  }
  return true;
}

void ActionRunner::stop() {
  std::lock_guard lock(m_state->mutex);
  for (pid_t pid : m_state->running) ::kill(-pid, SIGTERM);
}

}  // namespace stackgate::gate
