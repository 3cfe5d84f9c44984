#include "gate/reporter.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gate/report_files.h"

using namespace std::chrono_literals;
using stackgate::gate::JsonReporter;
using stackgate::gate::LineReporter;
using stackgate::gate::ProbeState;
using stackgate::gate::ProbeStatus;
using stackgate::gate::RunResult;
using stackgate::gate::RunStatus;
using stackgate::gate::TtyReporter;
using stackgate::probes::Outcome;
using stackgate::probes::Verdict;

namespace {

ProbeStatus db_status(int attempts, stackgate::gate::Millis elapsed, Outcome outcome) {
  ProbeStatus p;
  p.service = "db";
  p.type = "postgres";
  p.target = "postgres://app:***@db:5432/app";
  p.state = ProbeState::probing;
  p.attempts = attempts;
  p.elapsed = elapsed;
  p.last_verdict = outcome.verdict;
  p.last_reason = outcome.reason;
  p.passes_needed = 2;
  p.stable_for = 1000ms;
  return p;
}

auto fixed_stamp() {
  return [] { return std::string("12:00:01.234"); };
}

}  // namespace

TEST_CASE("a not_yet prints one line with attempts and elapsed and reason", "[reporter]") {
  std::ostringstream out;
  LineReporter r(out, fixed_stamp());
  Outcome refused = Outcome::not_yet("connection refused", true);
  r.attempt_finished(db_status(1, 50ms, refused), refused, 1ms);
  CHECK(out.str() ==
        "12:00:01.234 db postgres://app:***@db:5432/app not_yet (1 attempts, 0.05s): connection refused\n");
}

TEST_CASE("repeated identical failures print once and a new reason prints again", "[reporter]") {
  std::ostringstream out;
  LineReporter r(out, fixed_stamp());
  Outcome refused = Outcome::not_yet("connection refused", true);
  Outcome starting = Outcome::not_yet("the database system is starting up");
  r.attempt_finished(db_status(1, 0ms, refused), refused, 0ms);
  r.attempt_finished(db_status(2, 10ms, refused), refused, 0ms);
  r.attempt_finished(db_status(3, 30ms, starting), starting, 0ms);
  CHECK(out.str() ==
        "12:00:01.234 db postgres://app:***@db:5432/app not_yet (1 attempts, 0.00s): connection refused\n"
        "12:00:01.234 db postgres://app:***@db:5432/app not_yet (3 attempts, 0.03s): the database system is "
        "starting up\n");
}

TEST_CASE("window passes and ready services and released levels each print a line", "[reporter]") {
  std::ostringstream out;
  LineReporter r(out, fixed_stamp(), "api");
  ProbeStatus p = db_status(2, 20ms, Outcome::ready());
  p.state = ProbeState::stabilizing;
  p.passes = 1;
  r.window_progress(p);
  r.service_ready("db", 0, 1020ms);
  r.level_released(0, {"db", "cache"}, 1020ms);
  RunResult result;
  result.elapsed = 1020ms;
  r.finished(result);
  CHECK(out.str() ==
        "12:00:01.234 db postgres://app:***@db:5432/app stabilizing 1/2 passes, 0.00s of 1s (2 attempts, 0.02s)\n"
        "12:00:01.234 db ready after 1.02s\n"
        "12:00:01.234 level 0 released (db, cache) after 1.02s\n"
        "12:00:01.234 released api after 1.02s\n");
}

TEST_CASE("a timed-out summary lists every unready probe with its last reason", "[reporter]") {
  RunResult result;
  result.status = RunStatus::timed_out;
  result.reason = "timed out after 30s";
  ProbeStatus db = db_status(12, 30000ms, Outcome::not_yet("connection refused", true));
  db.state = ProbeState::timed_out;
  ProbeStatus api;
  api.service = "api";
  api.level = 1;
  api.target = "http://api:8080/health";
  result.probes = {db, api};
  CHECK(stackgate::gate::summary_text(result, "web") ==
        "timed out after 30s waiting for web\n"
        "  db postgres://app:***@db:5432/app timed_out (12 attempts, 30.00s): connection refused\n"
        "  api: not probed (level 1 waits for its upstreams)\n");
}

