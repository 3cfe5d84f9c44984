// Fixtures for the local-path probes (disk://, unix://): a temporary
// directory, and one probe attempt run by another user.
#pragma once

#include <sys/types.h>

#include <string>

#include "probes/probe.h"

namespace stackgate::testing {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

// Who a denied attempt runs as: as root, a child process that drops to
// nobody (65534), since root passes permission checks; otherwise ourselves
// (the caller then takes the permission away with chmod).
struct Prober {
  bool as_root;
  uid_t uid;
  gid_t gid;
};
Prober other_prober();

/// One attempt of the probe for `url`, made in a child process running as
/// `who` (as root) or as ourselves: "verdict|reason", or "error|..." when the
/// probe could not be built or the child failed.
std::string check_in_child(const std::string& url, const Prober& who, probes::Millis timeout);

/// "0755" for a path's mode bits.
std::string mode_of(const std::string& path);

}  // namespace stackgate::testing
