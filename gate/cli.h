// Command-line options (CLI11). Every option can also be set through a
// STACKGATE_* environment variable (STACKGATE_FILE, STACKGATE_TIMEOUT, ...;
// the variable is named after the long option); the command line wins.
#pragma once

#include <chrono>
#include <expected>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "spec/probe_spec.h"

namespace stackgate::gate {

enum class Command { plan, lint, wait, exec, check, smoke, serve };
enum class LogFormat { text, json };
enum class PlanFormat { text, json, dot };
// --color: auto = the live table with colours only on a terminal and when
// NO_COLOR is unset or empty; never = plain lines; always = the live table
// even in a pipe. The flag wins over NO_COLOR.
enum class ColorMode { automatic, always, never };

struct Options {
  Command command = Command::plan;

  // Global.
  std::vector<std::string> files;              // -f/--file, repeatable
  std::optional<std::string> project_directory;
  std::optional<std::string> project_name;     // -p
  std::vector<std::string> env_files;
  std::vector<std::string> profiles;
  LogFormat log_format = LogFormat::text;
  int verbose = 0;                             // -v, -vv
  bool quiet = false;                          // -q: silent on success, one line on failure
  ColorMode color = ColorMode::automatic;
  bool color_set = false;                      // --color given (beats NO_COLOR)
  bool published = false;                      // probe published ports on 127.0.0.1
  // Use the Docker Engine for job exit codes and container health:
  // auto = when its socket answers, always = require it, never.
  enum class DockerMode { automatic, always, never } docker = DockerMode::automatic;

  // plan / wait / exec.
  std::vector<std::string> targets;            // --for, repeatable
  PlanFormat plan_format = PlanFormat::text;

  // lint.
  bool strict = false;                         // warnings count as errors
  bool host_ports = false;                     // --host-ports: published host ports already in use here

  // wait / exec / smoke.
  std::optional<std::chrono::milliseconds> timeout;  // overall; 0 = no limit
  std::optional<spec::Window> window;              // default window for probes without one
  std::optional<std::chrono::milliseconds> interval; // first retry / poll interval for probes without one
  bool invert = false;                               // wait until every target is down
  std::optional<std::string> report_json;
  std::optional<std::string> report_junit;
  std::vector<std::string> command_line;             // exec, wait: after "--"

  // serve (the defaults are in serve.h and health.h).
  std::string listen = "0.0.0.0:9400";         // HOST:PORT or unix:/path
  int failures = 3;                            // consecutive failures: healthy -> unhealthy
  int successes = 1;                           // consecutive passes: -> healthy
  // serve's actions (actions.h): argv split like Compose's `command:`, no shell.
  std::vector<std::string> on_unhealthy;       // --on-unhealthy CMD
  std::vector<std::string> on_recover;         // --on-recover CMD
  bool restart_unhealthy = false;              // restart the service's containers (Docker Engine API)
  std::chrono::milliseconds action_cooldown{5 * 60 * 1000};
  int max_actions_per_hour = 6;                // per service, unhealthy side
  std::chrono::milliseconds action_timeout{60'000};

  // check, wait, serve: probe URLs (wait: probed in the first level, beside --for's).
  std::vector<std::string> urls;
};

// Either options to run, or an exit code when parsing already finished
// (--help, help, --version, version: 0; usage error: 2, message printed;
// `check` never exits 2, which Docker reserves in HEALTHCHECK: 1 instead).
using ParsedArgs = std::variant<Options, int>;

ParsedArgs parse_args(int argc, const char* const* argv, std::ostream& out, std::ostream& err);


/// "stackgate 0.1.0".
std::string version_string();

// The command line as data, read back from the very parser parse_args uses
// (the CLI11 definitions in cli.cpp), so shell completions and the man page
// (completion.cpp) list exactly what the parser accepts.
struct OptionInfo {
  std::vector<std::string> names;    // "-f", "--file"; a positional's one name: "urls"
  std::string value;                 // "FILE", "DURATION"; empty for a flag
  std::vector<std::string> choices;  // --log-format: text, json
  std::string description;
  std::string env;                   // STACKGATE_FILE; empty when none
  bool positional = false;
  bool repeatable = false;
};

struct CommandSpec {
  std::string name;
  std::string description;
  std::vector<OptionInfo> options;   // its own; the global ones are accepted too
};

struct CliTable {
  std::string description;           // the --help preamble (exit codes...)
  std::vector<OptionInfo> global;
  std::vector<CommandSpec> commands;
};

CliTable cli_table();

}  // namespace stackgate::gate
