// `stackgate serve` as a real process: it probes loopback sockets the test
// opens and closes, and is asked over real HTTP. Every wait is a bounded
// poll; nothing sleeps to let something happen.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/cli/process.h"

using namespace std::chrono_literals;
using stackgate::testing::base_env;
using stackgate::testing::contains;
using stackgate::testing::Listener;
using stackgate::testing::Process;
using Steady = std::chrono::steady_clock;

namespace {

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string body;
};

// Sends `request` on the connected socket `fd` and reads the answer until
// the server closes the connection or 2 s pass.
std::string ask(int fd, const std::string& request) {
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string raw;
  auto until = Steady::now() + 2s;
  char buf[4096];
  while (Steady::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  return raw;
}

// One GET over a fresh connection to "127.0.0.1:PORT", bounded by 2 s.
HttpAnswer http_get(const std::string& address, const std::string& path) {
  size_t colon = address.rfind(':');
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
  HttpAnswer answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return answer;
  }
  std::string raw = ask(fd, "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  ::close(fd);
  if (raw.rfind("HTTP/1.1 ", 0) != 0) return answer;
  answer.status = std::stoi(raw.substr(9, 3));
  size_t body = raw.find("\r\n\r\n");
  if (body != std::string::npos) answer.body = raw.substr(body + 4);
  return answer;
}

// One GET over a unix socket, bounded by 2 s; the raw answer.
std::string unix_get(const std::string& path, const std::string& target) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  std::string raw;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    raw = ask(fd, "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  ::close(fd);
  return raw;
}

// Asks until `done` holds or `limit` passes; returns the last answer.
HttpAnswer poll_get(const std::string& address, const std::string& path,
                    const std::function<bool(const HttpAnswer&)>& done, std::chrono::milliseconds limit) {
  auto until = Steady::now() + limit;
  HttpAnswer last;
  for (int i = 0; i < 1000 && Steady::now() < until; ++i) {
    last = http_get(address, path);
    if (done(last)) return last;
    std::this_thread::sleep_for(20ms);  // poll spacing, not synchronisation
  }
  return last;
}

// Starts serve and returns the address it announces on stderr.
std::string start_serve(Process& p) {
  std::regex announced("serving [0-9]+ targets? on ([0-9.]+:[0-9]+)");
  std::smatch m;
  REQUIRE(p.wait_for_output([&](const std::string&, const std::string& err) { return std::regex_search(err, m, announced); },
                            10s));
  std::regex_search(p.err(), m, announced);
  return m[1];
}

std::vector<std::string> serve_argv(std::vector<std::string> args) {
  std::vector<std::string> argv{STACKGATE_BIN, "serve", "--listen", "127.0.0.1:0", "--interval", "100ms"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

TEST_CASE("serve turns ready, then unready after `failures` failures, and stops on SIGTERM", "[serve]") {
  Listener upstream;
  std::string url = "tcp://user:s3cret@127.0.0.1:" + std::to_string(upstream.port());
  Process p(serve_argv({"--failures", "3", url}), base_env());
  std::string address = start_serve(p);

  CHECK(http_get(address, "/healthz").status == 200);
  HttpAnswer ready = poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s);
  REQUIRE(ready.status == 200);

  upstream.close();
  HttpAnswer unready = poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 503; }, 10s);
  REQUIRE(unready.status == 503);
  CHECK(contains(unready.body, "unhealthy: "));
  CHECK(contains(unready.body, "refused"));

  auto status = nlohmann::json::parse(http_get(address, "/status").body);
  CHECK(status["ready"] == false);
  const auto& t = status["targets"][0];
  CHECK(t["service"] == "127.0.0.1:" + std::to_string(upstream.port()));
  CHECK(t["type"] == "tcp");
  CHECK(t["target"] == "tcp://user:***@127.0.0.1:" + std::to_string(upstream.port()));
  CHECK(t["state"] == "unhealthy");
  CHECK(t["consecutive_failures"].get<int>() >= 3);  // never unhealthy before the third failure
  CHECK(t["consecutive_successes"] == 0);
  CHECK(contains(t["last_reason"].get<std::string>(), "refused"));
  CHECK(t["last_latency_seconds"].is_number());
  CHECK(std::regex_match(t["last_transition"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

  std::string metrics = http_get(address, "/metrics").body;
  std::string labels = "{service=\"127.0.0.1:" + std::to_string(upstream.port()) + "\",target=\"tcp://user:***@127.0.0.1:" +
                       std::to_string(upstream.port()) + "\",type=\"tcp\"}";
  CHECK(contains(metrics, "probe_success" + labels + " 0\n"));
  CHECK(contains(metrics, "stackgate_state_changes_total" + labels + " 2\n"));  // unknown -> healthy -> unhealthy
  CHECK(contains(metrics, "stackgate_last_transition_timestamp_seconds" + labels + " "));
  CHECK(contains(metrics, "probe_duration_seconds_count{service=\"127.0.0.1:" + std::to_string(upstream.port()) +
                              "\",type=\"tcp\"} "));
  for (const std::string& text : {metrics, status.dump(), unready.body, p.err()}) CHECK_FALSE(contains(text, "s3cret"));

  auto sent = Steady::now();
  p.signal(SIGTERM);
  std::optional<int> code = p.wait(2s);
  REQUIRE(code);
  CHECK(*code == 143);
  // 100 ms by design (signals.h); the bound leaves room for a loaded machine.
  CHECK(Steady::now() - sent < 1s);
}

TEST_CASE("serve answers /readyz?service=S for the upstreams `wait --for S` would wait for", "[serve]") {
  Listener db;
  int api_port = 0;
  {
    Listener closed;
    api_port = closed.port();
  }
  std::string dir = (std::filesystem::temp_directory_path() / ("sg-serve-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/compose.yaml") << "services:\n"
                                           "  db:\n    image: busybox\n    x-stackgate:\n      probes: [\"tcp://127.0.0.1:" +
                                               std::to_string(db.port()) +
                                               "\"]\n"
                                               "  api:\n    image: busybox\n    depends_on: [db]\n    x-stackgate:\n"
                                               "      probes: [\"tcp://127.0.0.1:" +
                                               std::to_string(api_port) +
                                               "\"]\n"
                                               "  web:\n    image: busybox\n    depends_on: [api]\n";
  Process p(serve_argv({"--docker", "never", "-f", dir + "/compose.yaml"}), base_env(), dir);
  std::string address = start_serve(p);

  HttpAnswer api = poll_get(address, "/readyz?service=api", [](const HttpAnswer& a) { return a.status == 200; }, 10s);
  CHECK(api.status == 200);
  HttpAnswer web = poll_get(address, "/readyz?service=web", [](const HttpAnswer& a) { return a.status == 503; }, 10s);
  CHECK(web.status == 503);
  CHECK(contains(web.body, "api tcp://127.0.0.1:" + std::to_string(api_port)));
  CHECK_FALSE(contains(web.body, "db "));
  CHECK(http_get(address, "/readyz").status == 503);
  CHECK(http_get(address, "/readyz?service=nope").status == 404);
  auto status = nlohmann::json::parse(http_get(address, "/status").body);
  CHECK(status["targets"].size() == 2);

  p.signal(SIGINT);
  std::optional<int> code = p.wait(2s);
  CHECK(code == 130);
  std::filesystem::remove_all(dir);
}

TEST_CASE("promtool check metrics accepts serve's /metrics", "[serve][promtool]") {
  Listener up;
  int down_port = 0;
  {
    Listener closed;
    down_port = closed.port();
  }
  Process p(serve_argv({"--failures", "1", "tcp://127.0.0.1:" + std::to_string(up.port()),
                        "tcp://127.0.0.1:" + std::to_string(down_port)}),
            base_env());
  std::string address = start_serve(p);
  // Both targets decided: one healthy, one unhealthy, histograms filled.
  HttpAnswer status = poll_get(address, "/status", [](const HttpAnswer& a) {
    return a.status == 200 && contains(a.body, "\"healthy\"") && contains(a.body, "\"unhealthy\"");
  }, 10s);
  REQUIRE(contains(status.body, "\"unhealthy\""));
  std::string metrics = http_get(address, "/metrics").body;
  REQUIRE(contains(metrics, "probe_duration_seconds_bucket"));

  std::string file = (std::filesystem::temp_directory_path() / ("sg-metrics-" + std::to_string(::getpid()))).string();
  std::ofstream(file) << metrics;
  stackgate::testing::Result r =
      stackgate::testing::run({"/bin/sh", "-c", "promtool check metrics < '" + file + "'"}, {}, "", 30s);
  std::filesystem::remove(file);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
}

TEST_CASE("serve listens on a unix socket with --listen unix:PATH", "[serve]") {
  Listener upstream;
  std::string path = (std::filesystem::temp_directory_path() / ("sg-serve-" + std::to_string(::getpid()) + ".sock")).string();
  Process p({STACKGATE_BIN, "serve", "--listen", "unix:" + path, "--interval", "100ms",
             "tcp://127.0.0.1:" + std::to_string(upstream.port())},
            base_env());
  REQUIRE(p.wait_for_output([&](const std::string&, const std::string& err) { return contains(err, "on unix:" + path); }, 10s));
  std::string raw;
  auto until = Steady::now() + 10s;
  for (int i = 0; i < 500 && Steady::now() < until; ++i) {
    raw = unix_get(path, "/readyz");
    if (raw.rfind("HTTP/1.1 200 ", 0) == 0) break;
    std::this_thread::sleep_for(20ms);  // poll spacing
  }
  CHECK(raw.rfind("HTTP/1.1 200 ", 0) == 0);
  CHECK(contains(raw, "ready: 1 targets healthy"));
  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
}

namespace {

// The value of the first series of an instant query, "" when there is none.
std::string query_value_of(const std::string& prometheus, const std::string& query) {
  HttpAnswer a = http_get(prometheus, "/api/v1/query?query=" + query);
  if (a.status != 200) return "";
  auto doc = nlohmann::json::parse(a.body, nullptr, false);
  if (doc.is_discarded() || doc["data"]["result"].empty()) return "";
  return doc["data"]["result"][0]["value"][1].get<std::string>();
}

std::string poll_query(const std::string& prometheus, const std::string& query, const std::string& want,
                       std::chrono::milliseconds limit) {
  auto until = Steady::now() + limit;
  std::string last;
  for (int i = 0; i < 1000 && Steady::now() < until; ++i) {
    last = query_value_of(prometheus, query);
    if (last == want) return last;
    std::this_thread::sleep_for(100ms);  // poll spacing
  }
  return last;
}

}  // namespace

TEST_CASE("a real Prometheus scrapes serve and sees probe_success flip when the upstream closes", "[serve][prometheus]") {
  Listener upstream;
  Process serve(serve_argv({"--failures", "1", "tcp://127.0.0.1:" + std::to_string(upstream.port())}), base_env());
  std::string address = start_serve(serve);

  int port = 0;
  {
    Listener free_port;  // released just before Prometheus binds it
    port = free_port.port();
  }
  std::string dir = (std::filesystem::temp_directory_path() / ("sg-prom-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/prometheus.yml") << "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                                            "scrape_configs:\n  - job_name: stackgate\n    static_configs:\n"
                                            "      - targets: [\"" + address + "\"]\n";
  std::string prometheus = "127.0.0.1:" + std::to_string(port);
  Process prom({"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data",
                "--web.listen-address=" + prometheus},
               {}, dir);

  std::string labels = "probe_success%7Bservice%3D%22127.0.0.1%3A" + std::to_string(upstream.port()) + "%22%7D";
  CHECK(poll_query(prometheus, labels, "1", 60s) == "1");
  CHECK(poll_query(prometheus, "up%7Bjob%3D%22stackgate%22%7D", "1", 10s) == "1");

  upstream.close();
  CHECK(poll_query(prometheus, labels, "0", 30s) == "0");

  prom.signal(SIGTERM);
  CHECK(prom.wait(10s).has_value());
  serve.signal(SIGTERM);
  CHECK(serve.wait(2s) == 143);
  std::filesystem::remove_all(dir);
}

TEST_CASE("20 concurrent scrapers all get /metrics: connections past the 16 served at once wait, not fail",
          "[serve]") {
  Listener upstream;
  Process p(serve_argv({"tcp://127.0.0.1:" + std::to_string(upstream.port())}), base_env());
  std::string address = start_serve(p);
  REQUIRE(poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s).status == 200);
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 20; ++i) {
    scrapers.emplace_back([&] {
      for (int j = 0; j < 10; ++j) {
        HttpAnswer a = http_get(address, "/metrics");
        (a.status == 200 && contains(a.body, "probe_success") ? ok : failed)++;
      }
    });
  }
  for (std::thread& t : scrapers) t.join();
  CHECK(failed.load() == 0);  // before: about 4 in 10 closed unanswered
  CHECK(ok.load() == 200);
  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
}

TEST_CASE("serve exits 2 with the reason when it cannot listen", "[serve]") {
  Listener taken;
  std::string address = "127.0.0.1:" + std::to_string(taken.port());
  stackgate::testing::Result busy =
      stackgate::testing::run({STACKGATE_BIN, "serve", "--listen", address, "tcp://127.0.0.1:1"}, base_env(), "", 10s);
  CHECK(busy.code == 2);
  CHECK(busy.err == "stackgate: error: cannot listen on " + address + ": Address already in use\n");
  stackgate::testing::Result bad =
      stackgate::testing::run({STACKGATE_BIN, "serve", "--listen", "bogus", "tcp://127.0.0.1:1"}, base_env(), "", 10s);
  CHECK(bad.code == 2);
  CHECK(bad.err == "stackgate: error: expected HOST:PORT or unix:/path, got 'bogus'\n");
}

// --- actions: real child processes -------------------------------------------------

namespace {

std::string temp_dir(const std::string& tag) {
  std::string dir = (std::filesystem::temp_directory_path() / ("sg-" + tag + "-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

int consecutive_failures(const std::string& address) {
  auto doc = nlohmann::json::parse(http_get(address, "/status").body, nullptr, false);
  if (doc.is_discarded() || doc["targets"].empty()) return -1;
  return doc["targets"][0]["consecutive_failures"].get<int>();
}

}  // namespace

TEST_CASE("serve --on-unhealthy runs the command after the threshold with the service, redacted target and reason",
          "[serve][actions]") {
  Listener upstream;
  std::string dir = temp_dir("action");
  std::string url = "tcp://user:s3cret@127.0.0.1:" + std::to_string(upstream.port());
  // No shell unless written: the words are split like Compose's command:.
  auto serve_env = base_env();
  serve_env["STACKGATE_REASON"] = "stale, from serve's own environment";
  Process p(serve_argv({"--failures", "3", "--on-unhealthy",
                        "sh -c 'env | grep ^STACKGATE_ | sort > " + dir + "/env.txt; exit 3'", url}),
            serve_env);
  std::string address = start_serve(p);
  REQUIRE(poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s).status == 200);
  CHECK_FALSE(contains(p.err(), "action "));  // healthy: nothing ran

  upstream.close();
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) { return contains(err, "exited with code 3"); },
                            10s));
  std::string env = read_file(dir + "/env.txt");
  std::string port = std::to_string(upstream.port());
  CHECK(contains(env, "STACKGATE_EVENT=unhealthy\n"));
  CHECK(contains(env, "STACKGATE_SERVICE=127.0.0.1:" + port + "\n"));
  CHECK(contains(env, "STACKGATE_TARGET=tcp://user:***@127.0.0.1:" + port + "\n"));
  CHECK(contains(env, "STACKGATE_REASON="));
  CHECK(contains(env, "refused"));
  CHECK_FALSE(contains(env, "stale"));  // serve's own STACKGATE_REASON is replaced, not shadowing
  // It ran after the third failure, not before: the transition line comes first.
  std::string err = p.err();
  size_t turned = err.find("healthy -> unhealthy");
  size_t started = err.find("action on-unhealthy for 127.0.0.1:" + port + ": started 'sh' as pid ");
  REQUIRE(turned != std::string::npos);
  REQUIRE(started != std::string::npos);
  CHECK(turned < started);
  CHECK(contains(err, "action on-unhealthy for 127.0.0.1:" + port + ": pid "));
  CHECK_FALSE(contains(env + err, "s3cret"));

  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
  std::filesystem::remove_all(dir);
}

TEST_CASE("serve --on-recover runs when the unhealthy target is back; the cooldown holds a second unhealthy action",
          "[serve][actions]") {
  auto upstream = std::make_unique<Listener>();
  int port = upstream->port();
  std::string dir = temp_dir("recover");
  Process p(serve_argv({"--failures", "2", "--action-cooldown", "1h", "--on-unhealthy",
                        "sh -c 'echo down >> " + dir + "/events'", "--on-recover",
                        "sh -c 'echo \"$STACKGATE_EVENT\" >> " + dir + "/events'",
                        "tcp://127.0.0.1:" + std::to_string(port)}),
            base_env());
  std::string address = start_serve(p);
  REQUIRE(poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s).status == 200);

  upstream.reset();
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) { return contains(err, "exited with code 0"); },
                            10s));
  upstream = std::make_unique<Listener>(port);
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) {
    return count_of(err, "exited with code 0") == 2;
  }, 10s));
  CHECK(read_file(dir + "/events") == "down\nrecover\n");

  upstream.reset();  // unhealthy again, within the hour's cooldown
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) {
    return contains(err, "action for 127.0.0.1:");
  }, 10s));
  CHECK(contains(p.err(), "not run: cooling down: the last action for 127.0.0.1:" + std::to_string(port) + " ran "));
  CHECK(contains(p.err(), "(--action-cooldown 1h)"));
  CHECK(read_file(dir + "/events") == "down\nrecover\n");

  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
  std::filesystem::remove_all(dir);
}

