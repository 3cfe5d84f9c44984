// disk:///path: stat(), then an optional create-and-remove of a temporary
// file as the current user, then statvfs(). The write test comes first
// because a volume owned by the wrong user is the mistake waiting cannot fix.
#include "probes/disk_probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "probes/bytes.h"

namespace stackgate::probes {

namespace {

struct DiskOptions {
  std::optional<uint64_t> min_free;
  std::optional<int> min_free_pct;
  bool writable = false;
};

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string who_am_i() {
  return "uid " + std::to_string(::geteuid()) + " gid " + std::to_string(::getegid());
}

class DiskProbe : public Probe {
 public:
  DiskProbe(std::string path, DiskOptions options) : m_path(std::move(path)), m_options(options) {}

  Outcome check(Millis) override {
    struct stat st {};
    if (::stat(m_path.c_str(), &st) != 0) {
      int err = errno;
      // A volume is mounted, or a directory created, when its container starts.
      if (err == ENOENT) return Outcome::not_yet(m_path + " does not exist yet (not created or not mounted)");
      if (err == ENOTDIR) return Outcome::fatal("a parent of " + m_path + " is not a directory");
      if (err == EACCES) return Outcome::fatal(who_am_i() + " cannot reach " + m_path + ": " + std::strerror(err));
      return Outcome::not_yet(m_path + ": " + std::strerror(err));
    }
    if (!S_ISDIR(st.st_mode)) return Outcome::fatal(m_path + " is not a directory");
    if (m_options.writable) {
      if (auto failed = try_write(st)) return *failed;
    }
    struct statvfs fs {};
    if (::statvfs(m_path.c_str(), &fs) != 0) return Outcome::not_yet(m_path + ": statvfs: " + std::strerror(errno));
    uint64_t total = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
    uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    std::string numbers = m_path + ": " + format_bytes(free) + " free of " + format_bytes(total);
    if (m_options.min_free && free < *m_options.min_free) {
      return Outcome::not_yet(numbers + ", want at least " + format_bytes(*m_options.min_free));
    }
    if (m_options.min_free_pct && total > 0 && free * 100 < total * static_cast<uint64_t>(*m_options.min_free_pct)) {
      return Outcome::not_yet(numbers + " (" + std::to_string(free * 100 / total) + "%), want at least " +
                              std::to_string(*m_options.min_free_pct) + "%");
    }
    return Outcome::ready(numbers);
  }

 private:
  // Creates and removes a file; the failure's outcome, or nothing when it worked.
  std::optional<Outcome> try_write(const struct stat& st) const {
    std::string name = m_path + (m_path.ends_with('/') ? "" : "/") + ".stackgate-write-test-XXXXXX";
    int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      std::string why = who_am_i() + " cannot create files in " + m_path + " (owner " + std::to_string(st.st_uid) +
                        ":" + std::to_string(st.st_gid) + ", mode " + mode_text(st.st_mode) + "): " +
                        std::strerror(err);
      if (err == EACCES || err == EPERM || err == EROFS) return Outcome::fatal(why);
      return Outcome::not_yet(why);  // ENOSPC, EDQUOT: space may be freed
    }
    ::close(fd);
    ::unlink(name.c_str());
    return std::nullopt;
  }

  std::string m_path;
  DiskOptions m_options;
};

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "yes" || v.empty(); }

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_disk_probe(const ProbeSpec& spec) {
  const Url& url = spec.url;
  auto fail = [&](const std::string& what) { return std::unexpected(what + " in " + url.redacted()); };
  DiskOptions options;
  for (const auto& [key, value] : url.query) {
    if (key == "min_free") {
      auto bytes = parse_bytes(value);
      if (!bytes) return fail("bad min_free: " + bytes.error());
      options.min_free = *bytes;
    } else if (key == "min_free_pct") {
      bool digits = !value.empty() && value.size() <= 3 &&
                    value.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoi(value) > 100) return fail("bad min_free_pct '" + value + "' (expected 0 to 100)");
      options.min_free_pct = std::stoi(value);
    } else if (key == "writable") {
      options.writable = truthy(value);
    } else {
      return fail("unknown option '" + key + "' for disk:// (expected min_free, min_free_pct, writable)");
    }
  }
  return std::make_unique<DiskProbe>(url.path, options);
}

}  // namespace stackgate::probes
