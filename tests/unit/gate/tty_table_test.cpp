#include "gate/tty_table.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using stackgate::gate::ProbeState;
using stackgate::gate::ProbeStatus;
using stackgate::gate::shorten_url;
using stackgate::gate::state_text;
using stackgate::gate::table_lines;
using stackgate::gate::TableLine;
using stackgate::gate::text_width;

namespace {

ProbeStatus row(std::string service, ProbeState state, std::string target = "tcp://127.0.0.1:5432") {
  ProbeStatus p;
  p.service = std::move(service);
  p.state = state;
  p.target = std::move(target);
  return p;
}

}  // namespace

TEST_CASE("a long probe URL keeps its host, port and query; the path gives way", "[tty]") {
  std::string url = "kafka://broker-0.kafka.internal:9092/cluster/a/b?groups=collector";
  CHECK(shorten_url(url, 100) == url);
  CHECK(shorten_url(url, 57) == "kafka://broker-0.kafka.internal:9092/...?groups=collector");
  CHECK(shorten_url(url, 61) == "kafka://broker-0.kafka.internal:9092/.../a/b?groups=collector");
  // Not even host and query fit: the query's start stays.
  CHECK(shorten_url(url, 50) == "kafka://broker-0.kafka.internal:9092/...?groups...");
  CHECK(shorten_url(url, 56) == "kafka://broker-0.kafka.internal:9092/...?groups=colle...");
  // No query: the middle goes, the port stays.
  CHECK(shorten_url("tcp://a-very-long-host-name.example.internal:5432", 24) == "tcp://a-ver...ernal:5432");
  for (size_t w : {4, 10, 20, 30, 45}) CHECK(text_width(shorten_url(url, w)) <= w);
  // The user and password go before the host and port would.
  CHECK(shorten_url("postgres://app:***@127.0.0.1:54097/appdb", 37) == "postgres://127.0.0.1:54097/appdb");
  CHECK(shorten_url("clickhouse://app:***@127.0.0.1:46527/default", 37) == "clickhouse://127.0.0.1:46527/default");
}

TEST_CASE("the state column shows a window as time held against time needed, in a fixed width", "[tty]") {
  ProbeStatus p = row("db", ProbeState::stabilizing);
  p.stable_for = 3000ms;
  p.window_span = 2000ms;
  p.passes = 2;
  p.passes_needed = 2;
  CHECK(state_text(p) == "stable 2.0/3s");
  p.stable_for = 1500ms;
  p.window_span = 420ms;
  CHECK(state_text(p) == "stable 0.4/1.5s");
  p.stable_for = 0ms;
  p.passes = 1;
  p.passes_needed = 3;
  CHECK(state_text(p) == "passes 1/3");
  p.stable_for = 600'000ms;
  p.window_span = 599'000ms;
  CHECK(text_width(state_text(p)) <= stackgate::gate::k_state_width);

  // Every row puts TIME at the same column whatever its state says.
  std::vector<ProbeStatus> rows{row("a", ProbeState::stabilizing), row("b", ProbeState::timed_out),
                                row("c", ProbeState::probing)};
  rows[0].stable_for = 30000ms;
  rows[0].window_span = 12300ms;
  auto lines = table_lines(rows, {1500ms, 1500ms, 1500ms}, 120, 10);
  REQUIRE(lines.size() == 4);
  size_t col = lines[1].text.find("1.5s");
  CHECK(col != std::string::npos);
  CHECK(lines[2].text.find("1.5s") == col);
  CHECK(lines[3].text.find("1.5s") == col);
}

TEST_CASE("the region fits the terminal: rows that do not fit are counted by state", "[tty]") {
  std::vector<ProbeStatus> rows;
  for (int i = 0; i < 31; ++i) rows.push_back(row("svc" + std::to_string(i), ProbeState::ready));
  rows[7].state = ProbeState::probing;
  rows[20].state = ProbeState::failed;
  rows[20].last_reason = "password authentication failed for user \"app\" and a very long tail of words";
  rows[30].state = ProbeState::waiting;
  std::vector<stackgate::gate::Millis> elapsed(rows.size(), 100ms);

  auto lines = table_lines(rows, elapsed, 79, 16);
  REQUIRE(lines.size() == 16);
  CHECK(lines.front().kind == TableLine::Kind::header);
  CHECK(lines.back().kind == TableLine::Kind::more);
  CHECK(lines.back().text == "+17 more ready");
  for (const TableLine& l : lines) CHECK(text_width(l.text) <= 79);
  // The rows that need attention are shown, in plan order.
  CHECK(lines[1].text.rfind("svc0 ", 0) == 0);
  bool probing = false, failed = false, waiting = false;
  for (const TableLine& l : lines) {
    probing = probing || l.text.rfind("svc7 ", 0) == 0;
    failed = failed || l.text.rfind("svc20 ", 0) == 0;
    waiting = waiting || l.text.rfind("svc30 ", 0) == 0;
  }
  CHECK(probing);
  CHECK(failed);
  CHECK(waiting);

  // Mixed states in the rest are listed by count.
  rows[1].state = ProbeState::waiting;
  lines = table_lines(rows, elapsed, 79, 4);
  REQUIRE(lines.size() == 4);
  CHECK(lines.back().text == "+29 more: 2 waiting, 27 ready");

  // A wide terminal shows every row and the LVL and ATT columns.
  lines = table_lines(rows, elapsed, 159, 46);
  CHECK(lines.size() == 32);
  CHECK(lines.front().text.find("LVL") != std::string::npos);
  CHECK(table_lines(rows, elapsed, 79, 46).front().text.find("LVL") == std::string::npos);
}
