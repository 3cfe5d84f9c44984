// serve's pure parts: the threshold state machine (TargetHealth), the
// Prometheus text, /status and /readyz built from snapshots.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "gate/health.h"
#include "gate/http_server.h"
#include "gate/metrics.h"
#include "gate/serve.h"

using namespace stackgate::gate;
using namespace std::chrono_literals;

namespace {

const std::chrono::system_clock::time_point k_t0{std::chrono::seconds(1'700'000'000)};

void pass(TargetHealth& h, int times = 1) {
  for (int i = 0; i < times; ++i) h.record(true, "ready", 0.002s, k_t0);
}
void fail(TargetHealth& h, int times = 1) {
  for (int i = 0; i < times; ++i) h.record(false, "connection refused", 0.001s, k_t0 + 5s);
}

TargetSnapshot snapshot(std::string service, std::string target, TargetHealth health) {
  return {std::move(service), "tcp", std::move(target), std::move(health)};
}

}  // namespace

TEST_CASE("a target starts unknown and turns healthy after `successes` passes", "[serve][health]") {
  TargetHealth h({3, 2});
  CHECK(h.state() == Health::unknown);
  CHECK_FALSE(h.attempted());
  pass(h);
  CHECK(h.state() == Health::unknown);
  pass(h);
  CHECK(h.state() == Health::healthy);
  CHECK(h.state_changes() == 1);
  CHECK(h.last_transition() == k_t0);
}

TEST_CASE("a healthy target turns unhealthy only after `failures` failures in a row", "[serve][health]") {
  TargetHealth h({3, 1});
  pass(h);
  fail(h, 2);
  CHECK(h.state() == Health::healthy);
  CHECK(h.consecutive_failures() == 2);
  pass(h);  // a pass breaks the run
  CHECK(h.consecutive_failures() == 0);
  fail(h, 2);
  CHECK(h.state() == Health::healthy);
  fail(h);
  CHECK(h.state() == Health::unhealthy);
  CHECK(h.state_changes() == 2);
  CHECK(h.last_transition() == k_t0 + 5s);
  CHECK(h.last_reason() == "connection refused");
  CHECK_FALSE(h.last_passed());
}

TEST_CASE("an unknown target turns unhealthy after `failures` failures", "[serve][health]") {
  TargetHealth h({2, 1});
  fail(h);
  CHECK(h.state() == Health::unknown);
  fail(h);
  CHECK(h.state() == Health::unhealthy);
  pass(h);
  CHECK(h.state() == Health::healthy);
  CHECK(h.consecutive_successes() == 1);
  CHECK(h.state_changes() == 2);
}

TEST_CASE("attempt durations fill cumulative histogram buckets", "[serve][metrics]") {
  DurationHistogram d;
  d.observe(0.003);
  d.observe(0.2);
  d.observe(30);
  CHECK(d.buckets.front() == 1);  // le=0.005
  CHECK(d.buckets[5] == 2);       // le=0.25
  CHECK(d.buckets.back() == 2);   // le=10; 30 s only in +Inf
  CHECK(d.count == 3);
}

TEST_CASE("label values escape backslash, quote and newline", "[serve][metrics]") {
  CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("metrics name every target by its redacted URL", "[serve][metrics]") {
  TargetHealth up({3, 1}), down({1, 1}), fresh({3, 1});
  pass(up);
  fail(down);
  std::string text = metrics_text({snapshot("db", "postgres://app:***@db:5432/app", up),
                                   snapshot("api", "tcp://api:80", down), snapshot("web", "tcp://web:80", fresh)});
  CHECK(text.find("probe_success{service=\"db\",target=\"postgres://app:***@db:5432/app\",type=\"tcp\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("probe_success{service=\"api\",target=\"tcp://api:80\",type=\"tcp\"} 0\n") != std::string::npos);
  // Not probed yet: no probe_success sample at all.
  CHECK(text.find("probe_success{service=\"web\"") == std::string::npos);
  CHECK(text.find("probe_duration_seconds_bucket{service=\"db\",type=\"tcp\",le=\"0.005\"} 1\n") != std::string::npos);
  CHECK(text.find("probe_duration_seconds_count{service=\"api\",type=\"tcp\"} 1\n") != std::string::npos);
  CHECK(text.find("stackgate_consecutive_failures{service=\"api\",target=\"tcp://api:80\",type=\"tcp\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("stackgate_state_changes_total{service=\"api\",target=\"tcp://api:80\",type=\"tcp\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("stackgate_last_transition_timestamp_seconds{service=\"api\",target=\"tcp://api:80\",type=\"tcp\"} "
                  "1700000005\n") != std::string::npos);
  CHECK(text.find("# TYPE probe_duration_seconds histogram\n") != std::string::npos);
}

TEST_CASE("readyz is 503 with the reasons until every selected target is healthy", "[serve][readyz]") {
  TargetHealth up({3, 1}), down({1, 1});
  pass(up);
  fail(down);
  std::vector<TargetSnapshot> targets{snapshot("db", "tcp://db:5432", up), snapshot("cache", "tcp://cache:6379", down)};
  Closures closures{{"api", {"db"}}, {"web", {"db", "cache"}}, {"db", {}}, {"cache", {}}};

  HttpResponse all = serve_request({"GET", "/readyz", ""}, targets, closures);
  CHECK(all.status == 503);
  CHECK(all.body == "cache tcp://cache:6379: unhealthy: connection refused\n");
  CHECK(serve_request({"GET", "/readyz", "service=api"}, targets, closures).status == 200);
  CHECK(serve_request({"GET", "/readyz", "service=web"}, targets, closures).status == 503);
  CHECK(serve_request({"GET", "/readyz", "service=nope"}, targets, closures).status == 404);
  CHECK(serve_request({"GET", "/healthz", ""}, targets, closures).status == 200);
  CHECK(serve_request({"GET", "/other", ""}, targets, closures).status == 404);
}

TEST_CASE("status lists state, counts, reason, latency and RFC 3339 transition time", "[serve][status]") {
  TargetHealth down({1, 1});
  fail(down);
  auto doc = nlohmann::json::parse(status_json({snapshot("api", "tcp://api:80", down)}));
  CHECK(doc["ready"] == false);
  const auto& t = doc["targets"][0];
  CHECK(t["service"] == "api");
  CHECK(t["type"] == "tcp");
  CHECK(t["target"] == "tcp://api:80");
  CHECK(t["state"] == "unhealthy");
  CHECK(t["consecutive_failures"] == 1);
  CHECK(t["consecutive_successes"] == 0);
  CHECK(t["last_reason"] == "connection refused");
  CHECK(t["last_latency_seconds"].get<double>() == Approx(0.001));
  CHECK(t["last_transition"] == "2023-11-14T22:13:25.000Z");
}

TEST_CASE("query values are found and percent-decoded", "[serve][http]") {
  CHECK(query_value("a=1&service=back%2Dend", "service") == "back-end");
  CHECK(query_value("service=x", "service") == "x");
  CHECK(query_value("other=x", "service") == "");
}