TEST_CASE("while unhealthy the action repeats after each cooldown up to --max-actions-per-hour", "[serve][actions]") {
  Listener upstream;  // healthy first: a target never healthy runs no action
  int port = upstream.port();
  std::string dir = temp_dir("cap");
  Process p(serve_argv({"--failures", "1", "--action-cooldown", "150ms", "--max-actions-per-hour", "2",
                        "--on-unhealthy", "sh -c 'echo run >> " + dir + "/runs'", "tcp://127.0.0.1:" + std::to_string(port)}),
            base_env());
  std::string address = start_serve(p);
  REQUIRE(poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s).status == 200);
  upstream.close();
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) {
    return count_of(err, "exited with code 0") == 2;
  }, 10s));
  // Ten more failed attempts at 100 ms, far past the cooldown: the cap holds.
  int seen = consecutive_failures(address);
  auto until = Steady::now() + 10s;
  while (Steady::now() < until && consecutive_failures(address) < seen + 10) std::this_thread::sleep_for(20ms);  // poll
  CHECK(consecutive_failures(address) >= seen + 10);
  CHECK(read_file(dir + "/runs") == "run\nrun\n");
  CHECK(count_of(p.err(), "started 'sh'") == 2);

  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
  std::filesystem::remove_all(dir);
}