TEST_CASE("the JSON reporter prints one parseable object per event", "[reporter]") {
  std::ostringstream out;
  JsonReporter r(out, fixed_stamp());
  Outcome refused = Outcome::not_yet("connection refused", true);
  r.level_started(0, {"db"});
  r.attempt_finished(db_status(1, 0ms, refused), refused, 3ms);
  r.service_ready("db", 0, 100ms);
  std::istringstream lines(out.str());
  std::string line;
  std::vector<nlohmann::json> events;
  while (std::getline(lines, line)) events.push_back(nlohmann::json::parse(line));
  REQUIRE(events.size() == 3);
  CHECK(events[0]["event"] == "level_started");
  CHECK(events[1]["event"] == "probe");
  CHECK(events[1]["verdict"] == "not_yet");
  CHECK(events[1]["reason"] == "connection refused");
  CHECK(events[1]["target"] == "postgres://app:***@db:5432/app");
  CHECK(events[1]["cheap"] == true);
  CHECK(events[2]["event"] == "service_ready");
}

TEST_CASE("the TTY table pins its region under a scrolling margin and redraws at a bounded rate", "[reporter][tty]") {
  std::ostringstream out;
  auto now = std::chrono::steady_clock::time_point{} + 1h;
  stackgate::gate::TermSize size{120, 20};
  TtyReporter r(
      out, "api", [&] { return size; }, 100ms, [&] { return now; });
  ProbeStatus p = db_status(0, 0ms, Outcome::ready());
  p.last_verdict.reset();
  p.last_reason.clear();
  p.state = ProbeState::waiting;
  r.run_started({p});
  std::string first = out.str();
  // Two rows reserved (header + db): newlines, margin rows 1..18, back up 2.
  CHECK(first.rfind("\n\n\x1b"
                    "7\x1b[1;18r\x1b"
                    "8\x1b[2A",
                    0) == 0);
  CHECK(first.find("\x1b[19;1H\x1b[2K\x1b[1mSERVICE") != std::string::npos);
  CHECK(first.find("\x1b[20;1H\x1b[2K") != std::string::npos);
  CHECK(std::string_view(first).ends_with("\x1b"
                                          "8"));  // the cursor goes back above the region

  r.level_started(0, {"db"});  // within 100 ms of the last draw: no redraw
  CHECK(out.str() == first);
  now += 150ms;
  Outcome refused = Outcome::not_yet("connection refused", true);
  r.attempt_finished(db_status(1, 150ms, refused), refused, 1ms);
  std::string second = out.str().substr(first.size());
  CHECK(second.rfind("\x1b"
                     "7\x1b[19;1H",
                     0) == 0);  // the region only: no margin again, no cursor-up
  CHECK(second.find("connection refused") != std::string::npos);
  CHECK(second.find("postgres://app:***@db:5432/app") != std::string::npos);

  // A log line goes where the cursor is: above the region, scrolling.
  r.service_ready("db", 0, 1250ms);
  std::string third = out.str().substr(first.size() + second.size());
  CHECK(third.rfind("\x1b[32mdb ready after 1.25s\x1b[0m\n", 0) == 0);
}

