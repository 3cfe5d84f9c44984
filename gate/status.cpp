#include "gate/status.h"

namespace stackgate::gate {

std::string_view to_string(ProbeState s) {
  switch (s) {
    case ProbeState::waiting: return "waiting";
    case ProbeState::probing: return "probing";
    case ProbeState::stabilizing: return "stabilizing";
    case ProbeState::ready: return "ready";
    case ProbeState::not_ready: return "not_ready";
    case ProbeState::failed: return "failed";
    case ProbeState::timed_out: return "timed_out";
    case ProbeState::cancelled: return "cancelled";
  }
  return "?";
}

std::string_view to_string(RunStatus s) {
  switch (s) {
    case RunStatus::released: return "released";
    case RunStatus::not_ready: return "not_ready";
    case RunStatus::failed: return "failed";
    case RunStatus::timed_out: return "timed_out";
    case RunStatus::cancelled: return "cancelled";
  }
  return "?";
}

}  // namespace stackgate::gate