TEST_CASE("an action that hangs does not hold the probe loop and is killed after --action-timeout", "[serve][actions]") {
  Listener upstream;  // healthy first: a target never healthy runs no action
  int port = upstream.port();
  Process p(serve_argv({"--failures", "1", "--action-timeout", "1s", "--on-unhealthy", "sleep 60",
                        "tcp://127.0.0.1:" + std::to_string(port)}),
            base_env());
  std::string address = start_serve(p);
  REQUIRE(poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s).status == 200);
  upstream.close();
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) { return contains(err, "started 'sleep'"); },
                            10s));
  auto started = Steady::now();
  // The loop keeps probing while the command runs.
  int seen = consecutive_failures(address);
  auto until = Steady::now() + 5s;
  while (Steady::now() < until && consecutive_failures(address) < seen + 3) std::this_thread::sleep_for(20ms);  // poll
  CHECK(consecutive_failures(address) >= seen + 3);
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) { return contains(err, "was killed by signal"); },
                            10s));
  CHECK(contains(p.err(), "was killed by signal 15, after running past the 1s --action-timeout"));
  CHECK(Steady::now() - started < 5s);

  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
}

TEST_CASE("a command that cannot be started is logged and serve keeps serving", "[serve][actions]") {
  Listener upstream;  // healthy first: a target never healthy runs no action
  int port = upstream.port();
  Process p(serve_argv({"--failures", "1", "--on-unhealthy", "/nonexistent/restart-it",
                        "tcp://127.0.0.1:" + std::to_string(port)}),
            base_env());
  std::string address = start_serve(p);
  REQUIRE(poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s).status == 200);
  upstream.close();
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) { return contains(err, "cannot run"); }, 10s));
  CHECK(contains(p.err(), "action on-unhealthy for 127.0.0.1:" + std::to_string(port) +
                              ": cannot run '/nonexistent/restart-it': No such file or directory"));
  CHECK(http_get(address, "/healthz").status == 200);
  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
}