TEST_CASE("the TTY table lays itself out again when the terminal is resized", "[reporter][tty]") {
  std::ostringstream out;
  auto now = std::chrono::steady_clock::time_point{} + 1h;
  stackgate::gate::TermSize size{80, 20};
  TtyReporter r(
      out, "api", [&] { return size; }, 100ms, [&] { return now; });
  std::vector<ProbeStatus> rows;
  for (int i = 0; i < 31; ++i) {
    ProbeStatus p = db_status(0, 0ms, Outcome::ready());
    p.service = "svc" + std::to_string(i);
    p.state = ProbeState::ready;
    rows.push_back(p);
  }
  r.run_started(rows);
  CHECK(out.str().find("\x1b[1;4r") != std::string::npos);  // 16 rows of region on 20
  CHECK(out.str().find("+17 more ready") != std::string::npos);
  size = {60, 12};
  now += 150ms;
  out.str("");
  r.tick();
  std::string redrawn = out.str();
  // Close (margin reset, clear below the cursor), then open for 12 rows: 8 of region.
  CHECK(redrawn.rfind("\x1b"
                      "7\x1b[r\x1b"
                      "8\x1b[J\n\n\n\n\n\n\n\n\x1b"
                      "7\x1b[1;4r",
                      0) == 0);
  CHECK(redrawn.find("+25 more ready") != std::string::npos);
  CHECK(std::string(TtyReporter::restore_sequence()) == "\x1b"
                                                        "7\x1b[r\x1b"
                                                        "8\x1b[J");

  RunResult result;
  result.status = RunStatus::released;
  result.elapsed = 1500ms;
  result.probes = rows;
  out.str("");
  r.finished(result);
  std::string final_text = out.str();
  CHECK(final_text.rfind("\x1b"
                         "7\x1b[r\x1b"
                         "8\x1b[J",
                         0) == 0);  // the region goes away first
  CHECK(std::string(TtyReporter::restore_sequence()).empty());
  // Then the final table once, every row, as plain scrolling lines.
  CHECK(final_text.find("SERVICE") == final_text.rfind("SERVICE"));
  CHECK(final_text.find("svc30") != std::string::npos);
  CHECK(final_text.find("more ready") == std::string::npos);
  CHECK(final_text.find("\x1b[1;") == std::string::npos);
  CHECK(std::string_view(final_text).ends_with("released api after 1.50s\n"));
  out.str("");
  r.tick();  // nothing after the end
  CHECK(out.str().empty());
}

TEST_CASE("without a terminal size the TTY reporter prints log lines and the final table, no region",
          "[reporter][tty]") {
  std::ostringstream out;
  TtyReporter r(
      out, "", [] { return stackgate::gate::TermSize{}; }, 0ms);
  ProbeStatus p = db_status(0, 0ms, Outcome::ready());
  r.run_started({p});
  r.tick();
  r.service_ready("db", 0, 10ms);
  CHECK(out.str() == "\x1b[32mdb ready after 0.01s\x1b[0m\n");
}

TEST_CASE("the JSON report holds state and attempts and elapsed and reason per probe", "[reporter][report]") {
  RunResult result;
  result.status = RunStatus::not_ready;
  ProbeStatus db = db_status(1, 12ms, Outcome::not_yet("connection refused", true));
  db.state = ProbeState::not_ready;
  result.probes = {db};
  auto j = nlohmann::json::parse(stackgate::gate::json_report(result, "demo"));
  CHECK(j["project"] == "demo");
  CHECK(j["status"] == "not_ready");
  auto probe = j["services"]["db"]["probes"][0];
  CHECK(probe["state"] == "not_ready");
  CHECK(probe["attempts"] == 1);
  CHECK(probe["elapsed_ms"] == 12);
  CHECK(probe["reason"] == "connection refused");
  CHECK(probe["target"] == "postgres://app:***@db:5432/app");
}

TEST_CASE("the JUnit report has a testcase per probe and escapes the failure message", "[reporter][report]") {
  RunResult result;
  result.status = RunStatus::failed;
  ProbeStatus db = db_status(2, 1500ms, Outcome::fatal("password authentication failed for user \"app\""));
  db.state = ProbeState::failed;
  ProbeStatus cache = db_status(1, 5ms, Outcome::ready());
  cache.service = "cache";
  cache.target = "redis://cache:6379";
  cache.state = ProbeState::ready;
  result.probes = {db, cache};
  std::string xml = stackgate::gate::junit_report(result, "demo");
  CHECK(xml.find("<testsuite name=\"stackgate demo\" tests=\"2\" failures=\"1\"") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"cache\" name=\"redis://cache:6379\" time=\"0.005\"/>") != std::string::npos);
  CHECK(xml.find("<failure message=\"password authentication failed for user &quot;app&quot;\" type=\"failed\">") !=
        std::string::npos);
}
