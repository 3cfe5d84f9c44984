#include "gate/executor.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <thread>

using namespace std::chrono_literals;
using stackgate::gate::ThreadExecutor;

namespace {

// How many tasks the calling thread has run, this one included.
int count_on_this_thread() {
  thread_local int n = 0;
  return ++n;
}

// Polls `done` until it holds or 5 s pass (bounded; no sleep as a wait).
bool eventually(const std::function<bool()>& done) {
  auto until = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace

TEST_CASE("ThreadExecutor runs attempts one after another on a worker it keeps", "[scheduler][executor]") {
  ThreadExecutor executor;
  for (int i = 1; i <= 20; ++i) {
    auto done = std::make_shared<std::promise<int>>();
    auto result = done->get_future();
    executor.submit([done] { done->set_value(count_on_this_thread()); });
    REQUIRE(result.wait_for(5s) == std::future_status::ready);
    // A thread per attempt would see a fresh thread_local every time.
    CHECK(result.get() == i);
    // The scheduler submits the next attempt milliseconds later; here, once
    // the worker is back waiting.
    REQUIRE(eventually([&] { return executor.idle() == 1; }));
  }
  CHECK(executor.workers() == 1);
}

TEST_CASE("ThreadExecutor: an attempt that never returns does not hold up the next", "[scheduler][executor]") {
  ThreadExecutor executor;
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  auto stuck_started = std::make_shared<std::promise<void>>();
  auto started = stuck_started->get_future();
  executor.submit([released, stuck_started] {
    stuck_started->set_value();
    released.wait_for(10s);
  });
  REQUIRE(started.wait_for(5s) == std::future_status::ready);
  CHECK(executor.running() == 1);
  CHECK(ThreadExecutor::in_flight() >= 1);

  auto next = std::make_shared<std::promise<void>>();
  auto next_done = next->get_future();
  executor.submit([next] { next->set_value(); });
  CHECK(next_done.wait_for(5s) == std::future_status::ready);
  CHECK(executor.workers() == 2);

  release->set_value();
  CHECK(eventually([&] { return executor.running() == 0; }));
}
