// The live table in a real terminal: tmux runs `stackgate wait` in a pane of
// a given size, and the test reads the screen (and its scrollback) with
// capture-pane while the probes' ports start listening, phase by phase.
// Each phase starts when the screen shows the previous one: bounded polls on
// the screen content, no sleeps.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "tests/cli/process.h"

using namespace std::chrono_literals;
using stackgate::testing::Result;
using stackgate::testing::TempDir;

namespace {

// A port bound on 127.0.0.1 that refuses connections until open() makes it
// listen: a service that comes up when the test says so.
class LatePort {
 public:
  LatePort() {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
  }
  ~LatePort() { ::close(m_fd); }
  LatePort(const LatePort&) = delete;
  LatePort& operator=(const LatePort&) = delete;
  // A large backlog: the probe's connections are never accepted.
  void open() { REQUIRE(::listen(m_fd, 4096) == 0); }
  int port() const { return m_port; }

 private:
  int m_fd = -1;
  int m_port = 0;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Columns of a captured line (UTF-8 code points).
size_t width(const std::string& line) {
  size_t n = 0;
  for (char c : line) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// One tmux server of our own (its own socket, no user config), one session
// running `command` in a pane of cols x rows, no status line. The pane stays
// on screen after the command exits so the end state can be read.
class Tmux {
 public:
  Tmux(const TempDir& dir, int cols, int rows, const std::string& command) : m_socket(dir.path() + "/tmux.sock") {
    std::string conf = dir.write("tmux.conf",
                                 "set -g status off\nset -g remain-on-exit on\nset -g history-limit 10000\n");
    Result r = tmux({"-f", conf, "new-session", "-d", "-s", "t", "-x", std::to_string(cols), "-y",
                     std::to_string(rows), command});
    REQUIRE(r.code == 0);
  }
  ~Tmux() { tmux({"kill-server"}); }

  /// The visible screen, wrapped lines joined (a line wider than the pane
  /// shows as wider here).
  std::string screen() { return tmux({"capture-pane", "-p", "-J", "-t", "t"}).out; }
  /// The scrollback and the screen.
  std::string everything() { return tmux({"capture-pane", "-p", "-J", "-S", "-", "-t", "t"}).out; }
  void keys(const std::string& key) { REQUIRE(tmux({"send-keys", "-t", "t", key}).code == 0); }
  void resize(int cols, int rows) {
    REQUIRE(tmux({"resize-window", "-t", "t", "-x", std::to_string(cols), "-y", std::to_string(rows)}).code == 0);
  }
  /// Polls the screen until `done` holds (at most `limit`); returns the last capture.
  std::string until(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds limit = 30s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::string text = everything();
    while (!done(text) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);  // the poll's cadence, not a synchronisation
      text = everything();
    }
    INFO(text);
    REQUIRE(done(text));
    return text;
  }

 private:
  Result tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/tmux", "-S", m_socket});
    return stackgate::testing::run(args, {{"TMUX", ""}}, "", 10s);
  }
  std::string m_socket;
};

std::string service_name(int i) { return (i < 10 ? "svc0" : "svc") + std::to_string(i); }

// `count` services with a tcp probe each, and `app` depending on all of them.
std::string compose_for(const std::vector<std::unique_ptr<LatePort>>& ports) {
  std::string yaml = "services:\n";
  std::string deps;
  for (size_t i = 0; i < ports.size(); ++i) {
    std::string name = service_name(static_cast<int>(i) + 1);
    yaml += "  " + name + ":\n    image: acme/x\n    x-stackgate:\n      probes: [\"tcp://127.0.0.1:" +
            std::to_string(ports[i]->port()) + "\"]\n";
    deps += (deps.empty() ? "" : ", ") + name;
  }
  return yaml + "  app:\n    image: acme/app\n    depends_on: [" + deps + "]\n";
}

std::string wait_command(const TempDir& dir, const std::string& compose) {
  return "unset NO_COLOR; export TERM=screen STACKGATE_MODULE_DIR='" + std::string(STACKGATE_MODULES) +
         "'; echo BEFORE-THE-RUN; '" + std::string(STACKGATE_BIN) + "' wait -f '" + compose +
         "' --for app --window passes=2,stable_for=1s --timeout 60s; echo EXIT=$?";
}

// The lines of the status region: from its header to the end of the screen.
std::vector<std::string> region_of(const std::string& screen) {
  std::vector<std::string> lines = lines_of(screen);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("SERVICE", 0) == 0) return {lines.begin() + static_cast<std::ptrdiff_t>(i), lines.end()};
  }
  return {};
}

