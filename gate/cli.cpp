// Option definitions, one block per subcommand, and their validation.
#include "gate/cli.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <ostream>

#include <CLI/CLI.hpp>

#include "gate/suggest.h"
#include "util/duration.h"
#include "util/strings.h"

#ifndef STACKGATE_VERSION
#define STACKGATE_VERSION "0.0.0"
#endif

namespace stackgate::gate {
namespace {

struct CommandInfo {
  const char* name;
  Command command;
  const char* description;
};

// The one table of subcommands (ninja's kTools): feeds --help and dispatch.
constexpr std::array<CommandInfo, 6> k_commands{{
    {"plan", Command::plan, "Show the readiness plan: levels, probes and where each value came from"},
    {"lint", Command::lint, "Report gating hazards in the compose files (exit 2 on errors)"},
    {"wait", Command::wait, "Wait until every upstream of --for is ready and stable (exit 0 released)"},
    {"exec", Command::exec, "Wait like `wait`, then replace this process with CMD: exec --for S -- CMD ARGS"},
    {"check", Command::check, "One attempt per URL, no compose file: exit 0 healthy, 1 not, 2 bad URL"},
    {"smoke", Command::smoke, "Probe every service of the running stack once (or until --timeout)"},
}};

struct Raw {
  std::string log_format = "text";
  std::string plan_format = "text";
  std::string timeout;
  std::string window;
  std::string docker = "auto";
};

void add_for(CLI::App* sub, Options& o, const char* what) {
  sub->add_option("--for", o.targets, what)->envname("STACKGATE_FOR")->type_name("SERVICE");
}

void add_wait_options(CLI::App* sub, Options& o, Raw& raw) {
  sub->add_option("--timeout", raw.timeout, "Overall deadline, e.g. 90s or 5m (0: no limit)")
      ->envname("STACKGATE_TIMEOUT")
      ->type_name("DURATION");
  sub->add_option("--window", raw.window, "Default stability window for probes that set none")
      ->envname("STACKGATE_WINDOW")
      ->type_name("passes=N,stable_for=DURATION");
  sub->add_option("--report-json", o.report_json, "Write a JSON report to this file")
      ->envname("STACKGATE_REPORT_JSON")
      ->type_name("FILE");
  sub->add_option("--report-junit", o.report_junit, "Write a JUnit XML report to this file")
      ->envname("STACKGATE_REPORT_JUNIT")
      ->type_name("FILE");
}

// Words in argv close to a subcommand or long option name: "did you mean".
std::string suggestion(const CLI::App& app, int argc, const char* const* argv) {
  std::vector<std::string> commands, flags;
  for (const CommandInfo& c : k_commands) commands.push_back(c.name);
  auto collect = [&](const CLI::App* a) {
    for (const CLI::Option* opt : a->get_options()) {
      for (const std::string& l : opt->get_lnames()) flags.push_back("--" + l);
    }
  };
  collect(&app);
  for (const CLI::App* sub : app.get_subcommands({})) collect(sub);
  bool seen_command = false;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") break;
    if (word.rfind("--", 0) == 0) {
      std::string name = word.substr(0, word.find('='));
      if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
      if (auto guess = suggest_name(name, flags)) return " (did you mean " + *guess + "?)";
      continue;
    }
    if (word.rfind('-', 0) == 0 || seen_command) continue;
    if (std::find(commands.begin(), commands.end(), word) != commands.end()) {
      seen_command = true;
      continue;
    }
    if (auto guess = suggest_name(word, commands)) return " (did you mean " + *guess + "?)";
  }
  return "";
}

}  // namespace

std::string version_string() { return std::string("stackgate ") + STACKGATE_VERSION; }

std::expected<probes::Window, std::string> parse_window(std::string_view text) {
  probes::Window window;
  for (const std::string& part : util::split(text, ',')) {
    std::string_view item = util::trim(part);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return std::unexpected("expected passes=N,stable_for=DURATION, got '" + std::string(item) + "'");
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "passes") {
      int n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size() || n < 1) {
        return std::unexpected("passes must be a whole number >= 1, got '" + std::string(value) + "'");
      }
      window.passes = n;
    } else if (key == "stable_for") {
      auto d = util::parse_duration(value);
      if (!d) return std::unexpected("stable_for: " + d.error());
      window.stable_for = *d;
    } else {
      return std::unexpected("unknown window option '" + std::string(key) + "' (expected passes or stable_for)");
    }
  }
  return window;
}

