// shared_server: one real server shared by many test processes, for CTest
// fixtures (FIXTURES_SETUP / FIXTURES_CLEANUP).
//
//   shared_server start kafka STATE_FILE   starts a daemon that owns the server, returns once it
//                                          is ready and its endpoints are in STATE_FILE
//   shared_server stop STATE_FILE          stops that daemon (and with it the server)
//
// The daemon is the server's owner: the Kafka JVM is tied to the daemon's
// life (KafkaServer's parent-death signal), so stopping the daemon stops the
// broker, and a daemon nobody stops ends itself after
// STACKGATE_SHARED_SERVER_LIFETIME seconds (default 1800), so an interrupted
// ctest leaves no JVM behind for long. Test processes attach to the server
// through STATE_FILE (KafkaServer::attach). The daemon's own log is
// STATE_FILE.log.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/servers/harness.h"
#include "tests/servers/kafka_server.h"

namespace {

using namespace std::chrono_literals;
using stackgate::testing::KafkaServer;
using stackgate::testing::KafkaServerOptions;

int usage() {
  std::fprintf(stderr, "usage: shared_server start kafka STATE_FILE | shared_server stop STATE_FILE\n");
  return 2;
}

std::string pid_file(const std::string& state) { return state + ".pid"; }

pid_t read_pid(const std::string& state) {
  std::ifstream in(pid_file(state));
  long pid = 0;
  in >> pid;
  return in ? static_cast<pid_t>(pid) : -1;
}

// Whether `pid` is still a shared_server daemon (and not a zombie, nor a
// process that reused the number).
bool daemon_alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close_paren = line.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= line.size()) return false;
  if (line[close_paren + 2] == 'Z') return false;
  return line.find("(shared_server)") != std::string::npos;
}

// SIGTERM, then SIGKILL if the daemon is still there after `grace`.
int stop_daemon(const std::string& state, std::chrono::milliseconds grace) {
  pid_t pid = read_pid(state);
  if (!daemon_alive(pid)) {
    std::remove(state.c_str());
    std::remove(pid_file(state).c_str());
    return 0;
  }
  ::kill(pid, SIGTERM);
  if (!stackgate::testing::poll_until([pid] { return !daemon_alive(pid); }, grace, 50ms)) {
    std::fprintf(stderr, "shared_server: daemon %d still running after %lld ms, killing it\n", pid,
                 static_cast<long long>(grace.count()));
    ::kill(pid, SIGKILL);
    stackgate::testing::poll_until([pid] { return !daemon_alive(pid); }, 5000ms, 50ms);
  }
  std::remove(state.c_str());
  std::remove(pid_file(state).c_str());
  return 0;
}

// The daemon: owns the broker until SIGTERM/SIGINT or the lifetime ends.
// Reports "ok" or the error on `report_fd`, then closes it.
[[noreturn]] void run_daemon(const std::string& kind, const std::string& state, int report_fd) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  ::sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

  auto report = [report_fd](const std::string& text) {
    if (::write(report_fd, text.data(), text.size()) < 0) std::perror("shared_server: report");
    ::close(report_fd);
  };
  int lifetime_s = 1800;
  if (const char* env = std::getenv("STACKGATE_SHARED_SERVER_LIFETIME"); env && std::atoi(env) > 0) {
    lifetime_s = std::atoi(env);
  }
  try {
    if (kind != "kafka") throw std::runtime_error("unknown server kind '" + kind + "' (known: kafka)");
    KafkaServerOptions options;
    options.fetch_script = STACKGATE_KAFKA_FETCH_SCRIPT;
    KafkaServer broker(options);
    broker.start();
    stackgate::testing::write_file(pid_file(state), std::to_string(::getpid()) + "\n");
    broker.save(state);
    std::printf("kafka broker at %s (data %s) started in %lld ms\n", broker.bootstrap().c_str(),
                broker.dir().c_str(), static_cast<long long>(broker.last_start_time().count()));
    std::fflush(stdout);
    report("ok kafka " + broker.bootstrap() + " started in " + std::to_string(broker.last_start_time().count()) +
           " ms\n");

    timespec limit{lifetime_s, 0};
    int sig = ::sigtimedwait(&stop_signals, nullptr, &limit);
    std::printf("shared_server: %s, stopping the broker\n",
                sig > 0 ? ::strsignal(sig) : "lifetime over");
    std::fflush(stdout);
    // The data is thrown away: no need for a clean shutdown.
    broker.kill();
    std::remove(state.c_str());
    std::remove(pid_file(state).c_str());
    std::exit(0);
  } catch (const std::exception& e) {
    std::printf("shared_server: %s\n", e.what());
    std::fflush(stdout);
    report(std::string("error ") + e.what() + "\n");
    std::exit(1);
  }
}

int start(const std::string& kind, const std::string& state) {
  // A daemon left by an interrupted run is stopped first; its state goes.
  stop_daemon(state, 5000ms);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("shared_server: pipe");
    return 1;
  }
  pid_t child = ::fork();
  if (child < 0) {
    std::perror("shared_server: fork");
    return 1;
  }
  if (child == 0) {
    ::close(fds[0]);
    // Detach: own session, and none of ctest's pipes kept open (ctest waits
    // for the test's output to close, which would make the setup never end).
    ::setsid();
    std::string log = state + ".log";
    int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) ::_exit(1);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    // The grandchild is the daemon; the child exits at once so the daemon is
    // nobody's child in the test process tree.
    pid_t daemon = ::fork();
    if (daemon != 0) ::_exit(daemon < 0 ? 1 : 0);
    run_daemon(kind, state, fds[1]);
  }
  ::close(fds[1]);
  int status = 0;
  ::waitpid(child, &status, 0);

  // The daemon writes one line when the server is ready or has failed; the
  // pipe closes (EOF) if it dies first. Bounded by the broker's own start
  // limit plus the jar fetch and the storage format.
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + 240s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fds[0], POLLIN, 0};
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    int r = ::poll(&pfd, 1, std::max(left, 0));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[512];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (answer.starts_with("ok ")) {
    std::printf("%s", answer.substr(3).c_str());
    return 0;
  }
  std::ifstream log(state + ".log");
  std::stringstream text;
  text << log.rdbuf();
  std::fprintf(stderr, "shared_server: %s did not start: %s\n%s\n", kind.c_str(),
               answer.empty() ? "no answer in time" : answer.c_str(), text.str().c_str());
  stop_daemon(state, 5000ms);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "start") return start(argv[2], argv[3]);
  if (argc == 3 && std::string(argv[1]) == "stop") return stop_daemon(argv[2], 20000ms);
  return usage();
}
