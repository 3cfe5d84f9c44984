// The elasticsearch:// probe (from the real libstackgate-http.so module)
// against an in-process HTTP server on 127.0.0.1 that serves recorded
// /_cluster/health answers of Elasticsearch 8 (Elasticsearch is not in Debian).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <unistd.h>

#include "probes/factory.h"
#include "probe_fixtures.h"
#include "test_server.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using namespace stackgate::testing;

namespace {

// Recorded from a single-node Elasticsearch 8 cluster.
const std::string k_green = R"({"cluster_name":"docker-cluster","status":"green","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":3,"active_shards":3,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":100.0})";
const std::string k_yellow = R"({"cluster_name":"docker-cluster","status":"yellow","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":3,"active_shards":3,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":3,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":50.0})";
const std::string k_red = R"({"cluster_name":"docker-cluster","status":"red","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":2,"unassigned_shards":5,"delayed_unassigned_shards":0,"number_of_pending_tasks":2,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":12,"active_shards_percent_as_number":12.5})";
const std::string k_no_master = R"({"error":{"root_cause":[{"type":"master_not_discovered_exception","reason":null}],"type":"master_not_discovered_exception","reason":null},"status":503})";
const std::string k_unauthorized = R"({"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate user [elastic] for REST request [/_cluster/health]","header":{"WWW-Authenticate":["Basic realm=\"security\" charset=\"UTF-8\"","ApiKey"]}}],"type":"security_exception","reason":"unable to authenticate user [elastic] for REST request [/_cluster/health]","header":{"WWW-Authenticate":["Basic realm=\"security\" charset=\"UTF-8\"","ApiKey"]}},"status":401})";
// GET /_cluster/health/jobs,events?level=indices while only `jobs` exists.
const std::string k_one_index = R"({"cluster_name":"docker-cluster","status":"red","timed_out":true,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":100.0,"indices":{"jobs":{"status":"green","number_of_shards":1,"number_of_replicas":0,"active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0}}})";
const std::string k_both_indices = R"({"cluster_name":"docker-cluster","status":"yellow","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":2,"active_shards":2,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":1,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":66.7,"indices":{"jobs":{"status":"green","number_of_shards":1,"number_of_replicas":0,"active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0},"events":{"status":"yellow","number_of_shards":1,"number_of_replicas":1,"active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":1}}})";

std::string error_for(const std::string& url) {
  auto probe = try_probe(url);
  INFO(url);
  REQUIRE_FALSE(probe.has_value());
  return probe.error();
}

std::string es(const TestServer& server, const std::string& query = "") {
  return "elasticsearch://127.0.0.1:" + std::to_string(server.port()) + query;
}

std::string json_response(int status, const std::string& body) {
  return http_response(status, body, "Content-Type: application/json\r\nX-elastic-product: Elasticsearch\r\n");
}

Outcome check_once(int status, const std::string& body, const std::string& query = "") {
  TestServer server(answer(json_response(status, body)));
  server.listen();
  return probe_for(es(server, query))->check(2000ms);
}

// A server whose answer the test changes as the "cluster" comes up.
class Cluster {
 public:
  Cluster()
      : m_server([this](TestServer& server, int fd) {
          server.record(read_request(fd));
          write_all(fd, current());
        }) {}
  void answer_with(int status, const std::string& body) {
    std::lock_guard lock(m_mutex);
    m_response = json_response(status, body);
  }
  TestServer& server() { return m_server; }

 private:
  std::string current() {
    std::lock_guard lock(m_mutex);
    return m_response;
  }
  std::mutex m_mutex;
  std::string m_response;
  TestServer m_server;  // last: its threads use the members above
};

}  // namespace

TEST_CASE("elasticsearch: yellow and green are ready by default, red is not yet", "[elasticsearch]") {
  Outcome green = check_once(200, k_green);
  CHECK(green.verdict == Verdict::ready);
  CHECK(green.reason == "cluster status green");
  CHECK(check_once(200, k_yellow).verdict == Verdict::ready);

  Outcome red = check_once(200, k_red);
  CHECK(red.verdict == Verdict::not_yet);
  CHECK_FALSE(red.cheap);
  CHECK(red.reason == "cluster status red, want yellow (5 unassigned shards, 2 initializing shards)");
}

TEST_CASE("elasticsearch: status=green waits for green, status=red takes any answer", "[elasticsearch]") {
  Outcome yellow = check_once(200, k_yellow, "?status=green");
  CHECK(yellow.verdict == Verdict::not_yet);
  CHECK(yellow.reason == "cluster status yellow, want green (3 unassigned shards)");
  CHECK(check_once(200, k_green, "?status=green").verdict == Verdict::ready);
  CHECK(check_once(200, k_red, "?status=red").verdict == Verdict::ready);
}

TEST_CASE("elasticsearch: the request is GET /_cluster/health with a server timeout below the budget",
          "[elasticsearch]") {
  TestServer server(answer(json_response(200, k_green)));
  server.listen();
  REQUIRE(probe_for("opensearch://elastic:s3cret@127.0.0.1:" + std::to_string(server.port()))->check(2000ms).verdict ==
          Verdict::ready);
  REQUIRE(server.requests().size() == 1);
  const std::string request = server.requests()[0];
  CHECK_THAT(request, Catch::StartsWith("GET /_cluster/health?timeout=1500ms HTTP/1.1\r\n"));
  // elastic:s3cret as basic auth.
  CHECK(request.find("Authorization: Basic ZWxhc3RpYzpzM2NyZXQ=\r\n") != std::string::npos);
}

