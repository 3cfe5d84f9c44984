// http(s)://…?json=PATH:VALUE (from the real libstackgate-http.so module)
// against in-process HTTP servers on 127.0.0.1.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>

#include "probes/factory.h"
#include "probe_fixtures.h"
#include "test_server.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using namespace stackgate::testing;

namespace {

// One attempt of http://127.0.0.1:PORT/api/health<options> against a server
// answering `status` with `body`.
Outcome check_json(int status, const std::string& body, const std::string& options) {
  TestServer server(answer(http_response(status, body, "Content-Type: application/json\r\n")));
  server.listen();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/api/health" + options;
  INFO(url);
  auto probe = try_probe(url);
  if (!probe) FAIL(probe.error());
  return (*probe)->check(2000ms);
}

std::string config_error(const std::string& url) {
  auto probe = try_probe(url);
  INFO(url);
  REQUIRE_FALSE(probe.has_value());
  return probe.error();
}

}  // namespace

TEST_CASE("http json=: a true value that holds is ready", "[http][json]") {
  Outcome outcome = check_json(200, R"({"mqtt": {"connected": true, "since": "12:00"}})", "?json=mqtt.connected:true");
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason == "HTTP 200 from /api/health");
}

TEST_CASE("http json=: a different value is not_yet naming the path, the value found and the one expected",
          "[http][json]") {
  Outcome outcome = check_json(200, R"({"mqtt": {"connected": false}})", "?json=mqtt.connected:true");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK_FALSE(outcome.cheap);
  CHECK(outcome.reason == "HTTP 200 from /api/health: json mqtt.connected is false, expected true");
}

TEST_CASE("http json=: indexes, quoted and bare strings", "[http][json]") {
  std::string body = R"({"checks": [{"name": "db", "status": "ok"}, {"name": "mqtt", "status": "down"}]})";
  CHECK(check_json(200, body, R"(?json=checks[0].status:"ok")").verdict == Verdict::ready);
  CHECK(check_json(200, body, "?json=checks[0].status:ok").verdict == Verdict::ready);
  CHECK(check_json(200, body, "?json=$.checks[1].name:mqtt").verdict == Verdict::ready);
  Outcome outcome = check_json(200, body, "?json=checks[1].status:ok");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "HTTP 200 from /api/health: json checks[1].status is \"down\", expected ok");
  CHECK(check_json(200, R"([[1, 2], [3, "x"]])", "?json=[1][1]:x").verdict == Verdict::ready);
}

TEST_CASE("http json=: JSON literals compare by type, numbers by value", "[http][json]") {
  std::string body = R"({"count": 3, "ratio": 0.5, "flag": "true", "gone": null, "list": [1, 2]})";
  CHECK(check_json(200, body, "?json=count:3").verdict == Verdict::ready);
  CHECK(check_json(200, body, "?json=count:3.0").verdict == Verdict::ready);
  CHECK(check_json(200, body, "?json=ratio:0.5").verdict == Verdict::ready);
  CHECK(check_json(200, body, "?json=gone:null").verdict == Verdict::ready);
  CHECK(check_json(200, body, "?json=list:[1,2]").verdict == Verdict::ready);
  Outcome outcome_list = check_json(200, body, "?json=list:[1,3]");
  CHECK(outcome_list.verdict == Verdict::not_yet);
  CHECK(outcome_list.reason == "HTTP 200 from /api/health: json list is an array of 2 items, expected [1,3]");
  // The string "true" is not the literal true, and "3" is not 3.
  CHECK(check_json(200, body, R"(?json=flag:"true")").verdict == Verdict::ready);
  Outcome outcome = check_json(200, body, "?json=flag:true");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "HTTP 200 from /api/health: json flag is \"true\", expected true");
  CHECK(check_json(200, body, R"(?json=count:"3")").verdict == Verdict::not_yet);
}

TEST_CASE("http json=: a missing key names the key, where it was looked for and the keys there", "[http][json]") {
  Outcome outcome = check_json(200, R"({"mqtt": {"link": "up", "since": 5}})", "?json=mqtt.connected:true");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason ==
        "HTTP 200 from /api/health: json mqtt.connected: no key \"connected\" in mqtt (it has link, since)");
  outcome = check_json(200, R"({"status": "ok"})", "?json=mqtt.connected:true");
  CHECK(outcome.reason == "HTTP 200 from /api/health: json mqtt.connected: no key \"mqtt\" in the body (it has status)");
  outcome = check_json(200, R"({"mqtt": "connected"})", "?json=mqtt.connected:true");
  CHECK(outcome.reason ==
        "HTTP 200 from /api/health: json mqtt.connected: mqtt is the string \"connected\", not an object");
}

TEST_CASE("http json=: an index past the end names the length", "[http][json]") {
  Outcome outcome = check_json(200, R"({"checks": [{"status": "ok"}]})", "?json=checks[2].status:ok");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "HTTP 200 from /api/health: json checks[2].status: checks has 1 item, no [2]");
  outcome = check_json(200, R"({"checks": {"db": "ok"}})", "?json=checks[0].status:ok");
  CHECK(outcome.reason == "HTTP 200 from /api/health: json checks[0].status: checks is an object, not an array");
}

TEST_CASE("http json=: a body that is not JSON is not_yet, its start sanitised", "[http][json]") {
  Outcome outcome = check_json(200, "<html>\x1b[31mMaintenance\n</html>", "?json=mqtt.connected:true");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "HTTP 200 from /api/health: body is not JSON: <html>\\x1b[31mMaintenance\\n</html>");
  outcome = check_json(200, "", "?json=mqtt.connected:true");
  CHECK(outcome.reason == "HTTP 200 from /api/health: body is not JSON (empty)");
}

