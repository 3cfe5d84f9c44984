// The program as a recipe: parse the command line, then for each command
// load -> graph -> plan -> tasks -> schedule -> report -> exit code.
//
// Output streams: plan, lint and check results go to stdout; progress,
// summaries, warnings and errors go to stderr, so `wait` can sit in a
// pipeline and `plan --format json` stays parseable.
#include "gate/run.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <random>
#include <set>

#include "compose/infer.h"
#include "compose/loader.h"
#include "gate/cli.h"
#include "gate/executor.h"
#include "gate/exit_status.h"
#include "gate/fatal_error.h"
#include "gate/graph.h"
#include "gate/inverted_probe.h"
#include "gate/lint.h"
#include "gate/log.h"
#include "gate/plan.h"
#include "gate/plan_output.h"
#include "gate/report_files.h"
#include "gate/reporter.h"
#include "gate/scheduler.h"
#include "gate/serve.h"
#include "gate/signals.h"
#include "gate/tasks.h"
#include "probes/docker_probe.h"
#include "probes/factory.h"
#include "util/cancel.h"
#include "util/strings.h"

namespace stackgate::gate {
namespace {

// The scheduler's clock lives as long as the process: the signal thread may
// wake it while run() unwinds.
SteadyClock& process_clock() {
  static SteadyClock* clock = new SteadyClock;
  return *clock;
}

std::string warning_text(const util::SourceLocation& where, const std::string& message) {
  return util::warning(where, message).format_with_source();
}

int print_config_errors(const util::ConfigErrors& errors) {
  for (const util::ConfigError& e : errors) std::cerr << e.format_with_source() << "\n";
  return k_exit_usage;
}

int usage_error(const std::string& message) {
  std::cerr << "stackgate: error: " << message << "\n";
  return k_exit_usage;
}

compose::InferOptions infer_options(const Options& o) {
  compose::InferOptions infer;
  infer.address_mode = o.published ? compose::AddressMode::published : compose::AddressMode::service;
  switch (o.docker) {
    case Options::DockerMode::never: infer.docker = false; break;
    case Options::DockerMode::always: infer.docker = true; break;
    case Options::DockerMode::automatic: infer.docker = probes::docker_engine_available(Millis{300}); break;
  }
  return infer;
}

// Loads the project; on error prints every error and returns the exit code.
std::expected<compose::Project, int> load(const Options& o, bool print_warnings = true) {
  compose::LoadOptions lo;
  lo.files = o.files;
  lo.project_directory = o.project_directory;
  lo.project_name = o.project_name;
  lo.env_files = o.env_files;
  lo.profiles = o.profiles;
  lo.environ = compose::current_environ();
  auto project = compose::load_project(lo);
  // As `docker compose up X` does, naming a profiled-out service activates
  // its profiles (compose-go WithServicesEnabled): load again with them.
  if (project) {
    std::vector<std::string> more = project->profiles;
    for (const std::string& target : o.targets) {
      auto disabled = project->disabled_services.find(target);
      if (disabled == project->disabled_services.end()) continue;
      more.insert(more.end(), disabled->second.profiles.begin(), disabled->second.profiles.end());
    }
    if (more.size() != project->profiles.size()) {
      lo.profiles = more;
      project = compose::load_project(lo);
    }
  }
  if (!project && util::cancel_requested()) {
    // A signal during loading (wait, exec, smoke): leave at once, as the
    // scheduler would.
    std::cerr << "stackgate: interrupted\n";
    return std::unexpected(128 + util::cancel_signal());
  }
  if (!project) return std::unexpected(print_config_errors(project.error()));
  if (print_warnings) {
    for (const compose::Warning& w : project->warnings) std::cerr << warning_text(w.where, w.message) << "\n";
  }
  return std::move(*project);
}

std::expected<ServiceGraph, int> graph_of(const compose::Project& project) {
  std::vector<compose::Warning> warnings;
  auto graph = ServiceGraph::build(project, &warnings);
  if (!graph) return std::unexpected(print_config_errors(graph.error()));
  for (const compose::Warning& w : warnings) std::cerr << warning_text(w.where, w.message) << "\n";
  return std::move(*graph);
}


// Asked again before every draw of the live table: how it notices a resize.
TermSize terminal_size() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) return {ws.ws_col, ws.ws_row};
  return {};
}

