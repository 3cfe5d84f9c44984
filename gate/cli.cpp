// Option definitions, one block per subcommand, and their validation.
#include "gate/cli.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <ostream>
#include <tuple>

#include <CLI/CLI.hpp>

#include "gate/completion.h"
#include "compose/shell_words.h"
#include "gate/exit_status.h"
#include "gate/suggest.h"
#include "probes/sanitize.h"
#include "util/duration.h"
#include "util/strings.h"

// The one version source is project(stackgate VERSION ...) in CMakeLists.txt,
// passed in by gate/CMakeLists.txt; no fallback that could drift from it.
#ifndef STACKGATE_VERSION
#error "STACKGATE_VERSION must come from CMakeLists.txt project(VERSION)"
#endif

namespace stackgate::gate {
namespace {

struct CommandInfo {
  const char* name;
  std::optional<Command> command;  // none: answered while parsing (help, version)
  const char* description;
};

// The one table of subcommands (ninja's kTools): feeds --help, the list
// printed for an unknown command, and dispatch.
constexpr std::array<CommandInfo, 10> k_commands{{
    {"plan", Command::plan, "Show the readiness plan: levels, probes and where each value came from"},
    {"lint", Command::lint, "Report gating hazards in the compose files (exit 2 on errors)"},
    {"wait", Command::wait,
     "Wait until every upstream of --for and every URL is ready and stable (exit 0 released, 124 timed out); "
     "with -- CMD ARGS, then run CMD as exec does"},
    {"exec", Command::exec, "Wait like `wait`, then replace this process with CMD: exec --for S -- CMD ARGS"},
    {"check", Command::check, "One attempt per URL, no compose file: exit 0 healthy, 1 not (or a bad URL)"},
    {"smoke", Command::smoke, "Probe every service of the running stack once (or until --timeout)"},
    {"serve", Command::serve,
     "Probe every target forever and serve /healthz, /readyz, /status and /metrics (Prometheus)"},
    {"help", std::nullopt, "Show the help of stackgate or of one command: help [COMMAND]; help --man: the man page"},
    {"completion", std::nullopt, "Print the completion script for a shell: completion bash|zsh|fish"},
    {"version", std::nullopt, "Print the version"},
}};

struct Raw {
  std::string log_format = "text";
  std::string plan_format = "text";
  std::string timeout;
  std::string window;
  std::string interval;
  std::string docker = "auto";
  std::string color;
  std::string help_topic;
  std::string on_unhealthy;
  std::string on_recover;
  std::string action_cooldown;
  std::string action_timeout;
  bool man = false;
  std::string shell;
};

// The parser: the CLI11 app with every option bound to an Options and a
// Raw. `choices` keeps each closed set of values (CLI11 keeps them only
// inside a validator) for the completions.
struct Definitions {
  CLI::App app{"stackgate: a readiness gate for container stacks. Reads Docker Compose files, works out the\n"
               "dependency levels of a service and releases it when every upstream is ready and stable.\n"
               "Exit codes: 0 released/healthy, 1 not healthy or a fatal probe outcome (wrong password...),\n"
               "2 usage or config error (never from check: 1), 124 timed out, 126/127 exec: CMD not\n"
               "executable/not found, 130 SIGINT, 143 SIGTERM. Every option can be set as\n"
               "STACKGATE_<LONG_NAME>.",
               "stackgate"};
  std::map<std::string, CLI::App*> subs;
  std::map<const CLI::Option*, std::vector<std::string>> choices;

  CLI::Option* one_of(CLI::Option* opt, std::vector<std::string> values) {
    opt->check(CLI::IsMember(values));
    choices[opt] = std::move(values);
    return opt;
  }
};

bool is_command(std::string_view word) {
  return std::any_of(k_commands.begin(), k_commands.end(), [&](const CommandInfo& c) { return word == c.name; });
}

std::string command_list() {
  std::string text = "Commands:\n";
  for (const CommandInfo& c : k_commands) {
    std::string name = c.name;
    text += "  " + name + std::string(10 - name.size(), ' ') + c.description + "\n";
  }
  return text;
}

// The first word of `args` (in order) that is neither an option nor an
// option's value: the command the user meant, even when CLI11 rejected it.
std::optional<std::string> command_word(const CLI::App& app, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.size() < 2 || word[0] != '-') return word;
    if (word.find('=') != std::string::npos) continue;
    const CLI::Option* opt = app.get_option_no_throw(word);
    if (opt && opt->get_type_size_max() > 0) ++i;  // skip its value
  }
  return std::nullopt;
}

