#include "gate/executor.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace stackgate::gate {
namespace {

std::atomic<int> g_in_flight{0};

}  // namespace

// Shared by the executor and its detached workers, which may outlive it.
struct ThreadExecutor::Pool {
  mutable std::mutex mu;
  std::condition_variable wake;
  std::deque<std::function<void()>> queue;  // handed to idle workers
  int idle = 0;                             // workers waiting on `wake`
  int workers = 0;
  int running = 0;
  bool closing = false;

  void finished() {
    g_in_flight.fetch_sub(1);
    std::lock_guard lock(mu);
    --running;
  }

  static void work_loop(std::shared_ptr<Pool> p, std::function<void()> work) {
    for (;;) {
      work();
      p->finished();
      std::unique_lock lock(p->mu);
      ++p->idle;
      bool got = p->wake.wait_for(lock, k_idle_linger, [&p] { return p->closing || !p->queue.empty(); });
      --p->idle;
      if (!got || p->queue.empty()) {
        --p->workers;
        return;
      }
      work = std::move(p->queue.front());
      p->queue.pop_front();
    }
  }
};

ThreadExecutor::ThreadExecutor() : m_pool(std::make_shared<Pool>()) {}

ThreadExecutor::~ThreadExecutor() {
  std::lock_guard lock(m_pool->mu);
  m_pool->closing = true;
  m_pool->wake.notify_all();
}

void ThreadExecutor::submit(std::function<void()> work) {
  Pool& p = *m_pool;
  g_in_flight.fetch_add(1);
  {
    std::unique_lock lock(p.mu);
    ++p.running;
    // Every queued attempt has an idle worker of its own: none waits
    // behind a running one.
    if (p.idle > static_cast<int>(p.queue.size())) {
      p.queue.push_back(std::move(work));
      // Notified after unlocking, so the worker it wakes does not block
      // at once on the mutex this thread still holds.
      lock.unlock();
      p.wake.notify_one();
      return;
    }
    ++p.workers;
  }
  // Held by pointer so that `work` is still here if no thread can start.
  auto first = std::make_shared<std::function<void()>>(std::move(work));
  try {
    std::thread([pool = m_pool, first] { Pool::work_loop(pool, std::move(*first)); }).detach();
  } catch (const std::system_error&) {
    // Out of threads: run it here rather than lose the attempt.
    {
      std::lock_guard lock(p.mu);
      --p.workers;
    }
    (*first)();
    p.finished();
  }
}

int ThreadExecutor::in_flight() { return g_in_flight.load(); }

int ThreadExecutor::running() const {
  std::lock_guard lock(m_pool->mu);
  return m_pool->running;
}

int ThreadExecutor::workers() const {
  std::lock_guard lock(m_pool->mu);
  return m_pool->workers;
}

int ThreadExecutor::idle() const {
  std::lock_guard lock(m_pool->mu);
  return m_pool->idle;
}

}  // namespace stackgate::gate
