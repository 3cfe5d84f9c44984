// The one mapping from socket failures to outcomes.
#include <catch2/catch.hpp>

#include "probes/net.h"

using namespace stackgate::probes;
using net::NetFailure;

TEST_CASE("socket failures map to outcomes", "[net]") {
  // `lookup`: the name did not resolve, retried at the slower lookup cap.
  auto [kind, verdict, cheap, lookup] = GENERATE(table<NetFailure, Verdict, bool, bool>({
      {NetFailure::refused, Verdict::not_yet, true, false},
      {NetFailure::unreachable, Verdict::not_yet, true, false},
      {NetFailure::dns, Verdict::not_yet, true, true},
      {NetFailure::missing, Verdict::not_yet, true, false},
      {NetFailure::timeout, Verdict::not_yet, false, false},
      {NetFailure::reset, Verdict::not_yet, false, false},
      {NetFailure::closed, Verdict::not_yet, false, false},
      {NetFailure::other, Verdict::not_yet, false, false},
      {NetFailure::denied, Verdict::fatal, false, false},
  }));
  Outcome outcome = net::to_outcome({kind, "reason"});
  CHECK(outcome.verdict == verdict);
  CHECK(outcome.cheap == cheap);
  CHECK(outcome.lookup == lookup);
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
