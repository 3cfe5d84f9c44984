// Compose model helpers.
#include "compose/model.h"

namespace stackgate::compose {

const char* to_string(Condition c) {
  switch (c) {
    case Condition::service_started: return "service_started";
    case Condition::service_healthy: return "service_healthy";
    case Condition::service_completed_successfully: return "service_completed_successfully";
  }
  return "?";
}

}  // namespace stackgate::compose