TEST_CASE("an action's STACKGATE_ variables replace same-named ones inherited from serve's environment",
          "[serve][actions]") {
  Listener upstream;
  auto serve_env = base_env();
  serve_env["STACKGATE_REASON"] = "stale-reason";
  serve_env["STACKGATE_SERVICE"] = "stale-service";
  // `env` itself, no shell (a shell would collapse duplicates): its output is serve's stderr.
  Process p(serve_argv({"--failures", "1", "--on-unhealthy", "env", "tcp://127.0.0.1:" + std::to_string(upstream.port())}),
            serve_env);
  std::string address = start_serve(p);
  REQUIRE(poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s).status == 200);
  upstream.close();
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) { return contains(err, "exited with code 0"); },
                            10s));
  CHECK(contains(p.err(), "\nSTACKGATE_SERVICE=127.0.0.1:" + std::to_string(upstream.port()) + "\n"));
  CHECK(contains(p.err(), "\nSTACKGATE_REASON=connection refused\n"));
  CHECK_FALSE(contains(p.err(), "=stale-"));  // before: both copies, and getenv() finds the inherited one first
  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
}

TEST_CASE("an action still running when serve stops gets SIGTERM", "[serve][actions]") {
  Listener upstream;
  std::string dir = temp_dir("stop");
  Process p(serve_argv({"--failures", "1", "--on-unhealthy",
                        "sh -c 'trap \"echo terminated > " + dir + "/term; exit 0\" TERM; touch " + dir +
                            "/trapped; sleep 60 & wait'",
                        "tcp://127.0.0.1:" + std::to_string(upstream.port())}),
            base_env());
  std::string address = start_serve(p);
  REQUIRE(poll_get(address, "/readyz", [](const HttpAnswer& a) { return a.status == 200; }, 10s).status == 200);
  upstream.close();
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) { return contains(err, "started 'sh'"); }, 10s));
  // Stop serve only once the command's trap is set: a TERM before that ends
  // sh at once, and nothing would be written (the race, not the fix, tested).
  auto trapped = Steady::now() + 10s;
  while (Steady::now() < trapped && !std::filesystem::exists(dir + "/trapped")) {
    std::this_thread::sleep_for(20ms);  // poll
  }
  REQUIRE(std::filesystem::exists(dir + "/trapped"));
  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
  // The command's trap writes the file (before the fix it ran on, orphaned, for its full minute).
  auto until = Steady::now() + 5s;
  while (Steady::now() < until && !std::filesystem::exists(dir + "/term")) std::this_thread::sleep_for(20ms);  // poll
  CHECK(read_file(dir + "/term") == "terminated\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a target that was never healthy since serve started runs no action (it may still be starting)",
          "[serve][actions]") {
  int port = 0;
  {
    Listener closed;
    port = closed.port();
  }
  Process p(serve_argv({"--failures", "1", "--on-unhealthy", "sh -c 'echo ran'", "tcp://127.0.0.1:" + std::to_string(port)}),
            base_env());
  std::string address = start_serve(p);
  REQUIRE(p.wait_for_output([](const std::string&, const std::string& err) { return contains(err, "unknown -> unhealthy"); },
                            10s));
  // Five more failed attempts: still nothing started.
  int seen = consecutive_failures(address);
  auto until = Steady::now() + 10s;
  while (Steady::now() < until && consecutive_failures(address) < seen + 5) std::this_thread::sleep_for(20ms);  // poll
  CHECK(consecutive_failures(address) >= seen + 5);
  CHECK_FALSE(contains(p.err(), "action "));
  p.signal(SIGTERM);
  CHECK(p.wait(2s) == 143);
}

TEST_CASE("serve --restart-unhealthy without a Compose project is a usage error", "[serve][actions]") {
  auto env = base_env();
  env["COMPOSE_PROJECT_NAME"] = "";
  stackgate::testing::Result r =
      stackgate::testing::run({STACKGATE_BIN, "serve", "--restart-unhealthy", "tcp://127.0.0.1:1"}, env, "", 10s);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--restart-unhealthy needs a Compose project to find the containers: give -f FILE, -p NAME or "
                        "COMPOSE_PROJECT_NAME"));
}
