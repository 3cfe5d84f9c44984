// util/diagnostics: config errors with their source line and caret.
#include "util/diagnostics.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

using stackgate::util::ConfigError;
using stackgate::util::SourceLocation;

namespace {

// A file under the temp directory, removed at the end of the test.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    // A new name each time: diagnostics read each file once per process.
    static int count = 0;
    path = (std::filesystem::temp_directory_path() /
            ("sg-diag-" + std::to_string(::getpid()) + "-" + std::to_string(++count) + ".yaml"))
               .string();
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("a config error prints its source line and a caret", "[diagnostics]") {
  TempFile f("services:\n  api:\n    depends_on: [dbb]\n");
  ConfigError e{SourceLocation{f.path, 3, 18}, "unknown service"};
  CHECK(e.format_with_source() == f.path + ":3:18: error: unknown service\n    depends_on: [dbb]\n                 ^");
}

TEST_CASE("many errors in one large file read it once, not once per error", "[diagnostics][perf]") {
  // 40,000 lines (about 1.5 MB); 5,000 errors near the end. Re-reading the
  // file for each error costs minutes; reading it once, milliseconds.
  std::string text;
  for (int i = 0; i < 40'000; ++i) text += "  service" + std::to_string(i) + ": {image: busybox:latest}\n";
  TempFile f(text);
  auto start = std::chrono::steady_clock::now();
  std::string last;
  for (int i = 0; i < 5000; ++i) {
    last = ConfigError{SourceLocation{f.path, 35'001 + i, 3}, "x"}.format_with_source();
  }
  CHECK(last == f.path + ":40000:3: error: x\n  service39999: {image: busybox:latest}\n  ^");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("an echoed source line is sanitised: escapes and invalid bytes never reach the terminal",
          "[diagnostics][utf8]") {
  TempFile f("a: \"\x1b[31mred\xff\"\n");
  ConfigError e{SourceLocation{f.path, 1, 4}, "bad"};
  CHECK(e.format_with_source() == f.path + ":1:4: error: bad\na: \"\\x1b[31mred\xEF\xBF\xBD\"\n   ^");
}

TEST_CASE("one diagnostic type: errors and warnings share the location format", "[diagnostics]") {
  using stackgate::util::Diagnostic;
  using stackgate::util::format_location;
  using stackgate::util::Severity;
  CHECK(Diagnostic{{"compose.yaml", 3, 9}, "bad"}.format() == "compose.yaml:3:9: error: bad");
  CHECK(stackgate::util::warning({"compose.yaml", 3, 9}, "odd").format() == "compose.yaml:3:9: warning: odd");
  CHECK(stackgate::util::warning({"compose.yaml", 3, 9}, "odd").severity == Severity::warning);
  CHECK(Diagnostic{{"compose.yaml", 0, 0}, "bad"}.format() == "compose.yaml: error: bad");
  CHECK(Diagnostic{{}, "bad"}.format() == "error: bad");
  CHECK(format_location({"compose.yaml", 3, 0}) == "compose.yaml:3");
  CHECK(format_location({"compose.yaml", 3, 9}) == "compose.yaml:3:9");
  CHECK(format_location({}).empty());
}
