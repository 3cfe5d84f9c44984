// The contract between the factory and a dlopen()ed probe module. Each
// module defines
//   extern "C" const stackgate::probes::ModuleInfo* stackgate_probe_module();
// Modules are built by this project with the same compiler, so C++ types
// may cross the boundary.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

using MakeProbeFn = std::expected<std::unique_ptr<Probe>, std::string> (*)(const ProbeSpec&);

struct ModuleInfo {
  int abi_version;           // k_module_abi_version
  const char* const* schemes;  // null-terminated list
  MakeProbeFn make;
};

inline constexpr int k_module_abi_version = 1;

}  // namespace stackgate::probes

#define STACKGATE_PROBE_MODULE_SYMBOL "stackgate_probe_module"
