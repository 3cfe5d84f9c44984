// The one mapping from socket failures to outcomes.
#include <catch2/catch.hpp>

#include "probes/net.h"

using namespace stackgate::probes;
using net::NetFailure;

TEST_CASE("socket failures map to outcomes", "[net]") {
  auto [kind, verdict, cheap] = GENERATE(table<NetFailure, Verdict, bool>({
      {NetFailure::refused, Verdict::not_yet, true},
      {NetFailure::unreachable, Verdict::not_yet, true},
      {NetFailure::dns, Verdict::not_yet, true},
      {NetFailure::missing, Verdict::not_yet, true},
      {NetFailure::timeout, Verdict::not_yet, false},
      {NetFailure::reset, Verdict::not_yet, false},
      {NetFailure::closed, Verdict::not_yet, false},
      {NetFailure::other, Verdict::not_yet, false},
      {NetFailure::denied, Verdict::fatal, false},
  }));
  Outcome outcome = net::to_outcome({kind, "reason"});
  CHECK(outcome.verdict == verdict);
  CHECK(outcome.cheap == cheap);
  CHECK(outcome.reason == "reason");
}

TEST_CASE("a deadline knows its budget and what is left", "[net]") {
  auto deadline = net::Deadline::after(Millis(5000));
  CHECK(deadline.budget == Millis(5000));
  CHECK(deadline.remaining() <= Millis(5000));
  CHECK(deadline.remaining() > Millis(4000));
  CHECK_FALSE(deadline.passed());
  CHECK(net::Deadline::after(Millis(0)).remaining() == Millis(0));
}
