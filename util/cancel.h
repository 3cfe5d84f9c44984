// Process-wide cancellation: set once by the signal watcher (SIGINT or
// SIGTERM), read by long loops that do not run under the scheduler (loading
// a large compose file) so they can stop within milliseconds. Reading is one
// relaxed atomic load: cheap enough for every loop turn.
#pragma once

#include <atomic>

namespace stackgate::util {

namespace detail {
inline std::atomic<int> g_cancel_signal{0};
}

/// Records `signal` (non-zero) as the reason to stop; the first one wins.
inline void request_cancel(int signal) {
  int none = 0;
  detail::g_cancel_signal.compare_exchange_strong(none, signal);
}

/// True once request_cancel() was called.
inline bool cancel_requested() { return detail::g_cancel_signal.load(std::memory_order_relaxed) != 0; }

/// The signal that asked to stop, or 0.
inline int cancel_signal() { return detail::g_cancel_signal.load(); }

}  // namespace stackgate::util
