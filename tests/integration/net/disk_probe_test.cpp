// disk:// against real directories: existence, the write test as another
// user, and free-space thresholds set relative to the real statvfs numbers.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "local_fixtures.h"
#include "probes/bytes.h"
#include "probes/factory.h"
#include "probe_fixtures.h"

using namespace std::chrono_literals;
using namespace stackgate::probes;
using stackgate::testing::try_probe;
using stackgate::testing::ScratchDir;

namespace {

Outcome check(const std::string& url) {
  auto probe = try_probe(url);
  INFO(url);
  REQUIRE(probe.has_value());
  return (*probe)->check(1000ms);
}

struct Space {
  uint64_t free;
  uint64_t total;
};

Space space_of(const std::string& path) {
  struct statvfs fs {};
  REQUIRE(::statvfs(path.c_str(), &fs) == 0);
  return {static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize, static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize};
}

// Makes sure the file system has something in use, so 100% free is never true.
void use_some_space(const ScratchDir& dir) {
  std::ofstream out(dir.file("ballast"), std::ios::binary);
  std::string block(1 << 20, 'x');
  out << block;
  out.flush();
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("disk: an existing directory is ready and the reason gives free and total space", "[disk]") {
  ScratchDir dir;
  Outcome outcome = check("disk://" + dir.path());
  CHECK(outcome.verdict == Verdict::ready);
  CHECK(outcome.reason.starts_with(dir.path() + ": "));
  CHECK(outcome.reason.find(" free of " + format_bytes(space_of(dir.path()).total)) != std::string::npos);
}

TEST_CASE("disk: a missing directory is not_yet until it is created", "[disk]") {
  ScratchDir dir;
  std::string path = dir.file("volume");
  auto probe = try_probe("disk://" + path + "?writable=1");
  REQUIRE(probe.has_value());
  Outcome missing = (*probe)->check(1000ms);
  CHECK(missing.verdict == Verdict::not_yet);
  CHECK(missing.reason == path + " does not exist yet (not created or not mounted)");
  REQUIRE(::mkdir(path.c_str(), 0755) == 0);
  CHECK((*probe)->check(1000ms).verdict == Verdict::ready);
}

TEST_CASE("disk: a file where a directory is wanted is fatal", "[disk]") {
  ScratchDir dir;
  std::ofstream(dir.file("plain")) << "x";
  Outcome outcome = check("disk://" + dir.file("plain"));
  CHECK(outcome.verdict == Verdict::fatal);
  CHECK(outcome.reason == dir.file("plain") + " is not a directory");
  Outcome below = check("disk://" + dir.file("plain") + "/sub");
  CHECK(below.verdict == Verdict::fatal);
  CHECK(below.reason == "a parent of " + dir.file("plain") + "/sub is not a directory");
}

TEST_CASE("disk: writable=1 creates and removes a file and leaves nothing behind", "[disk]") {
  ScratchDir dir;
  CHECK(check("disk://" + dir.path() + "?writable=1").verdict == Verdict::ready);
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("disk: a directory the probing user cannot write is fatal with uid, gid, owner and mode", "[disk]") {
  ScratchDir dir;
  // 0555: nobody (as root, the child drops to 65534) and we ourselves may not create files.
  REQUIRE(::chmod(dir.path().c_str(), 0555) == 0);
  struct stat st {};
  REQUIRE(::stat(dir.path().c_str(), &st) == 0);
  auto who = stackgate::testing::other_prober();
  std::string got = stackgate::testing::check_in_child("disk://" + dir.path() + "?writable=1", who, 1000ms);
  CHECK(got == "fatal|uid " + std::to_string(who.uid) + " gid " + std::to_string(who.gid) +
                   " cannot create files in " + dir.path() + " (owner " + std::to_string(st.st_uid) + ":" +
                   std::to_string(st.st_gid) + ", mode 0555): Permission denied");
  // Without writable=1 the same directory is fine.
  CHECK(stackgate::testing::check_in_child("disk://" + dir.path(), who, 1000ms).starts_with("ready|"));
}

TEST_CASE("disk: min_free below the free space is ready, above it not_yet naming free, total and the want",
          "[disk][space]") {
  ScratchDir dir;
  CHECK(check("disk://" + dir.path() + "?min_free=1").verdict == Verdict::ready);
  Space space = space_of(dir.path());
  uint64_t want = space.free + (1ull << 40);
  Outcome outcome = check("disk://" + dir.path() + "?min_free=" + std::to_string(want));
  CHECK(outcome.verdict == Verdict::not_yet);
  CHECK(outcome.reason.starts_with(dir.path() + ": "));
  CHECK(outcome.reason.ends_with(" free of " + format_bytes(space.total) + ", want at least " + format_bytes(want)));
}

TEST_CASE("disk: min_free_pct compares the free share of the file system", "[disk][space]") {
  ScratchDir dir;
  use_some_space(dir);
  CHECK(check("disk://" + dir.path() + "?min_free_pct=0").verdict == Verdict::ready);
  Outcome full = check("disk://" + dir.path() + "?min_free_pct=100");
  CHECK(full.verdict == Verdict::not_yet);
  CHECK(full.reason.ends_with("%), want at least 100%"));
}

TEST_CASE("disk: bad options and URLs are config errors", "[disk][config]") {
  CHECK(try_probe("disk:///data?min_free=5x").error() ==
        "bad min_free: unknown unit 'x' (expected B, KiB, MiB, GiB, TiB, kB, MB, GB or TB) in '5x' in "
        "disk:///data?min_free=5x");
  CHECK(try_probe("disk:///data?min_free_pct=101").error() ==
        "bad min_free_pct '101' (expected 0 to 100) in disk:///data?min_free_pct=101");
  CHECK(try_probe("disk:///data?color=red").error() ==
        "unknown option 'color' for disk:// (expected min_free, min_free_pct, writable) in disk:///data?color=red");
  CHECK(try_probe("disk://db/data").error() ==
        "disk:// takes a local path, not a host (write disk:///path) in disk://db/data");
}