// The live table is ANSI escapes throughout (cursor moves and colours), so
// "no colour" means plain lines. --color wins over NO_COLOR (no-color.org:
// set and not empty); -v logs between redraws, so it always gets lines.
bool live_table(const Options& o) {
  if (o.verbose > 0 || o.color == ColorMode::never) return false;
  if (o.color == ColorMode::always) return true;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) && !(term && std::string(term) == "dumb");
}

// "timed out after 5s waiting for web; db tcp://db:5432: connection refused":
// the summary's first line and the first probe that held the run up.
std::string failure_line(const RunResult& result, const std::string& what) {
  std::string summary = summary_text(result, what);
  std::string line = summary.substr(0, summary.find('\n'));
  for (const ProbeStatus& p : result.probes) {
    if (p.state == ProbeState::ready || p.target.empty() || p.last_reason.empty()) continue;
    return line + "; " + p.service + " " + p.target + ": " + p.last_reason;
  }
  return line;
}

// -q: nothing while running or on success; on failure one line, so a log
// still says why.
class QuietReporter final : public Reporter {
 public:
  explicit QuietReporter(std::string what) : m_what(std::move(what)) {}
  void finished(const RunResult& result) override {
    if (result.status != RunStatus::released) std::cerr << "stackgate: " << failure_line(result, m_what) << "\n";
  }

 private:
  std::string m_what;
};

std::unique_ptr<Reporter> progress_reporter(const Options& o, const std::string& what) {
  if (o.log_format == LogFormat::json) return std::make_unique<JsonReporter>(std::cerr, local_timestamp());
  if (o.quiet) return std::make_unique<QuietReporter>(what);
  if (live_table(o)) return std::make_unique<TtyReporter>(std::cerr, what, terminal_size);
  return std::make_unique<LineReporter>(std::cerr, local_timestamp(), what);
}

int exit_code_for(const RunResult& result, const SignalWatcher& signals) {
  switch (result.status) {
    case RunStatus::released: return k_exit_ok;
    case RunStatus::cancelled: return signals.signal() != 0 ? signals.exit_code() : k_exit_sigint;
    case RunStatus::timed_out: {
      // smoke keeps probing after a fatal outcome; when one happened it says
      // more than the deadline does: more time would not have helped.
      bool fatal = std::any_of(result.probes.begin(), result.probes.end(),
                               [](const ProbeStatus& p) { return p.state == ProbeState::failed; });
      return fatal ? k_exit_not_ready : k_exit_timeout;
    }
    default: return k_exit_not_ready;
  }
}

// One service per probe URL (check, wait URL...), named by its host:port
// ("#N" when that name is taken). Bad URLs are printed, all of them, and
// give nullopt.
std::optional<LevelTasks> url_tasks(const std::vector<std::string>& urls, const TaskDefaults& defaults) {
  LevelTasks level;
  bool bad = false;
  for (size_t i = 0; i < urls.size(); ++i) {
    auto spec = spec::parse_probe_spec(urls[i]);
    if (!spec) {
      std::cerr << "stackgate: error: " << spec.error() << "\n";
      bad = true;
      continue;
    }
    ProbeOptions options = resolve_options(*spec, {}, defaults);
    auto probe = probes::make_probe(*spec);
    if (!probe) {
      std::cerr << "stackgate: error: " << probe.error() << "\n";
      bad = true;
      continue;
    }
    std::string name = spec->url.authority();
    auto taken = [&](const std::string& n) {
      return std::any_of(level.begin(), level.end(), [&](const ServiceTasks& s) { return s.name == n; });
    };
    if (name.empty() || taken(name)) name = "#" + std::to_string(i + 1);
    ProbeTask task{std::shared_ptr<probes::Probe>(std::move(*probe)), spec->url.scheme, spec->url.redacted(), options};
    level.push_back(ServiceTasks{name, {std::move(task)}});
  }
  if (bad) return std::nullopt;
  return level;
}

// --interval and --invert apply to every probe, whichever way it was planned.
void apply_run_options(std::vector<LevelTasks>& levels, const Options& o) {
  for (LevelTasks& level : levels) {
    for (ServiceTasks& service : level) {
      for (ProbeTask& task : service.probes) {
        if (o.interval && !task.options.interval) task.options.interval = *o.interval;
        if (o.invert) task.probe = std::make_shared<InvertedProbe>(task.probe);
      }
    }
  }
}

void write_reports(const Options& o, const RunResult& result, const std::string& project) {
  if (o.report_json) {
    if (auto w = write_file(*o.report_json, json_report(result, project)); !w) throw FatalError(w.error());
  }
  if (o.report_junit) {
    if (auto w = write_file(*o.report_junit, junit_report(result, project)); !w) throw FatalError(w.error());
  }
}

