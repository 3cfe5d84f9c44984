// Verdict names.
#include "probes/probe.h"

namespace stackgate::probes {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::ready: return "ready";
    case Verdict::not_yet: return "not_yet";
    case Verdict::fatal: return "fatal";
  }
  return "?";
}

}  // namespace stackgate::probes
