// Errors that end the run (an unwritable report file, a broken install):
// thrown anywhere in gate/, caught once in run(), printed as
// "stackgate: error: ..." with the exit code they carry.
#pragma once

#include <stdexcept>
#include <string>

#include "gate/exit_status.h"

namespace stackgate::gate {

class FatalError : public std::runtime_error {
 public:
  explicit FatalError(const std::string& message, int exit_code = k_exit_usage)
      : std::runtime_error(message), m_exit_code(exit_code) {}
  int exit_code() const { return m_exit_code; }

 private:
  int m_exit_code;
};

}  // namespace stackgate::gate