// Leaves without running static destructors when an attempt thread is still
// inside a probe: its library may be torn down under it otherwise.
int finish(int code) {
  std::cout.flush();
  std::cerr.flush();
  if (ThreadExecutor::in_flight() > 0) {
    std::fflush(nullptr);
    _exit(code);
  }
  return code;
}

[[noreturn]] void exec_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  SignalWatcher::unblock();
  ::execvp(argv[0], argv.data());
  int err = errno;
  if (err == ENOENT) {
    std::cerr << "stackgate: error: command not found: " << command.front() << "\n";
    _exit(k_exit_not_found);
  }
  std::cerr << "stackgate: error: cannot run " << command.front() << ": " << std::strerror(err) << "\n";
  _exit(k_exit_not_executable);
}

// --- commands ----------------------------------------------------------------

int cmd_plan(const Options& o) {
  auto project = load(o);
  if (!project) return project.error();
  auto graph = graph_of(*project);
  if (!graph) return graph.error();
  if (auto ok = check_targets(*graph, o.targets); !ok) return usage_error(ok.error());
  Plan plan = make_plan(*project, *graph, o.targets, infer_options(o));
  switch (o.plan_format) {
    case PlanFormat::text: std::cout << plan_text(plan, *graph); break;
    case PlanFormat::json: std::cout << plan_json(plan, *graph); break;
    case PlanFormat::dot: std::cout << plan_dot(plan, *graph); break;
  }
  return k_exit_ok;
}

int cmd_lint(const Options& o) {
  auto project = load(o, /*print_warnings=*/false);
  if (!project) return project.error();
  int errors = 0, warnings = 0;
  for (const Finding& f : lint_project(*project, infer_options(o), LintOptions{.host_ports = o.host_ports})) {
    std::cout << f.format_with_source() << "\n";
    (f.severity == Severity::error ? errors : warnings)++;
  }
  if (errors == 0 && warnings == 0) {
    std::cout << "lint: no problems found\n";
  } else {
    std::cout << "lint: " << errors << (errors == 1 ? " error, " : " errors, ") << warnings
              << (warnings == 1 ? " warning\n" : " warnings\n");
  }
  return errors > 0 || (o.strict && warnings > 0) ? k_exit_usage : k_exit_ok;
}

// wait, exec and smoke. `wait URL...` without --for reads no compose file:
// the URLs are the whole plan; with --for they join its first level.
int cmd_gate(const Options& o, SignalWatcher& signals) {
  bool smoke = o.command == Command::smoke;
  TaskDefaults defaults;
  if (o.window) defaults.window = *o.window;
  if (smoke) {
    defaults.window = spec::Window{1, Millis{0}};
    defaults.force_window = !o.timeout.has_value();
  }

  std::vector<LevelTasks> levels;
  std::vector<std::string> release;
  std::string project_name;
  bool compose_needed = smoke || o.urls.empty() || !o.targets.empty();
  if (compose_needed) {
    auto project = load(o);  // a signal while loading exits at once: nothing to report yet
    if (!project) return project.error();
    auto graph = graph_of(*project);
    if (!graph) return graph.error();
    std::vector<std::string> targets = smoke ? std::vector<std::string>{} : o.targets;
    if (auto ok = check_targets(*graph, targets); !ok) return usage_error(ok.error());
    Plan plan = make_plan(*project, *graph, targets, infer_options(o));
    auto planned = build_tasks(plan, *project, defaults);
    if (!planned) return print_config_errors(planned.error());
    levels = std::move(*planned);
    release = plan.release;
    project_name = plan.project;
  }
  if (!o.urls.empty()) {
    auto extra = url_tasks(o.urls, defaults);
    if (!extra) return k_exit_usage;
    if (levels.empty()) levels.emplace_back();
    for (ServiceTasks& service : *extra) {
      release.push_back(service.probes.front().target);
      levels.front().push_back(std::move(service));
    }
  }
  apply_run_options(levels, o);

  log::init(o.verbose > 0);
  SchedulerOptions so;
  so.seed = std::random_device{}();
  Millis budget = o.timeout.value_or(smoke ? Millis{0} : k_default_wait_timeout);
  if (budget.count() > 0) so.timeout = budget;
  if (smoke) {
    so.gate_levels = false;
    so.fail_fast = false;
    if (!o.timeout) so.max_attempts = 1;
  }
  std::string what = smoke ? "" : util::join(release, ", ");
  std::unique_ptr<Reporter> progress = progress_reporter(o, what);
  ThreadExecutor executor;
  SignalWatcher::exit_at_once(false);  // from here on a signal ends the run with its report
  Scheduler scheduler(process_clock(), executor, *progress, so);
  RunResult result = scheduler.run(levels, &signals.cancelled());
  write_reports(o, result, project_name);

  int code = exit_code_for(result, signals);
  // exec, and wait with "-- CMD ARGS" (wait4x's form).
  if (!o.command_line.empty() && code == k_exit_ok) exec_command(o.command_line);
  return code;
}