bool region_fits(const std::string& screen, size_t cols, size_t rows) {
  std::vector<std::string> region = region_of(screen);
  if (region.empty() || region.size() > rows) return false;
  for (const std::string& l : region) {
    if (width(l) >= cols) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("live table at 80x20 with 31 services: fits, logs scroll above, resize, final state once", "[tty]") {
  TempDir dir;
  std::vector<std::unique_ptr<LatePort>> ports;
  for (int i = 0; i < 31; ++i) ports.push_back(std::make_unique<LatePort>());
  std::string compose = dir.write("compose.yaml", compose_for(ports));
  Tmux tmux(dir, 80, 20, wait_command(dir, compose));

  // Nothing listens: every row probing, more than fit.
  std::string text = tmux.until([](const std::string& t) { return count(t, "more probing") == 1; });
  std::string screen = tmux.screen();
  CHECK(region_fits(screen, 80, 20));
  CHECK(lines_of(screen).size() <= 20);
  CHECK(count(text, "BEFORE-THE-RUN") == 1);
  CHECK(count(text, "SERVICE") == 1);  // one header: no copy scrolled into the history

  // Twenty come up: their log lines scroll above the region; the ready ones
  // give way to the ones still probing and are counted.
  for (int i = 0; i < 20; ++i) ports[static_cast<size_t>(i)]->open();
  text = tmux.until([](const std::string& t) { return count(t, " ready after ") == 20 && count(t, "more ready") == 1; });
  screen = tmux.screen();
  CHECK(region_fits(screen, 80, 20));
  CHECK(count(text, "SERVICE") == 1);
  CHECK(count(text, "BEFORE-THE-RUN") == 1);
  CHECK(count(text, "svc01 ready after") == 1);
  for (const std::string& l : lines_of(text)) CHECK(width(l) < 80);
  CHECK(count(text, "stable ") + count(text, "probing") > 0);

  // Shorter and wider: the region is laid out again, nothing stale stays,
  // on the screen or in the history.
  tmux.resize(120, 15);
  text = tmux.until([&](const std::string& t) {
    return count(t, "SERVICE") == 1 && count(t, "LVL") == 1 && region_fits(tmux.screen(), 120, 15);
  });
  CHECK(count(text, "BEFORE-THE-RUN") == 1);
  CHECK(count(text, "svc01 ready after") == 1);
  CHECK(region_of(tmux.screen()).size() <= 11);  // 15 rows, 4 kept for the output above

  // Narrower: the terminal itself rewraps what it holds (tmux splits the old
  // region's lines, some into the history, and may move the cursor); what
  // is on the screen afterwards is one region that fits, and the log above.
  tmux.resize(60, 15);
  tmux.until([&](const std::string&) {
    std::string s = tmux.screen();
    return count(s, "SERVICE") == 1 && region_fits(s, 60, 15) && count(s, "more") == 1;
  });

  // The rest come up: released; the region gives way to the final table, once.
  for (int i = 20; i < 31; ++i) ports[static_cast<size_t>(i)]->open();
  text = tmux.until([](const std::string& t) { return count(t, "EXIT=") == 1; });
  CHECK(count(text, "EXIT=0") == 1);
  CHECK(count(text, "released app after") == 1);
  CHECK(count(text, "BEFORE-THE-RUN") == 1);
  for (int i = 1; i <= 31; ++i) CHECK(count(text, service_name(i) + " ready after") == 1);
  // Nothing of the region is left on the screen; the final table follows
  // the log lines, every row ready, then the summary.
  screen = tmux.screen();
  CHECK(count(screen, "more ") == 0);
  CHECK(count(screen, "probing") == 0);
  std::string last = text.substr(text.rfind("SERVICE"));
  CHECK(count(last, "more ") == 0);
  CHECK(count(last, "probing") == 0);
  CHECK(text.rfind("ready after") < text.rfind("SERVICE"));
  std::vector<std::string> final_table = region_of(last);
  REQUIRE(final_table.size() >= 32);
  for (size_t i = 1; i <= 31; ++i) {
    CHECK(final_table[i].find("ready") != std::string::npos);
    CHECK(width(final_table[i]) < 60);
  }
}

TEST_CASE("live table at 160x50: every row shows, with the level and attempts", "[tty]") {
  TempDir dir;
  std::vector<std::unique_ptr<LatePort>> ports;
  for (int i = 0; i < 31; ++i) ports.push_back(std::make_unique<LatePort>());
  std::string compose = dir.write("compose.yaml", compose_for(ports));
  Tmux tmux(dir, 160, 50, wait_command(dir, compose));

  std::string text = tmux.until([](const std::string& t) { return count(t, "probing") == 31; });
  std::vector<std::string> region = region_of(tmux.screen());
  CHECK(region.size() == 32);
  REQUIRE(!region.empty());
  CHECK(region.front().find("LVL") != std::string::npos);
  CHECK(region.front().find("ATT") != std::string::npos);
  CHECK(region_fits(tmux.screen(), 160, 50));
  CHECK(count(text, "more ") == 0);

  for (auto& p : ports) p->open();
  text = tmux.until([](const std::string& t) { return count(t, "EXIT=") == 1; });
  CHECK(count(text, "EXIT=0") == 1);
  CHECK(count(text, "SERVICE") == 1);
  CHECK(count(text, "BEFORE-THE-RUN") == 1);
  CHECK(count(text, "probing") == 0);
  CHECK(count(text, "released app after") == 1);
}

TEST_CASE("live table interrupted: the terminal gets its whole screen back", "[tty]") {
  TempDir dir;
  std::vector<std::unique_ptr<LatePort>> ports;
  for (int i = 0; i < 3; ++i) ports.push_back(std::make_unique<LatePort>());
  std::string compose = dir.write("compose.yaml", compose_for(ports));
  // After stackgate: 40 lines, which scroll the whole screen only if the
  // scrolling margin is gone.
  Tmux tmux(dir, 80, 20, wait_command(dir, compose) + "; seq 1 40");
  tmux.until([](const std::string& t) { return count(t, "probing") == 3; });
  tmux.keys("C-c");
  std::string text = tmux.until([](const std::string& t) { return count(t, "EXIT=") == 1 && count(t, "\n40\n") == 1; });
  CHECK(count(text, "EXIT=130") == 1);
  CHECK(count(text, "interrupted after") == 1);
  std::vector<std::string> screen = lines_of(tmux.screen());
  while (!screen.empty() && (screen.back().empty() || screen.back().rfind("Pane is dead", 0) == 0)) screen.pop_back();
  REQUIRE(screen.size() >= 2);
  // The last rows are the shell's output, not a region left pinned there.
  CHECK(screen[screen.size() - 2] == "39");
  CHECK(screen.back() == "40");
  CHECK(count(tmux.screen(), "SERVICE") == 0);
}
