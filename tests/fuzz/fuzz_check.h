// FUZZ_CHECK: an invariant a fuzz target asserts beyond "does not crash".
// A broken invariant prints what broke and aborts, which libFuzzer reports
// as a crash and saves the input (crash-<sha1>) for a regression test.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/sanitize.h"

#define FUZZ_CHECK(condition, what)                                                    \
  do {                                                                                 \
    if (!(condition)) {                                                                \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                   #condition, std::string(what).c_str());                             \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

namespace stackgate::fuzz {

/// A message that reaches a terminal or a JSON report: valid UTF-8, no
/// control characters (util::sanitize leaves such a string unchanged).
inline bool is_printable(std::string_view message) { return util::sanitize(message) == message; }

}  // namespace stackgate::fuzz
