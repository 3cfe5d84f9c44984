#include <catch2/catch.hpp>
#include <sstream>

#include "gate/cli.h"
#include "gate/tasks.h"

using namespace std::chrono_literals;
using stackgate::gate::Command;
using stackgate::gate::Options;
using stackgate::gate::parse_args;

namespace {

std::variant<Options, int> parse(std::vector<const char*> args, std::string* err = nullptr) {
  args.insert(args.begin(), "stackgate");
  std::ostringstream out, errs;
  auto parsed = parse_args(static_cast<int>(args.size()), args.data(), out, errs);
  if (err) *err = errs.str();
  return parsed;
}

}  // namespace

TEST_CASE("the --window option fills the fields it leaves out from the defaults", "[cli]") {
  auto parsed = parse({"wait", "--window", "stable_for=250ms"});
  REQUIRE(std::holds_alternative<Options>(parsed));
  CHECK(std::get<Options>(parsed).window->passes == 2);
  CHECK(std::get<Options>(parsed).window->stable_for == 250ms);
}

TEST_CASE("wait options are parsed into Options", "[cli]") {
  auto parsed = parse({"-f", "a.yaml", "-f", "b.yaml", "wait", "--for", "api", "--timeout", "90s", "--window",
                       "passes=1,stable_for=0s", "-v"});
  REQUIRE(std::holds_alternative<Options>(parsed));
  const Options& o = std::get<Options>(parsed);
  CHECK(o.command == Command::wait);
  CHECK(o.files == std::vector<std::string>{"a.yaml", "b.yaml"});
  CHECK(o.targets == std::vector<std::string>{"api"});
  CHECK(o.timeout == 90'000ms);
  CHECK(o.window->passes == 1);
  CHECK(o.verbose == 1);  // a global flag after the subcommand
}

TEST_CASE("exec takes the command after --", "[cli]") {
  auto parsed = parse({"exec", "--for", "api", "--", "server", "--port", "8080"});
  REQUIRE(std::holds_alternative<Options>(parsed));
  CHECK(std::get<Options>(parsed).command_line == std::vector<std::string>{"server", "--port", "8080"});
}

TEST_CASE("usage errors exit 2 with a message", "[cli]") {
  std::string err;
  auto parsed = parse({"wait", "--window", "passes=x"}, &err);
  REQUIRE(std::holds_alternative<int>(parsed));
  CHECK(std::get<int>(parsed) == 2);
  CHECK(err.find("invalid --window 'passes=x'") != std::string::npos);
  CHECK(std::get<int>(parse({"plan", "--format", "yaml"})) == 2);
}

// Precedence, field by field: the URL, then what compose gives the probe
// (its kind's own key over the service's x-stackgate), then --window, then
// the defaults. Each case below sets one field at one level.
TEST_CASE("the URL wins over compose's settings, which win over the command line", "[cli][tasks][precedence]") {
  using stackgate::gate::resolve_options;
  stackgate::spec::ProbeSpec spec;
  spec.url.scheme = "tcp";
  stackgate::spec::ProbeSettings from_compose;
  stackgate::gate::TaskDefaults defaults;
  defaults.window = {1, 0ms};

  SECTION("nothing set: the command line's window, the default timeout, no max_latency") {
    auto o = resolve_options(spec, from_compose, defaults);
    CHECK(o.timeout == 2000ms);
    CHECK(o.window.passes == 1);
    CHECK(o.window.stable_for == 0ms);
    CHECK_FALSE(o.max_latency.has_value());
    CHECK_FALSE(o.interval.has_value());
  }
  SECTION("compose's settings over the command line") {
    from_compose = {.timeout = 3000ms, .max_latency = 4000ms, .window = {.passes = 4, .stable_for = 2000ms}};
    auto o = resolve_options(spec, from_compose, defaults);
    CHECK(o.window.passes == 4);
    CHECK(o.window.stable_for == 2000ms);
    CHECK(o.timeout == 3000ms);
    CHECK(o.max_latency == 4000ms);
  }
  SECTION("compose sets only stable_for: passes still comes from the command line") {
    from_compose.window.stable_for = 1250ms;
    auto o = resolve_options(spec, from_compose, defaults);
    CHECK(o.window.passes == 1);
    CHECK(o.window.stable_for == 1250ms);
  }
  SECTION("the URL over compose, field by field") {
    from_compose = {.timeout = 3000ms, .max_latency = 4000ms, .window = {.passes = 4, .stable_for = 2000ms}};
    spec.window.passes = 5;
    spec.timeout = 7000ms;
    auto o = resolve_options(spec, from_compose, defaults);
    CHECK(o.window.passes == 5);
    CHECK(o.window.stable_for == 2000ms);  // not in the URL: compose's
    CHECK(o.timeout == 7000ms);
    CHECK(o.max_latency == 4000ms);
  }
  SECTION("smoke without --timeout: one pass, whatever the probe says") {
    spec.window = {.passes = 5, .stable_for = 10'000ms};
    defaults.force_window = true;
    CHECK(resolve_options(spec, from_compose, defaults).window.passes == 1);
  }
}

TEST_CASE("kafka probes get a longer default attempt timeout", "[cli][tasks]") {
  stackgate::spec::ProbeSpec spec;
  spec.url.scheme = "kafka";
  CHECK(stackgate::gate::resolve_options(spec, {}, {}).timeout == 5000ms);
}

TEST_CASE("wait takes URLs, a command after --, --interval, --invert, -q and --color", "[cli]") {
  auto parsed = parse({"-q", "--color", "never", "wait", "--for", "api", "tcp://cache:11211", "--interval", "250ms",
                       "--invert", "--", "server", "--port", "8080"});
  REQUIRE(std::holds_alternative<Options>(parsed));
  const Options& o = std::get<Options>(parsed);
  CHECK(o.command == Command::wait);
  CHECK(o.targets == std::vector<std::string>{"api"});
  CHECK(o.urls == std::vector<std::string>{"tcp://cache:11211"});
  CHECK(o.command_line == std::vector<std::string>{"server", "--port", "8080"});
  CHECK(o.interval == 250ms);
  CHECK(o.invert);
  CHECK(o.quiet);
  CHECK(o.color == stackgate::gate::ColorMode::never);
  CHECK(o.color_set);
  CHECK_FALSE(std::get<Options>(parse({"wait"})).color_set);
}

TEST_CASE("check's usage errors exit 1, everyone else's 2", "[cli]") {
  std::string err;
  CHECK(std::get<int>(parse({"check"}, &err)) == 1);
  CHECK(err.find("stackgate: error: ") == 0);
  CHECK(std::get<int>(parse({"-f", "x.yaml", "check", "--nope", "tcp://a:1"})) == 1);
  CHECK(std::get<int>(parse({"wait", "--nope"})) == 2);
  CHECK(std::get<int>(parse({"wait", "--interval", "0s"})) == 2);
}

TEST_CASE("an unknown command is named, with the list of commands", "[cli]") {
  std::string err;
  CHECK(std::get<int>(parse({"--log-format", "json", "deploy"}, &err)) == 2);
  CHECK(err.find("stackgate: unknown command 'deploy'\nCommands:\n  plan ") == 0);
}

TEST_CASE("serve takes --listen, --interval, --failures, --successes and URLs", "[cli][serve]") {
  Options defaults = std::get<Options>(parse({"serve"}));
  CHECK(defaults.command == Command::serve);
  CHECK(defaults.listen == "0.0.0.0:9400");
  CHECK(defaults.failures == 3);
  CHECK(defaults.successes == 1);
  Options o = std::get<Options>(parse({"serve", "--listen", "unix:/run/sg.sock", "--interval", "2s", "--failures", "5",
                                       "--successes", "2", "tcp://a:1", "--for", "api"}));
  CHECK(o.listen == "unix:/run/sg.sock");
  CHECK(o.interval == std::chrono::milliseconds(2000));
  CHECK(o.failures == 5);
  CHECK(o.successes == 2);
  CHECK(o.urls == std::vector<std::string>{"tcp://a:1"});
  CHECK(o.targets == std::vector<std::string>{"api"});
  CHECK(std::get<int>(parse({"serve", "--failures", "0"})) == 2);
  CHECK(std::get<int>(parse({"serve", "--interval", "0s"})) == 2);
}

TEST_CASE("serve's actions: commands split like Compose's command:, cooldown, cap and timeout", "[cli][serve]") {
  Options defaults = std::get<Options>(parse({"serve"}));
  CHECK(defaults.on_unhealthy.empty());
  CHECK_FALSE(defaults.restart_unhealthy);
  CHECK(defaults.action_cooldown == 5min);
  CHECK(defaults.max_actions_per_hour == 6);
  CHECK(defaults.action_timeout == 1min);

  Options o =
      std::get<Options>(parse({"serve", "--on-unhealthy", "sh -c 'echo \"$STACKGATE_SERVICE\" down'", "--on-recover",
                               "/usr/local/bin/notify --up", "--restart-unhealthy", "--action-cooldown", "30s",
                               "--max-actions-per-hour", "2", "--action-timeout", "10s"}));
  CHECK(o.on_unhealthy == std::vector<std::string>{"sh", "-c", "echo \"$STACKGATE_SERVICE\" down"});
  CHECK(o.on_recover == std::vector<std::string>{"/usr/local/bin/notify", "--up"});
  CHECK(o.restart_unhealthy);
  CHECK(o.action_cooldown == 30s);
  CHECK(o.max_actions_per_hour == 2);
  CHECK(o.action_timeout == 10s);
}

TEST_CASE("serve refuses an unterminated quote, an empty command and a zero cap or timeout", "[cli][serve]") {
  std::string err;
  CHECK(std::get<int>(parse({"serve", "--on-unhealthy", "sh -c 'oops"}, &err)) == 2);
  CHECK(err.rfind("stackgate: error: invalid --on-unhealthy: ", 0) == 0);
  CHECK(std::get<int>(parse({"serve", "--on-recover", "   "}, &err)) == 2);
  CHECK(err.rfind("stackgate: error: invalid --on-recover: no command in '   '", 0) == 0);
  CHECK(std::get<int>(parse({"serve", "--max-actions-per-hour", "0"})) == 2);
  CHECK(std::get<int>(parse({"serve", "--action-timeout", "0s"})) == 2);
  CHECK(std::get<int>(parse({"serve", "--action-cooldown", "soon"})) == 2);
}