TEST_CASE("http json=: a value the server sent is sanitised and cut", "[http][json]") {
  std::string body = R"({"state": "bad\u001b[2J)" + std::string(200, 'x') + R"("})";
  Outcome outcome = check_json(200, body, "?json=state:ok");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK_THAT(outcome.reason, Catch::StartsWith("HTTP 200 from /api/health: json state is \"bad\\u001b[2Jxxx"));
  CHECK_THAT(outcome.reason, Catch::EndsWith("…, expected ok"));
  CHECK(outcome.reason.find('\x1b') == std::string::npos);
  CHECK(outcome.reason.size() < 160);
}

TEST_CASE("http json=: a deeply nested body costs no stack", "[http][json]") {
  // 100,000 nested arrays: parsing and naming the value found must not recurse that deep.
  std::string deep = R"({"state": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  Outcome outcome = check_json(200, deep, "?json=state:ok");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "HTTP 200 from /api/health: json state is an array of 1 item, expected ok");
}

TEST_CASE("http json=: several options must all hold; the first that does not is named", "[http][json]") {
  std::string body = R"({"mqtt": {"connected": true}, "db": {"ok": false}})";
  CHECK(check_json(200, body, "?json=mqtt.connected:true&json=db.ok:false").verdict == Verdict::ready);
  Outcome outcome = check_json(200, body, "?json=mqtt.connected:true&json=db.ok:true");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "HTTP 200 from /api/health: json db.ok is false, expected true");
}

TEST_CASE("http json=: checked only after the status matched; a JSON error body says why", "[http][json]") {
  // The mqtt-503 case: the backend answers 503 with the reason in JSON.
  Outcome outcome = check_json(503, R"({"mqtt": {"connected": false}})", "?json=mqtt.connected:true");
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason == "HTTP 503 from /api/health: json mqtt.connected is false, expected true");
  // A proxy's HTML error page is not called "not JSON".
  outcome = check_json(502, "<html>Bad Gateway</html>", "?json=mqtt.connected:true");
  CHECK(outcome.reason == "HTTP 502 from /api/health");
  // A 404 stays fatal whatever the body.
  CHECK(check_json(404, R"({"mqtt": {"connected": true}})", "?json=mqtt.connected:true").verdict == Verdict::fatal);
  // status= still decides which answers are checked.
  CHECK(check_json(503, R"({"mqtt": {"connected": true}})", "?status=503&json=mqtt.connected:true").verdict ==
        Verdict::ready);
}

TEST_CASE("http json=: bodies up to 1 MiB are read whole", "[http][json]") {
  std::string padding(200 * 1024, 'p');
  std::string body = R"({"padding": ")" + padding + R"(", "ready": true})";
  CHECK(check_json(200, body, "?json=ready:true").verdict == Verdict::ready);
}

TEST_CASE("http json=: the option is the probe's, not passed on to the server", "[http][json]") {
  TestServer server(answer(http_response(200, R"({"ok": true})")));
  server.listen();
  auto probe = try_probe("http://127.0.0.1:" + std::to_string(server.port()) + "/h?json=ok:true&full=1");
  REQUIRE(probe.has_value());
  CHECK((*probe)->check(2000ms).verdict == Verdict::ready);
  REQUIRE(server.requests().size() == 1);
  CHECK_THAT(server.requests()[0], Catch::StartsWith("GET /h?full=1 HTTP/1.1\r\n"));
}

TEST_CASE("http json=: a bad PATH or VALUE is a config error when the probe is made", "[http][json][errors]") {
  CHECK(config_error("http://web/h?json=mqtt.connected") ==
        "bad json 'mqtt.connected' (expected PATH:VALUE, e.g. json=mqtt.connected:true) in "
        "http://web/h?json=mqtt.connected");
  CHECK(config_error("http://web/h?json=:true") ==
        "bad json ':true' (expected PATH:VALUE, e.g. json=mqtt.connected:true) in http://web/h?json=:true");
  CHECK(config_error("http://web/h?json=ok:") ==
        "bad json 'ok:': no VALUE after ':' (\"\" is the empty string) in http://web/h?json=ok:");
  CHECK(config_error("http://web/h?json=a..b:1") ==
        "bad json path 'a..b': empty key at character 3 (expected keys and [n] indexes, e.g. checks[0].status) in "
        "http://web/h?json=a..b:1");
  CHECK(config_error("http://web/h?json=a.:1") ==
        "bad json path 'a.': empty key at character 3 (expected keys and [n] indexes, e.g. checks[0].status) in "
        "http://web/h?json=a.:1");
  CHECK(config_error("http://web/h?json=checks[x].status:ok") ==
        "bad json path 'checks[x].status': index 'x' is not a whole number from 0 to 1000000 at character 8 "
        "(expected keys and [n] indexes, e.g. checks[0].status) in http://web/h?json=checks[x].status:ok");
  CHECK(config_error("http://web/h?json=checks[-1]:ok") ==
        "bad json path 'checks[-1]': index '-1' is not a whole number from 0 to 1000000 at character 8 "
        "(expected keys and [n] indexes, e.g. checks[0].status) in http://web/h?json=checks[-1]:ok");
  CHECK(config_error("http://web/h?json=checks[0:ok") ==
        "bad json path 'checks[0': unclosed '[' at character 7 (expected keys and [n] indexes, e.g. "
        "checks[0].status) in http://web/h?json=checks[0:ok");
  CHECK(config_error("http://web/h?json=a[0]b:1") ==
        "bad json path 'a[0]b': unexpected 'b' at character 5 (expected keys and [n] indexes, e.g. "
        "checks[0].status) in http://web/h?json=a[0]b:1");
  CHECK(config_error("http://web/h?method=HEAD&json=ok:true") ==
        "json= needs method=GET in http://web/h?method=HEAD&json=ok:true");
}
