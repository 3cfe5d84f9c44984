// The probe interface: one readiness check against one endpoint.
//
// probes/ knows protocols and nothing of compose. A probe is built from a
// ProbeSpec (a parsed probe URL with its options, see spec/probe_spec.h) by
// make_probe() (factory.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "spec/probe_spec.h"

namespace stackgate::probes {

// The URL types are spec/'s; every probe speaks of them.
using spec::HostPort;
using spec::percent_encode;
using spec::ProbeSpec;
using spec::Url;
using spec::Window;

using Millis = std::chrono::milliseconds;

enum class Verdict {
  ready,    // this attempt passed
  not_yet,  // retry: the server is starting, refusing, loading, rebalancing...
  fatal,    // misconfiguration that waiting cannot fix (wrong password, unknown db)
};

std::string_view to_string(Verdict v);

// Outcome of one attempt. `reason` is one human-readable line and never
// contains a secret ("connection refused", "HTTP 503 from /healthz",
// "password authentication failed for user \"app\"").
struct Outcome {
  Verdict verdict = Verdict::not_yet;
  std::string reason;
  // True when the attempt cost the server nothing (connection refused, no
  // route, DNS not resolvable yet): the scheduler may poll again within tens
  // of milliseconds. False for protocol-level "not yet" answers, which back
  // off towards a slower cap.
  bool cheap = false;
  // True when the name did not resolve (its container does not exist yet):
  // each retry is a query to a resolver others share (Docker's embedded
  // DNS), so the scheduler retries these at a slower cap than refusals.
  bool lookup = false;
  // Non-zero: the probe asks for its next attempt within this long, whatever
  // the backoff or the window cadence would pick (the scheduler takes the
  // shorter). The Kafka probe sets it while a consumer group is forming or in
  // its stability window, where a rebalance lasts only milliseconds.
  Millis recheck_within{0};

  static Outcome ready(std::string reason = "ready") { return {Verdict::ready, std::move(reason), false}; }
  static Outcome not_yet(std::string reason, bool cheap = false) { return {Verdict::not_yet, std::move(reason), cheap}; }
  static Outcome fatal(std::string reason) { return {Verdict::fatal, std::move(reason), false}; }
  static Outcome unresolved(std::string reason) { return {Verdict::not_yet, std::move(reason), true, true}; }
};

// One readiness check against one endpoint.
//
// check() makes one attempt and must return within `timeout` (plus a few
// milliseconds of slack); it never sleeps or retries internally (the
// scheduler owns timing) and never throws: library errors become an Outcome.
// A probe may keep state between attempts (the Kafka group probe compares
// member sets); the scheduler calls check() on one instance from one thread
// at a time.
class Probe {
 public:
  virtual ~Probe() = default;
  virtual Outcome check(Millis timeout) = 0;
};

}  // namespace stackgate::probes
