// The process exit codes (README lists them).
#pragma once

namespace stackgate::gate {

enum ExitStatus : int {
  k_exit_ok = 0,             // released / healthy / no lint errors
  k_exit_not_ready = 1,      // not healthy, fatal probe outcome; check: also a bad URL
  k_exit_usage = 2,          // usage or config error (and lint errors); never from check
  k_exit_timeout = 124,      // the overall deadline passed (timeout(1) and wait4x use 124)
  k_exit_not_found = 127,    // exec: command not found
  k_exit_not_executable = 126,
  k_exit_sigint = 130,
  k_exit_sigterm = 143,
};

}  // namespace stackgate::gate
