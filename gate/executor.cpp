#include "gate/executor.h"

#include <memory>
#include <system_error>
#include <thread>

namespace stackgate::gate {

std::atomic<int> ThreadExecutor::s_in_flight{0};

void ThreadExecutor::submit(std::function<void()> work) {
  auto shared = std::make_shared<std::function<void()>>(std::move(work));
  s_in_flight.fetch_add(1);
  try {
    std::thread([shared] {
      (*shared)();
      s_in_flight.fetch_sub(1);
    }).detach();
  } catch (const std::system_error&) {
    // Out of threads: run it here rather than lose the attempt.
    s_in_flight.fetch_sub(1);
    (*shared)();
  }
}

int ThreadExecutor::in_flight() { return s_in_flight.load(); }

}  // namespace stackgate::gate
