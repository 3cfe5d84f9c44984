// The contract between the factory and a probe module (one per protocol
// family: http, postgres, redis, kafka; see factory.h).
//
// A protocol .cpp exports itself in one line, at namespace scope:
//
//   STACKGATE_EXPORT_PROBE(make_postgres_probe, "postgres", "postgresql");
//
// where make_postgres_probe has the MakeProbeFn signature. Several .cpp files
// of one module may each export (the http module holds http_probe.cpp and
// clickhouse_probe.cpp). The macro adds the function to a registry of the
// module and, in a shared module, defines the entry point the factory
// resolves with dlsym():
//   extern "C" const stackgate::probes::ModuleInfo* stackgate_probe_module();
// Do not define that function by hand.
//
// With -DSTACKGATE_STATIC_PROBES=ON the module's objects are linked whole
// into the binary (STACKGATE_STATIC_MODULE is then defined while compiling
// them) and the factory reads the same registry directly, without dlopen().
//
// Modules are built by this project with the same compiler, so C++ types
// (ProbeSpec, Probe, std::expected) cross the boundary. Each module links
// its own copy of sg_probes_base (url, probe, net) with hidden visibility.
#pragma once

#include <cstring>
#include <expected>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "probes/probe.h"

namespace stackgate::probes {

using MakeProbeFn = std::expected<std::unique_ptr<Probe>, std::string> (*)(const ProbeSpec&);

struct ModuleInfo {
  int abi_version;           // k_module_abi_version
  const char* const* schemes;  // null-terminated list
  MakeProbeFn make;
};

inline constexpr int k_module_abi_version = 2;  // 2: ProbeSpec holds typed ProbeSettings (spec/probe_spec.h)

namespace module_detail {

struct Registration {
  const char* scheme;
  MakeProbeFn make;
};

/// The probes this module (or, in a static build, this binary) exports.
/// Hidden, so that two dlopen()ed modules never share one registry.
[[gnu::visibility("hidden")]] inline std::vector<Registration>& registry() {
  static std::vector<Registration> probes;
  return probes;
}

struct Registrar {
  Registrar(MakeProbeFn make, std::initializer_list<const char*> schemes) {
    for (const char* s : schemes) registry().push_back({s, make});
  }
};

/// The registered constructor for `scheme`, or null.
inline MakeProbeFn find(std::string_view scheme) {
  for (const Registration& r : registry()) {
    if (scheme == r.scheme) return r.make;
  }
  return nullptr;
}

inline std::expected<std::unique_ptr<Probe>, std::string> dispatch(const ProbeSpec& spec) {
  if (MakeProbeFn make = find(spec.url.scheme)) return make(spec);
  return std::unexpected("probe module has no probe for scheme '" + spec.url.scheme + "'");
}

/// Built on first call (from the factory, after static initialisation).
inline const ModuleInfo* module_info() {
  static const std::vector<const char*> schemes = [] {
    std::vector<const char*> out;
    for (const Registration& r : registry()) out.push_back(r.scheme);
    out.push_back(nullptr);
    return out;
  }();
  static const ModuleInfo info{k_module_abi_version, schemes.data(), &dispatch};
  return &info;
}

}  // namespace module_detail

}  // namespace stackgate::probes

#define STACKGATE_PROBE_MODULE_SYMBOL "stackgate_probe_module"

#define STACKGATE_PROBE_CAT2(a, b) a##b
#define STACKGATE_PROBE_CAT(a, b) STACKGATE_PROBE_CAT2(a, b)

#ifdef STACKGATE_STATIC_MODULE
#define STACKGATE_PROBE_MODULE_ENTRY
#else
// Weak, so that every exporting .cpp of a module may emit it.
#define STACKGATE_PROBE_MODULE_ENTRY                                                           \
  extern "C" [[gnu::weak, gnu::visibility("default")]] const ::stackgate::probes::ModuleInfo* \
  stackgate_probe_module() {                                                                  \
    return ::stackgate::probes::module_detail::module_info();                                 \
  }
#endif

/// Exports `make_fn` for the given schemes (string literals) from this module.
#define STACKGATE_EXPORT_PROBE(make_fn, ...)                                            \
  static const ::stackgate::probes::module_detail::Registrar STACKGATE_PROBE_CAT(       \
      stackgate_probe_registrar_, __LINE__){&make_fn, {__VA_ARGS__}};                   \
  STACKGATE_PROBE_MODULE_ENTRY                                                          \
  static_assert(true, "require a semicolon")