// One line per URL on stdout, in the order given. Quiet: only the URLs that
// are not healthy, so `docker inspect` still shows why.
class CheckReporter final : public Reporter {
 public:
  explicit CheckReporter(bool quiet) : m_quiet(quiet) {}
  void finished(const RunResult& result) override {
    for (const ProbeStatus& p : result.probes) {
      if (m_quiet && p.state == ProbeState::ready) continue;
      std::string word = p.last_verdict ? std::string(probes::to_string(*p.last_verdict)) : std::string(to_string(p.state));
      std::cout << p.target << " " << word << " (" << format_seconds(p.elapsed) << ")";
      if (p.last_verdict != probes::Verdict::ready && !p.last_reason.empty()) std::cout << ": " << p.last_reason;
      std::cout << "\n";
    }
    std::cout.flush();
  }

 private:
  bool m_quiet;
};

int cmd_check(const Options& o, SignalWatcher& signals) {
  // A HEALTHCHECK runs every few seconds. libpq loads GnuTLS through
  // libldap, and GnuTLS's constructor builds its ASN.1 tables: about a tenth
  // of check postgres://'s CPU time, for a library the probe never uses
  // (libpq's TLS is OpenSSL; libldap calls gnutls_global_init() itself
  // before any LDAP over TLS). check runs no other program, so the variable
  // reaches nothing else.
  ::setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
  TaskDefaults defaults{spec::Window{1, Millis{0}}, true};
  auto level = url_tasks(o.urls, defaults);
  // Not 2: Docker reserves it in HEALTHCHECK. A bad URL is unhealthy.
  if (!level) return k_exit_not_ready;
  if (o.verbose > 0) log::init(o.verbose > 0);

  SchedulerOptions so;
  so.gate_levels = false;
  so.fail_fast = false;
  so.max_attempts = 1;
  so.min_spacing = Millis{0};
  CheckReporter reporter(o.quiet);
  // One URL (the usual HEALTHCHECK) has nothing to overlap with: its one
  // attempt runs on this thread, which saves starting a worker thread and
  // the hand-offs to and from it. The attempt's own timeout bounds it, and
  // a signal still ends the process within the watcher's grace period.
  ThreadExecutor threads;
  InlineExecutor inline_executor;
  Executor& executor = level->size() == 1 ? static_cast<Executor&>(inline_executor) : threads;
  SignalWatcher::exit_at_once(false);
  Scheduler scheduler(process_clock(), executor, reporter, so);
  RunResult result = scheduler.run({*level}, &signals.cancelled());
  return exit_code_for(result, signals);
}

// serve's --on-unhealthy, --on-recover and --restart-unhealthy. The restart
// needs the Compose project (its containers are found by its labels) and the
// Docker socket's path; whether the engine answers is only known when it
// is asked, and a failure then is logged with the reason.
std::expected<ActionConfig, std::string> serve_actions(const Options& o, const std::string& project_name) {
  ActionConfig config;
  config.on_unhealthy = o.on_unhealthy;
  config.on_recover = o.on_recover;
  config.limits = ActionLimits{o.action_cooldown, o.max_actions_per_hour};
  config.timeout = o.action_timeout;
  if (o.restart_unhealthy) {
    if (project_name.empty()) {
      return std::unexpected("--restart-unhealthy needs a Compose project to find the containers: give -f FILE, -p NAME or COMPOSE_PROJECT_NAME");
    }
    auto socket = probes::docker_socket_path();
    if (!socket) return std::unexpected("--restart-unhealthy: " + socket.error());
    config.restarter.emplace(*socket, project_name);
  }
  return config;
}

