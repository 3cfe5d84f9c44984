#include "tests/integration/servers/probe_support.h"

#include <catch2/catch.hpp>

#include <cstdlib>

#include "probes/factory.h"
#include "spec/probe_spec.h"
#include "tests/servers/harness.h"


namespace stackgate::testing {
namespace {

std::expected<std::unique_ptr<Probe>, std::string> try_make(const std::string& url) {
  // Modules come from this build unless the environment says otherwise.
  ::setenv("STACKGATE_MODULE_DIR", STACKGATE_TEST_MODULE_DIR, 0);
  auto spec = spec::parse_probe_spec(url);
  if (!spec) return std::unexpected(spec.error());
  return probes::make_probe(*spec);
}

}  // namespace

std::unique_ptr<Probe> make(const std::string& url) {
  auto probe = try_make(url);
  INFO(url);
  REQUIRE(probe.has_value());
  return std::move(*probe);
}

std::string make_error(const std::string& url) {
  auto probe = try_make(url);
  INFO(url);
  REQUIRE_FALSE(probe.has_value());
  return probe.error();
}

Attempt attempt(Probe& probe, Millis timeout) {
  auto start = std::chrono::steady_clock::now();
  Outcome outcome = probe.check(timeout);
  auto elapsed = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
  INFO(describe(outcome) << " after " << elapsed.count() << " ms");
  CHECK(elapsed <= timeout + k_slack);
  CHECK_FALSE(outcome.reason.empty());
  return {outcome, elapsed};
}

Outcome poll_for(Probe& probe, Verdict verdict, Millis limit, Millis timeout) {
  Outcome last;
  poll_until([&] {
    last = attempt(probe, timeout).outcome;
    return last.verdict == verdict;
  }, limit);
  return last;
}

std::string describe(const Outcome& outcome) {
  return std::string(probes::to_string(outcome.verdict)) + (outcome.cheap ? " (cheap)" : "") + ": " + outcome.reason;
}

}  // namespace stackgate::testing