TEST_CASE("elasticsearch: the password may come from password_file", "[elasticsearch]") {
  std::string file = "/tmp/stackgate-es-test-" + std::to_string(::getpid()) + ".pw";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("s3cret\n", f);
    std::fclose(f);
  }
  TestServer server(answer(json_response(200, k_green)));
  server.listen();
  Outcome outcome =
      probe_for("elasticsearch://elastic@127.0.0.1:" + std::to_string(server.port()) + "?password_file=" + file)
          ->check(2000ms);
  std::remove(file.c_str());
  CHECK(outcome.verdict == Verdict::ready);
  REQUIRE(server.requests().size() == 1);
  // elastic:s3cret, the file's trailing newline dropped.
  CHECK(server.requests()[0].find("Authorization: Basic ZWxhc3RpYzpzM2NyZXQ=\r\n") != std::string::npos);
}

TEST_CASE("elasticsearch: starting up (503, red, yellow) is not yet, then ready", "[elasticsearch]") {
  Cluster cluster;
  cluster.answer_with(503, k_no_master);
  auto probe = probe_for(es(cluster.server()));

  Outcome refused = probe->check(1000ms);  // not listening yet
  CHECK(refused.verdict == Verdict::not_yet);
  CHECK(refused.cheap);

  cluster.server().listen();
  Outcome no_master = probe->check(1000ms);
  CHECK(no_master.verdict == Verdict::not_yet);
  CHECK(no_master.reason == "HTTP 503 from /_cluster/health: master_not_discovered_exception");

  cluster.answer_with(200, k_red);
  CHECK(probe->check(1000ms).verdict == Verdict::not_yet);
  cluster.answer_with(200, k_yellow);
  CHECK(probe->check(1000ms).verdict == Verdict::ready);
}

TEST_CASE("elasticsearch: indices= waits for each index to exist and be healthy", "[elasticsearch]") {
  Cluster cluster;
  cluster.server().listen();
  auto probe = probe_for(es(cluster.server(), "?indices=jobs,events"));

  // A missing index: the server waits for its timeout, then answers 408 red.
  cluster.answer_with(408, k_one_index);
  Outcome missing = probe->check(1000ms);
  CHECK(missing.verdict == Verdict::not_yet);
  CHECK(missing.reason == "index events does not exist yet");
  REQUIRE_FALSE(cluster.server().requests().empty());
  // cpp-httplib percent-encodes the comma; Elasticsearch decodes path parameters before splitting them.
  CHECK_THAT(cluster.server().requests().back(),
             Catch::StartsWith("GET /_cluster/health/jobs%2Cevents?timeout=750ms&level=indices HTTP/1.1\r\n"));

  cluster.answer_with(200, k_both_indices);
  Outcome both = probe->check(1000ms);
  CHECK(both.verdict == Verdict::ready);
  CHECK(both.reason == "status yellow");

  auto green = probe_for(es(cluster.server(), "?indices=jobs,events&status=green"));
  Outcome yellow = green->check(1000ms);
  CHECK(yellow.verdict == Verdict::not_yet);
  CHECK(yellow.reason == "index events is yellow, want green (1 unassigned shards)");
}

TEST_CASE("elasticsearch: 401 and 403 are fatal, without the password", "[elasticsearch]") {
  TestServer server(answer(json_response(401, k_unauthorized)));
  server.listen();
  Outcome denied = probe_for("elasticsearch://elastic:Wr0ngSecret@127.0.0.1:" + std::to_string(server.port()))
                       ->check(2000ms);
  CHECK(denied.verdict == Verdict::fatal);
  CHECK(denied.reason == "HTTP 401 from /_cluster/health: security_exception");
  CHECK(denied.reason.find("Wr0ngSecret") == std::string::npos);
  CHECK(check_once(403, R"({"error":{"type":"security_exception"},"status":403})").verdict == Verdict::fatal);
  Outcome not_es = check_once(404, "Not Found");
  CHECK(not_es.verdict == Verdict::fatal);
  CHECK(not_es.reason == "HTTP 404 from /_cluster/health: not an Elasticsearch or OpenSearch HTTP port");
}

TEST_CASE("elasticsearch: a server that dies mid-answer or hangs is not yet within the budget", "[elasticsearch]") {
  SECTION("closed halfway through the answer") {
    std::string whole = json_response(200, k_green);
    TestServer server(answer(whole.substr(0, whole.size() / 2)));
    server.listen();
    Outcome cut = probe_for(es(server))->check(1000ms);
    CHECK(cut.verdict == Verdict::not_yet);
  }
  SECTION("accepts and never answers") {
    TestServer server(silent());
    server.listen();
    auto start = std::chrono::steady_clock::now();
    Outcome hung = probe_for(es(server))->check(300ms);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(hung.verdict == Verdict::not_yet);
    CHECK(hung.reason.find("timed out") != std::string::npos);
    CHECK(elapsed < 300ms + 400ms);
  }
  SECTION("not JSON") {
    Outcome garbage = check_once(200, "<html>proxy</html>");
    CHECK(garbage.verdict == Verdict::not_yet);
    CHECK(garbage.reason == "HTTP 200 from /_cluster/health: no status in the answer");
  }
}

TEST_CASE("elasticsearch: options are checked when the probe is made", "[elasticsearch]") {
  CHECK(error_for("elasticsearch://elastic:pw@es?status=blue") ==
        "status must be green, yellow or red, not 'blue' in elasticsearch://elastic:***@es?status=blue");
  CHECK(error_for("opensearch://es?indexes=a") ==
        "unknown option 'indexes' for opensearch:// (did you mean 'indices'?) in opensearch://es?indexes=a");
  CHECK(error_for("elasticsearch://es/jobs").find("name indices with indices=a,b") != std::string::npos);
}
