#include "gate/completion.h"

#include <catch2/catch.hpp>
#include <sstream>

using stackgate::gate::bash_completion;
using stackgate::gate::cli_table;
using stackgate::gate::CliTable;
using stackgate::gate::CommandSpec;
using stackgate::gate::fish_completion;
using stackgate::gate::man_page;
using stackgate::gate::OptionInfo;
using stackgate::gate::zsh_completion;

namespace {

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

const CommandSpec* command(const CliTable& t, const std::string& name) {
  for (const CommandSpec& c : t.commands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const OptionInfo* option(const std::vector<OptionInfo>& options, const std::string& name) {
  for (const OptionInfo& o : options) {
    for (const std::string& n : o.names) {
      if (n == name) return &o;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("the option table is the parser's: commands, global and per-command options, values", "[completion]") {
  CliTable t = cli_table();
  for (const char* name : {"plan", "lint", "wait", "exec", "check", "smoke", "serve", "help", "version", "completion"}) {
    CHECK(command(t, name) != nullptr);
  }
  const OptionInfo* file = option(t.global, "--file");
  REQUIRE(file != nullptr);
  CHECK(file->names == std::vector<std::string>{"-f", "--file"});
  CHECK(file->value == "FILE");
  CHECK(file->env == "STACKGATE_FILE");
  CHECK(file->repeatable);
  const OptionInfo* log_format = option(t.global, "--log-format");
  REQUIRE(log_format != nullptr);
  CHECK(log_format->choices == std::vector<std::string>{"text", "json"});
  const OptionInfo* quiet = option(t.global, "--quiet");
  REQUIRE(quiet != nullptr);
  CHECK(quiet->value.empty());  // a flag
  REQUIRE(command(t, "wait") != nullptr);
  CHECK(option(command(t, "wait")->options, "--invert") != nullptr);
  CHECK(option(command(t, "wait")->options, "urls") != nullptr);
  CHECK(option(command(t, "serve")->options, "--listen") != nullptr);
  CHECK(option(command(t, "plan")->options, "--format")->choices == std::vector<std::string>{"text", "json", "dot"});
  CHECK(option(command(t, "completion")->options, "shell")->choices == std::vector<std::string>{"bash", "zsh", "fish"});
  CHECK(option(command(t, "wait")->options, "--listen") == nullptr);
}

TEST_CASE("every completion script lists every command and every option of the table", "[completion]") {
  CliTable t = cli_table();
  std::string bash = bash_completion(t), zsh = zsh_completion(t), fish = fish_completion(t);
  auto check_option = [&](const OptionInfo& o) {
    if (o.positional) return;
    for (const std::string& n : o.names) {
      INFO(n);
      bool listed = contains(bash, " " + n + " ") || contains(bash, "'" + n + " ") || contains(bash, " " + n + "'");
      CHECK(listed);
      CHECK(contains(zsh, n));
      CHECK(contains(fish, n.rfind("--", 0) == 0 ? " -l " + n.substr(2) + " " : " -s " + n.substr(1) + " "));
    }
    for (const std::string& choice : o.choices) {
      CHECK(contains(bash, choice));
      CHECK(contains(zsh, choice));
      CHECK(contains(fish, choice));
    }
  };
  for (const OptionInfo& o : t.global) check_option(o);
  for (const CommandSpec& c : t.commands) {
    INFO(c.name);
    CHECK(contains(bash, "    " + c.name + ")\n"));
    CHECK(contains(zsh, "'" + c.name + ":"));
    CHECK(contains(zsh, "        " + c.name + ")\n"));
    CHECK(contains(fish, "-a " + c.name + " "));
    for (const OptionInfo& o : c.options) check_option(o);
  }
  CHECK(contains(bash, "complete -F _stackgate stackgate\n"));
  CHECK(zsh.rfind("#compdef stackgate\n", 0) == 0);
}

TEST_CASE("the man page has every command and option, in roff that escapes its hyphens", "[completion]") {
  CliTable t = cli_table();
  std::string man = man_page(t, "1.2.3");
  CHECK(contains(man, ".TH STACKGATE 1 \"\" \"stackgate 1.2.3\""));
  for (const CommandSpec& c : t.commands) CHECK(contains(man, ".SS " + c.name + "\n"));
  auto roff_name = [](std::string n) {
    std::string out;
    for (char ch : n) out += ch == '-' ? std::string("\\-") : std::string(1, ch);
    return "\\fB" + out + "\\fR";
  };
  for (const OptionInfo& o : t.global) {
    for (const std::string& n : o.names) CHECK(contains(man, roff_name(n)));
  }
  for (const CommandSpec& c : t.commands) {
    for (const OptionInfo& o : c.options) {
      if (o.positional) continue;
      for (const std::string& n : o.names) CHECK(contains(man, roff_name(n)));
    }
  }
  // No line may start with a control character that is not a request.
  std::istringstream lines(man);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || (line[0] != '.' && line[0] != '\'')) continue;
    INFO(line);
    CHECK((line.rfind(".TH", 0) == 0 || line.rfind(".SH", 0) == 0 || line.rfind(".SS", 0) == 0 ||
           line.rfind(".TP", 0) == 0 || line.rfind(".B ", 0) == 0 || line.rfind(".nf", 0) == 0 ||
           line.rfind(".fi", 0) == 0 || line.rfind(".\\\"", 0) == 0));
  }
}
