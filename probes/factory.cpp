// ProbeSpec -> Probe. Built-in probes are called directly; the others are
// looked up by protocol family in a module: dlopen()ed from the module search
// path on first use and cached for the life of the process (never closed,
// since probes made by a module run its code), or, in a static build
// (STACKGATE_STATIC_PROBES), found in the registry the linked-in modules
// filled at start-up.
#include "probes/factory.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "probes/module.h"
#include "probes/disk_probe.h"
#include "probes/dns_probe.h"
#include "probes/tcp_probe.h"
#include "probes/unix_probe.h"
#include "spec/scheme.h"
#include "util/strings.h"

namespace stackgate::probes {

std::expected<std::unique_ptr<Probe>, std::string> make_zk_probe(const ProbeSpec& spec);
std::expected<std::unique_ptr<Probe>, std::string> make_mqtt_probe(const ProbeSpec& spec);
std::expected<std::unique_ptr<Probe>, std::string> make_docker_probe(const ProbeSpec& spec);

namespace {

std::string exe_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}


#ifndef STACKGATE_STATIC_PROBES
bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::expected<const ModuleInfo*, std::string> open_module(const std::string& family) {
  std::string file = "libstackgate-" + family + ".so";
  std::vector<std::string> dirs = module_search_path();
  for (const std::string& dir : dirs) {
    std::string path = dir + "/" + file;
    if (!file_exists(path)) continue;
    // RTLD_LAZY, as the loader binds the binary itself: a module's calls
    // into libpq or librdkafka are bound when first made, and most are never
    // made by one check. RTLD_NOW bound them all up front, 11% of
    // `check postgres://`'s instructions. A missing library still fails here,
    // and a module of another build fails the ABI check below.
    void* handle = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (handle == nullptr) return std::unexpected("cannot load probe module " + path + ": " + ::dlerror());
    using EntryFn = const ModuleInfo* (*)();
    auto entry = reinterpret_cast<EntryFn>(::dlsym(handle, STACKGATE_PROBE_MODULE_SYMBOL));
    if (entry == nullptr) {
      return std::unexpected(path + " is not a stackgate probe module (no " STACKGATE_PROBE_MODULE_SYMBOL ")");
    }
    const ModuleInfo* info = entry();
    if (info == nullptr || info->abi_version != k_module_abi_version) {
      return std::unexpected("probe module " + path + " has ABI version " +
                             std::to_string(info ? info->abi_version : 0) + ", this stackgate expects " +
                             std::to_string(k_module_abi_version));
    }
    return info;
  }
  return std::unexpected("probe module " + file + " not found (looked in " + util::join(dirs, ", ") + ")");
}

std::expected<const ModuleInfo*, std::string> load_module(const std::string& family) {
  static std::mutex mutex;
  static std::map<std::string, const ModuleInfo*> loaded;
  std::lock_guard lock(mutex);
  if (auto it = loaded.find(family); it != loaded.end()) return it->second;
  auto info = open_module(family);
  if (info) loaded.emplace(family, *info);
  return info;
}

bool module_has_scheme(const ModuleInfo& info, std::string_view scheme) {
  for (const char* const* s = info.schemes; s != nullptr && *s != nullptr; ++s) {
    if (scheme == *s) return true;
  }
  return false;
}
#endif

}  // namespace

std::vector<std::string> module_search_path() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("STACKGATE_MODULE_DIR"); env != nullptr && *env != '\0') {
    for (const std::string& dir : util::split(env, ':')) {
      if (!dir.empty()) dirs.push_back(dir);
    }
  }
  if (std::string dir = exe_dir(); !dir.empty()) {
    dirs.push_back(dir + "/lib/stackgate");
    dirs.push_back(dir + "/../lib/stackgate");
  }
  return dirs;
}

std::expected<std::unique_ptr<Probe>, std::string> make_probe(const ProbeSpec& spec) {
  const std::string& scheme = spec.url.scheme;
  if (scheme == "tcp") return make_tcp_probe(spec);
  if (scheme == "dns") return make_dns_probe(spec);
  if (scheme == "disk") return make_disk_probe(spec);
  if (scheme == "unix") return make_unix_probe(spec);
  if (scheme == "zk") return make_zk_probe(spec);
  if (scheme == "mqtt") return make_mqtt_probe(spec);
  if (scheme == "docker") return make_docker_probe(spec);
  const spec::Scheme* row = spec::find_scheme(scheme);
  if (row == nullptr || row->module.empty()) return std::unexpected("unknown scheme '" + scheme + "'");
  std::string family(row->module);
#ifdef STACKGATE_STATIC_PROBES
  if (MakeProbeFn make = module_detail::find(scheme)) return make(spec);
  return std::unexpected("probe module " + family + " is not linked into this stackgate (static build)");
#else
  auto module = load_module(family);
  if (!module) return std::unexpected(module.error());
  if (!module_has_scheme(**module, scheme)) {
    return std::unexpected("probe module libstackgate-" + family + ".so has no probe for " + scheme + "://");
  }
  return (*module)->make(spec);
#endif
}

}  // namespace stackgate::probes