// One service per --for (repeat it for more): the words after it are wait's
// URLs, not more services.
void add_for(CLI::App* sub, Options& o, const char* what) {
  sub->add_option("--for", o.targets, what)->envname("STACKGATE_FOR")->type_name("SERVICE")->allow_extra_args(false);
}

void add_wait_options(CLI::App* sub, Options& o, Raw& raw) {
  sub->add_option("--timeout", raw.timeout, "Overall deadline, e.g. 90s or 5m (0: no limit)")
      ->envname("STACKGATE_TIMEOUT")
      ->type_name("DURATION");
  sub->add_option("--window", raw.window, "Default stability window for probes that set none")
      ->envname("STACKGATE_WINDOW")
      ->type_name("passes=N,stable_for=DURATION");
  sub->add_option("--interval", raw.interval,
                  "First retry and shortest poll interval for probes that set none (default 10ms)")
      ->envname("STACKGATE_INTERVAL")
      ->type_name("DURATION");
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

namespace {

// Every option, once: parse_args parses with these definitions and
// cli_table() reads them back for the completions and the man page.
// define_globals() and define_command() are the two halves: parse_args
// defines only the command it was given (a HEALTHCHECK's `check` then does
// not build the other nine commands' options, a fifth of its CPU time).
void define_globals(Definitions& d, Options& o, Raw& raw) {
  d.app.set_version_flag("--version", version_string(), "Print the version and exit");
  d.app.require_subcommand(1);

  d.app.add_option("-f,--file", o.files, "Compose file (repeatable; default: compose.yaml, COMPOSE_FILE)")
      ->envname("STACKGATE_FILE")
      ->type_name("FILE");
  d.app.add_option("--project-directory", o.project_directory, "Project directory (default: the first file's)")
      ->envname("STACKGATE_PROJECT_DIRECTORY")
      ->type_name("DIR");
  d.app.add_option("-p,--project-name", o.project_name, "Project name")->envname("STACKGATE_PROJECT_NAME");
  d.app.add_option("--env-file", o.env_files, "Environment file for interpolation (repeatable; replaces .env)")
      ->envname("STACKGATE_ENV_FILE")
      ->type_name("FILE");
  d.app.add_option("--profile", o.profiles, "Enable a profile (repeatable)")->envname("STACKGATE_PROFILE");
  d.one_of(d.app.add_option("--log-format", raw.log_format, "Progress output: text or json (one object per event)")
               ->envname("STACKGATE_LOG_FORMAT"),
           {"text", "json"});
  d.app.add_flag("-v,--verbose", o.verbose, "Log every attempt (debug level)")->envname("STACKGATE_VERBOSE");
  d.app.add_flag("-q,--quiet", o.quiet, "No progress and nothing on success; on failure one line with the reason")
      ->envname("STACKGATE_QUIET");
  d.one_of(d.app.add_option("--color", raw.color,
                            "auto (the live table with colours on a terminal, unless NO_COLOR is set), always or never")
               ->envname("STACKGATE_COLOR"),
           {"auto", "always", "never"});
  d.app.add_flag("--published", o.published, "Probe through published host ports on 127.0.0.1")
      ->envname("STACKGATE_PUBLISHED");
  d.one_of(d.app.add_option("--docker", raw.docker,
                            "Read container state from the Docker Engine (jobs' exit codes, healthchecks): auto (when "
                            "its socket answers), always or never")
               ->envname("STACKGATE_DOCKER"),
           {"auto", "always", "never"});

}

void define_serve(CLI::App* serve, Options& o, Raw& raw) {
  add_for(serve, o, "Serve these services' upstreams only (default: every service of the project)");
  serve->add_option("urls", o.urls, "Probe URLs to serve as well; with URLs and no --for no compose file is read")
      ->type_name("URL");
  serve->add_option("--listen", o.listen, "HOST:PORT or unix:/path to listen on (default 0.0.0.0:9400)")
      ->envname("STACKGATE_LISTEN");
  serve->add_option("--interval", raw.interval, "Time between attempts per target that sets none (default 10s)")
      ->envname("STACKGATE_INTERVAL")
      ->type_name("DURATION");
  serve->add_option("--failures", o.failures, "Consecutive failures that make a target unhealthy (default 3)")
      ->envname("STACKGATE_FAILURES")
      ->check(CLI::Range(1, 1000000));
  serve->add_option("--successes", o.successes, "Consecutive passes that make a target healthy (default 1)")
      ->envname("STACKGATE_SUCCESSES")
      ->check(CLI::Range(1, 1000000));
  serve->add_option("--on-unhealthy", raw.on_unhealthy,
                            "Command to run when a target turns unhealthy (and again after each cooldown while it "
                            "stays so); split into words like Compose's command:, no shell; env STACKGATE_SERVICE, "
                            "STACKGATE_TARGET, STACKGATE_REASON, STACKGATE_EVENT")
      ->envname("STACKGATE_ON_UNHEALTHY")
      ->type_name("CMD");
  serve->add_option("--on-recover", raw.on_recover, "Command to run when an unhealthy target turns healthy")
      ->envname("STACKGATE_ON_RECOVER")
      ->type_name("CMD");
  serve->add_flag("--restart-unhealthy", o.restart_unhealthy,
                          "Restart the unhealthy service's containers through the Docker Engine API (socket from "
                          "DOCKER_HOST, default /var/run/docker.sock), with the same cooldown and cap")
      ->envname("STACKGATE_RESTART_UNHEALTHY");
  serve->add_option("--action-cooldown", raw.action_cooldown,
                            "Least time between two actions for one service (default 5m)")
      ->envname("STACKGATE_ACTION_COOLDOWN")
      ->type_name("DURATION");
  serve->add_option("--max-actions-per-hour", o.max_actions_per_hour,
                            "Most on-unhealthy runs and restarts per service in any 60 minutes (default 6)")
      ->envname("STACKGATE_MAX_ACTIONS_PER_HOUR")
      ->check(CLI::Range(1, 1000000));
  serve->add_option("--action-timeout", raw.action_timeout,
                            "A command running longer gets SIGTERM, then SIGKILL 5s later (default 1m)")
      ->envname("STACKGATE_ACTION_TIMEOUT")
      ->type_name("DURATION");
}

// The subcommand `c` and its options.
void define_command(Definitions& d, Options& o, Raw& raw, const CommandInfo& c) {
  CLI::App* sub = d.app.add_subcommand(c.name, c.description);
  sub->fallthrough();  // global options are accepted after the subcommand too
  d.subs[c.name] = sub;
  std::string_view name = c.name;
  if (name == "plan") {
    add_for(sub, o, "Plan for these services' upstreams only (repeatable)");
    d.one_of(sub->add_option("--format", raw.plan_format, "text, json or dot")->envname("STACKGATE_FORMAT"),
             {"text", "json", "dot"});
  } else if (name == "lint") {
    sub->add_flag("--strict", o.strict, "Warnings are errors too")->envname("STACKGATE_STRICT");
    sub->add_flag("--host-ports", o.host_ports, "Also report published host ports already in use on this machine")
        ->envname("STACKGATE_HOST_PORTS");
  } else if (name == "wait" || name == "exec") {
    add_for(sub, o,
            name == "wait" ? "Release when these services' upstreams are ready (default: the whole project)"
                           : "Wait for these services' upstreams, then run the command");
    add_wait_options(sub, o, raw);
    // exec's command comes only after "--" (split off in parse_args), so a
    // word before it is a URL: `exec tcp://db:5432 server` is an error, not
    // a command.
    sub->add_option("urls", o.urls, "Probe URLs to wait for as well; with URLs and no --for no compose file is read")
        ->type_name("URL");
    sub->add_flag("--invert", o.invert,
                  "Wait until every target is down instead (refused or failing), e.g. before a teardown")
        ->envname("STACKGATE_INVERT");
  } else if (name == "check") {
    sub->add_option("urls", o.urls, "Probe URLs (tcp://, http://, postgres://, redis://, ...)")->required();
  } else if (name == "smoke") {
    add_wait_options(sub, o, raw);
  } else if (name == "serve") {
    define_serve(sub, o, raw);
  } else if (name == "help") {
    sub->add_option("command", raw.help_topic, "The command to describe")->type_name("COMMAND");
    sub->add_flag("--man", raw.man, "Print the man page (roff) instead");
  } else if (name == "completion") {
    d.one_of(sub->add_option("shell", raw.shell, "bash, zsh or fish")->required()->type_name("SHELL"),
             {"bash", "zsh", "fish"});
  }
}

void define(Definitions& d, Options& o, Raw& raw) {
  define_globals(d, o, raw);
  for (const CommandInfo& c : k_commands) define_command(d, o, raw, c);
}


OptionInfo option_info(const Definitions& d, const CLI::Option* opt) {
  OptionInfo info;
  for (const std::string& n : opt->get_snames()) info.names.push_back("-" + n);
  for (const std::string& n : opt->get_lnames()) info.names.push_back("--" + n);
  info.positional = info.names.empty();
  if (info.positional) info.names.push_back(opt->get_name());
  if (opt->get_type_size_max() > 0) {
    std::string type = opt->get_type_name();  // "TEXT:{text,json}": the validator's part goes
    info.value = type.substr(0, type.find(':'));
  }
  if (auto it = d.choices.find(opt); it != d.choices.end()) info.choices = it->second;
  info.description = opt->get_description();
  info.env = opt->get_envname();
  info.repeatable = opt->get_items_expected_max() > 1;
  return info;
}

CliTable table_of(const Definitions& d) {
  CliTable table;
  table.description = d.app.get_description();
  for (const CLI::Option* opt : d.app.get_options()) table.global.push_back(option_info(d, opt));
  for (const CommandInfo& c : k_commands) {
    CommandSpec command{c.name, c.description, {}};
    for (const CLI::Option* opt : d.subs.at(c.name)->get_options()) command.options.push_back(option_info(d, opt));
    table.commands.push_back(std::move(command));
  }
  return table;
}

}  // namespace

CliTable cli_table() {
  Options o;
  Raw raw;
  Definitions d;
  define(d, o, raw);
  return table_of(d);
}

namespace {

// With `only_the_command`, only the global options and the command named on
// the command line are defined; anything but a clean parse of one of the
// commands that do work (help, version, a usage error) is parsed again with
// every definition, so messages, suggestions and help are the full ones.
ParsedArgs parse(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool only_the_command) {
  Options o;
  Raw raw;
  Definitions d;
  define_globals(d, o, raw);
  CLI::App& app = d.app;
  std::map<std::string, CLI::App*>& subs = d.subs;
  auto parsed = [&subs](const char* name) {
    auto it = subs.find(name);
    return it != subs.end() && it->second->parsed();
  };

  // The command of exec (and of wait) is everything after the first "--":
  // CLI11 never sees it, so the command's own options cannot be mistaken
  // for ours.
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
      exec_seen = exec_seen || a == "exec" || a == "wait";
      args.push_back(a);
    }
  }
  std::optional<std::string> word = command_word(app, args);
  const CommandInfo* named = nullptr;
  for (const CommandInfo& c : k_commands) {
    if (only_the_command && c.command && word == c.name) named = &c;
  }
  if (named) {
    define_command(d, o, raw, *named);
  } else {
    only_the_command = false;
    for (const CommandInfo& c : k_commands) define_command(d, o, raw, c);
  }
  // Docker reads exit code 2 from a HEALTHCHECK as "reserved": check's
  // usage errors exit 1 (unhealthy) with the message on stderr.
  int usage_code = word == "check" ? k_exit_not_ready : k_exit_usage;
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector

  try {
    if (only_the_command) {
      try {
        app.parse(args);
      } catch (const CLI::Error&) {
        return parse(argc, argv, out, err, false);
      }
    } else {
      app.parse(args);
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    out << version_string() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    if (!word) {
      err << "stackgate: a command is required\n" << command_list();
      return k_exit_usage;
    }
    if (!is_command(*word)) {
      err << "stackgate: unknown command '" << probes::sanitize(*word) << "'" << suggestion(app, argc, argv) << "\n"
          << command_list();
      return k_exit_usage;
    }
    err << "stackgate: error: " << e.what() << suggestion(app, argc, argv) << "\n"
        << "Run 'stackgate --help' for usage.\n";
    return usage_code;
  }

  if (parsed("version")) {
    out << version_string() << "\n";
    return 0;
  }
  if (parsed("completion")) {
    CliTable table = table_of(d);
    out << (raw.shell == "bash"  ? bash_completion(table)
            : raw.shell == "zsh" ? zsh_completion(table)
                                 : fish_completion(table));
    return 0;
  }
  if (parsed("help")) {
    if (raw.man) {
      out << man_page(table_of(d), STACKGATE_VERSION);
      return 0;
    }
    if (raw.help_topic.empty()) {
      // Not app.help(): that describes the selected subcommand, `help` itself.
      out << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
      return 0;
    }
    if (!is_command(raw.help_topic)) {
      err << "stackgate: unknown command '" << probes::sanitize(raw.help_topic) << "'\n" << command_list();
      return k_exit_usage;
    }
    out << subs[raw.help_topic]->help("stackgate");
    return 0;
  }
  for (const CommandInfo& c : k_commands) {
    if (c.command && parsed(c.name)) o.command = *c.command;
  }
  auto usage = [&](const std::string& message) -> ParsedArgs {
    err << "stackgate: error: " << message << "\nRun 'stackgate --help' for usage.\n";
    return usage_code;
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
  if (!raw.interval.empty()) {
    auto d = util::parse_duration(raw.interval);
    if (!d) return usage("invalid --interval '" + raw.interval + "': " + d.error());
    if (d->count() <= 0) return usage("invalid --interval '" + raw.interval + "': must be longer than 0");
    o.interval = *d;
  }
  for (auto [text, name, argv] : {std::tuple{&raw.on_unhealthy, "--on-unhealthy", &o.on_unhealthy},
                                  std::tuple{&raw.on_recover, "--on-recover", &o.on_recover}}) {
    if (text->empty()) continue;
    auto words = compose::split_shell_words(*text);
    if (!words) return usage(std::string("invalid ") + name + ": " + words.error());
    if (words->empty()) return usage(std::string("invalid ") + name + ": no command in '" + probes::sanitize(*text) + "'");
    *argv = std::move(*words);
  }
  for (auto [text, name, value] : {std::tuple{&raw.action_cooldown, "--action-cooldown", &o.action_cooldown},
                                   std::tuple{&raw.action_timeout, "--action-timeout", &o.action_timeout}}) {
    if (text->empty()) continue;
    auto d = util::parse_duration(*text);
    if (!d) return usage(std::string("invalid ") + name + " '" + *text + "': " + d.error());
    if (std::string_view(name) == "--action-timeout" && d->count() <= 0) {
      return usage(std::string("invalid ") + name + " '" + *text + "': must be longer than 0");
    }
    *value = *d;
  }
  o.color_set = !raw.color.empty();
  o.color = raw.color == "always"  ? ColorMode::always
            : raw.color == "never" ? ColorMode::never
                                   : ColorMode::automatic;
  if (!raw.window.empty()) {
    auto w = spec::parse_window(raw.window);
    if (!w) return usage("invalid --window '" + raw.window + "': " + w.error());
    o.window = w->over(spec::Window{});
  }
  o.command_line.insert(o.command_line.end(), after_dashes.begin(), after_dashes.end());
  if (o.command == Command::exec && o.command_line.empty()) return usage("exec needs a command: exec --for S -- CMD ARGS");
  return o;
}

}  // namespace

ParsedArgs parse_args(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  return parse(argc, argv, out, err, true);
}

}  // namespace stackgate::gate
