// `wait --invert`: waits until a target is down, for drain and teardown
// scripts. A target counts as down when an attempt is not ready, whatever
// the reason (refused, timed out, failing, even a fatal answer such as a
// wrong password: that server no longer serves us). An attempt that passes
// means "still up" and is retried like any not_yet. The stability window
// applies unchanged, so "down" must hold for its passes and duration.
#pragma once

#include <memory>
#include <utility>

#include "probes/probe.h"

namespace stackgate::gate {

class InvertedProbe final : public probes::Probe {
 public:
  explicit InvertedProbe(std::shared_ptr<probes::Probe> inner) : m_inner(std::move(inner)) {}

  probes::Outcome check(probes::Millis timeout) override {
    probes::Outcome outcome = m_inner->check(timeout);
    if (outcome.verdict == probes::Verdict::ready) return probes::Outcome::not_yet("still up (" + outcome.reason + ")");
    return probes::Outcome::ready("down (" + outcome.reason + ")");
  }

 private:
  std::shared_ptr<probes::Probe> m_inner;
};

}  // namespace stackgate::gate
