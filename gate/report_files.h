// Report files for CI (`smoke --report-json F --report-junit F`, also
// accepted by wait/exec). Built from a RunResult, so every target is the
// redacted one.
#pragma once

#include <expected>
#include <string>

#include "gate/status.h"

namespace stackgate::gate {

/// {"project", "status", "elapsed_ms", "reason"?, "services": {name: {"state",
/// "probes": [{"type","target","state","attempts","elapsed_ms","reason"}]}}}
std::string json_report(const RunResult& result, const std::string& project);

/// <testsuites><testsuite name="stackgate <project>"> with one <testcase> per
/// probe (classname = service, name = target); a probe that is not ready has
/// a <failure message="reason">.
std::string junit_report(const RunResult& result, const std::string& project);

/// Writes `text` to `path`; the error is one line.
std::expected<void, std::string> write_file(const std::string& path, const std::string& text);

}  // namespace stackgate::gate