// serve: every planned probe (all services, or --for's upstreams) and every
// URL, probed forever; see serve.h. The window options do not apply: the
// thresholds (--failures, --successes) take their place.
int cmd_serve(const Options& o, SignalWatcher& signals) {
  TaskDefaults defaults{spec::Window{1, Millis{0}}, true};
  std::vector<ServeTarget> targets;
  Closures closures;
  // Without a compose file, --restart-unhealthy finds containers by -p or COMPOSE_PROJECT_NAME.
  const char* env_project = std::getenv("COMPOSE_PROJECT_NAME");
  std::string project_name = o.project_name.value_or(env_project != nullptr ? env_project : "");
  auto interval_of = [&](const ProbeTask& task) {
    return task.options.interval.value_or(o.interval.value_or(k_default_serve_interval));
  };
  if (o.urls.empty() || !o.targets.empty()) {
    auto project = load(o);
    if (!project) return project.error();
    project_name = project->name;
    auto graph = graph_of(*project);
    if (!graph) return graph.error();
    if (auto ok = check_targets(*graph, o.targets); !ok) return usage_error(ok.error());
    compose::InferOptions infer = infer_options(o);
    Plan plan = make_plan(*project, *graph, o.targets, infer);
    auto planned = build_tasks(plan, *project, defaults);
    if (!planned) return print_config_errors(planned.error());
    for (const LevelTasks& level : *planned) {
      for (const ServiceTasks& service : level) {
        for (const ProbeTask& task : service.probes) targets.push_back({service.name, task, interval_of(task)});
      }
    }
    // /readyz?service=S asks what `wait --for S` would wait for: the
    // services of make_plan(project, graph, {S}).levels, i.e. S's upstream
    // closure (taken from the graph: a plan per service would infer every
    // upstream's probes again, quadratic in the project's size).
    for (const auto& [name, planned_service] : plan.services) {
      std::set<std::string> upstream = graph->upstream_closure({name});
      closures[name].assign(upstream.begin(), upstream.end());
    }
  }
  if (!o.urls.empty()) {
    auto extra = url_tasks(o.urls, defaults);
    if (!extra) return k_exit_usage;
    for (const ServiceTasks& service : *extra) {
      closures[service.name] = {service.name};
      for (const ProbeTask& task : service.probes) targets.push_back({service.name, task, interval_of(task)});
    }
  }
  log::init(o.verbose > 0);
  HealthThresholds thresholds{o.failures, o.successes};
  auto actions = serve_actions(o, project_name);
  if (!actions) return usage_error(actions.error());
  // From here a signal stops serve through serve_until's own shutdown (within
  // the watcher's grace), which sends SIGTERM to action commands still running.
  SignalWatcher::exit_at_once(false);
  if (!serve_until(std::move(targets), closures, thresholds, *actions, o.listen, signals.cancelled(), std::cerr)) {
    return k_exit_usage;
  }
  return signals.signal() != 0 ? signals.exit_code() : k_exit_ok;
}

}  // namespace

int run(int argc, char** argv) {
  ParsedArgs parsed = parse_args(argc, argv, std::cout, std::cerr);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const Options& o = std::get<Options>(parsed);

  try {
    switch (o.command) {
      case Command::plan: return cmd_plan(o);
      case Command::lint: return cmd_lint(o);
      case Command::check: {
        // Before any thread starts: every later thread inherits the mask.
        SignalWatcher signals([] { process_clock().wake(); });
        int code = cmd_check(o, signals);
        // A HEALTHCHECK runs every few seconds: leave without running static
        // destructors and the loaded libraries' finalisers (OpenSSL, GnuTLS,
        // Kerberos under libpq), which have nothing left to do.
        std::cout.flush();
        std::cerr.flush();
        std::fflush(nullptr);
        _exit(code);
      }
      case Command::serve: {
        SignalWatcher signals([] {});
        int code = cmd_serve(o, signals);
        // Probe loops are detached and may be inside a library call: leave
        // without static destructors, as finish() does for stuck attempts.
        std::cout.flush();
        std::cerr.flush();
        std::fflush(nullptr);
        _exit(code);
      }
      case Command::wait:
      case Command::exec:
      case Command::smoke: {
        SignalWatcher signals([] { process_clock().wake(); });
        return finish(cmd_gate(o, signals));
      }
    }
  } catch (const FatalError& e) {
    std::cerr << "stackgate: error: " << e.what() << "\n";
    // Docker reserves 2 in HEALTHCHECK: check reports every error as unhealthy.
    bool reserved = o.command == Command::check && e.exit_code() == k_exit_usage;
    return finish(reserved ? k_exit_not_ready : e.exit_code());
  }
  return k_exit_usage;
}

}  // namespace stackgate::gate