ParsedArgs parse_args(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Options o;
  Raw raw;
  CLI::App app{"stackgate: a readiness gate for container stacks. Reads Docker Compose files, works out the\n"
               "dependency levels of a service and releases it when every upstream is ready and stable.\n"
               "Exit codes: 0 released/healthy, 1 not healthy or timed out, 2 usage or config error,\n"
               "130 SIGINT, 143 SIGTERM. Every option can be set as STACKGATE_<LONG_NAME>.",
               "stackgate"};
  app.set_version_flag("--version", version_string(), "Print the version and exit");
  app.require_subcommand(1);

  app.add_option("-f,--file", o.files, "Compose file (repeatable; default: compose.yaml, COMPOSE_FILE)")
      ->envname("STACKGATE_FILE")
      ->type_name("FILE");
  app.add_option("--project-directory", o.project_directory, "Project directory (default: the first file's)")
      ->envname("STACKGATE_PROJECT_DIRECTORY")
      ->type_name("DIR");
  app.add_option("-p,--project-name", o.project_name, "Project name")->envname("STACKGATE_PROJECT_NAME");
  app.add_option("--env-file", o.env_files, "Environment file for interpolation (repeatable; replaces .env)")
      ->envname("STACKGATE_ENV_FILE")
      ->type_name("FILE");
  app.add_option("--profile", o.profiles, "Enable a profile (repeatable)")->envname("STACKGATE_PROFILE");
  app.add_option("--log-format", raw.log_format, "Progress output: text or json (one object per event)")
      ->envname("STACKGATE_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-v,--verbose", o.verbose, "Log every attempt (debug level)")->envname("STACKGATE_VERBOSE");
  app.add_flag("--published", o.published, "Probe through published host ports on 127.0.0.1")
      ->envname("STACKGATE_PUBLISHED");
  app.add_option("--docker", raw.docker,
                 "Read container state from the Docker Engine (jobs' exit codes, healthchecks): auto (when "
                 "its socket answers), always or never")
      ->envname("STACKGATE_DOCKER")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  std::map<std::string, CLI::App*> subs;
  for (const CommandInfo& c : k_commands) {
    CLI::App* sub = app.add_subcommand(c.name, c.description);
    sub->fallthrough();  // global options are accepted after the subcommand too
    subs[c.name] = sub;
  }
  add_for(subs["plan"], o, "Plan for these services' upstreams only (repeatable)");
  subs["plan"]
      ->add_option("--format", raw.plan_format, "text, json or dot")
      ->envname("STACKGATE_FORMAT")
      ->check(CLI::IsMember({"text", "json", "dot"}));
  subs["lint"]->add_flag("--strict", o.strict, "Warnings are errors too")->envname("STACKGATE_STRICT");
  add_for(subs["wait"], o, "Release when these services' upstreams are ready (default: the whole project)");
  add_wait_options(subs["wait"], o, raw);
  add_for(subs["exec"], o, "Wait for these services' upstreams, then run the command");
  add_wait_options(subs["exec"], o, raw);
  subs["exec"]->add_option("command", o.command_line, "The command and its arguments, after --");
  subs["check"]->add_option("urls", o.urls, "Probe URLs (tcp://, http://, postgres://, redis://, ...)")->required();
  subs["check"]->add_flag("-q,--quiet", o.quiet, "Print nothing; only the exit code")->envname("STACKGATE_QUIET");
  add_wait_options(subs["smoke"], o, raw);

  // exec's command is everything after the first "--": CLI11 never sees it,
  // so the command's own options cannot be mistaken for ours.
  std::vector<std::string> args;
  std::vector<std::string> after_dashes;
  bool exec_seen = false, split = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (split) {
      after_dashes.push_back(a);
    } else if (a == "--" && exec_seen) {
      split = true;
    } else {
      exec_seen = exec_seen || a == "exec";
      args.push_back(a);
    }
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector

  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    out << version_string() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "stackgate: error: " << e.what() << suggestion(app, argc, argv) << "\n"
        << "Run 'stackgate --help' for usage.\n";
    return 2;
  }

  for (const CommandInfo& c : k_commands) {
    if (subs[c.name]->parsed()) o.command = c.command;
  }
  auto usage = [&](const std::string& message) -> ParsedArgs {
    err << "stackgate: error: " << message << "\nRun 'stackgate --help' for usage.\n";
    return 2;
  };
  o.log_format = raw.log_format == "json" ? LogFormat::json : LogFormat::text;
  o.docker = raw.docker == "always"  ? Options::DockerMode::always
             : raw.docker == "never" ? Options::DockerMode::never
                                     : Options::DockerMode::automatic;
  o.plan_format = raw.plan_format == "json" ? PlanFormat::json
                  : raw.plan_format == "dot" ? PlanFormat::dot
                                             : PlanFormat::text;
  if (!raw.timeout.empty()) {
    auto d = util::parse_duration(raw.timeout);
    if (!d) return usage("invalid --timeout '" + raw.timeout + "': " + d.error());
    o.timeout = *d;
  }
  if (!raw.window.empty()) {
    auto w = parse_window(raw.window);
    if (!w) return usage("invalid --window '" + raw.window + "': " + w.error());
    o.window = *w;
  }
  o.command_line.insert(o.command_line.end(), after_dashes.begin(), after_dashes.end());
  if (o.command == Command::exec && o.command_line.empty()) return usage("exec needs a command: exec --for S -- CMD ARGS");
  return o;
}

}  // namespace stackgate::gate
