// Completions and the man page from the real binary: bash completes with the
// generated script sourced in a real bash; groff renders the page without a
// warning; `cmake --install` puts both where the shells and man look. The
// expected commands and options come from cli_table(), the parser's own.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gate/cli.h"
#include "tests/cli/process.h"

using stackgate::gate::cli_table;
using stackgate::gate::CliTable;
using stackgate::gate::CommandSpec;
using stackgate::gate::OptionInfo;
using stackgate::testing::Result;
using stackgate::testing::TempDir;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result sg(std::vector<std::string> args) {
  args.insert(args.begin(), STACKGATE_BIN);
  return stackgate::testing::run(args, {{"STACKGATE_MODULE_DIR", STACKGATE_MODULES}});
}

std::string shell_quoted(const std::string& word) { return "'" + word + "'"; }

// Runs bash with the completion script sourced; each of `lines` is the
// command line being completed (words; the last is the word under the
// cursor) and gives one output line: COMPREPLY, sorted, space-separated.
std::vector<std::string> complete(const std::string& script, const std::vector<std::vector<std::string>>& lines,
                                  const std::string& cwd) {
  std::string program = "source " + shell_quoted(script) +
                        "\ncomp() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _stackgate 2>/dev/null;"
                        " printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '; echo; }\n";
  for (const auto& words : lines) {
    program += "comp";
    for (const std::string& w : words) program += " " + shell_quoted(w);
    program += "\n";
  }
  Result r = stackgate::testing::run({"/bin/bash", "--norc", "--noprofile", "-c", program}, {}, cwd);
  REQUIRE(r.code == 0);
  std::vector<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.push_back(line);
  }
  REQUIRE(out.size() == lines.size());
  return out;
}

bool has_word(const std::string& words, const std::string& word) {
  return (" " + words + " ").find(" " + word + " ") != std::string::npos;
}

}  // namespace

TEST_CASE("bash completes commands, options and values with the generated script", "[completion]") {
  TempDir dir;
  Result gen = sg({"completion", "bash"});
  REQUIRE(gen.code == 0);
  std::string script = dir.write("stackgate.bash", gen.out);
  dir.write("compose.yaml", "services: {}\n");

  Result registered = stackgate::testing::run(
      {"/bin/bash", "--norc", "--noprofile", "-c", "source " + shell_quoted(script) + " && complete -p stackgate"});
  CHECK(registered.out == "complete -F _stackgate stackgate\n");

  auto got = complete(script,
                      {{"stackgate", "wa"},
                       {"stackgate", "--log-format", ""},
                       {"stackgate", "--log-format", "=", "js"},  // bash splits --log-format=js at '=' 
                       {"stackgate", "wait", "--inv"},
                       {"stackgate", "completion", ""},
                       {"stackgate", "-f", "compose.yaml", "pl"},
                       {"stackgate", "plan", "--format", ""},
                       {"stackgate", "help", "ch"},
                       {"stackgate", "-f", "comp"},
                       {"stackgate", "serve", "--li"},
                       {"stackgate", "exec", "--for", "backend", "--", "tr"}},
                      dir.path());
  CHECK(got[0] == "wait");
  CHECK(got[1] == "json text");
  CHECK(got[2] == "json");
  CHECK(got[3] == "--invert");
  CHECK(got[4] == "bash fish zsh");
  CHECK(got[5] == "plan");
  CHECK(got[6] == "dot json text");
  CHECK(got[7] == "check");
  CHECK(got[8] == "compose.yaml");
  CHECK(got[9] == "--listen");
  CHECK(has_word(got[10], "true"));  // after --: the command exec runs
}

TEST_CASE("bash completion offers every command and every option of the parser's table", "[completion]") {
  TempDir dir;
  std::string script = dir.write("stackgate.bash", sg({"completion", "bash"}).out);
  CliTable table = cli_table();
  std::vector<std::vector<std::string>> lines{{"stackgate", ""}, {"stackgate", "-"}};
  for (const CommandSpec& c : table.commands) lines.push_back({"stackgate", c.name, "-"});
  auto got = complete(script, lines, dir.path());

  for (const CommandSpec& c : table.commands) CHECK(has_word(got[0], c.name));
  auto check_options = [](const std::string& words, const std::vector<OptionInfo>& options) {
    for (const OptionInfo& o : options) {
      if (o.positional) continue;
      for (const std::string& n : o.names) {
        INFO(n);
        CHECK(has_word(words, n));
      }
    }
  };
  check_options(got[1], table.global);
  for (size_t i = 0; i < table.commands.size(); ++i) {
    INFO(table.commands[i].name);
    check_options(got[i + 2], table.global);
    check_options(got[i + 2], table.commands[i].options);
  }
  // And nothing the table does not have: wait's completions are not serve's.
  auto wait = std::find_if(table.commands.begin(), table.commands.end(), [](const CommandSpec& c) { return c.name == "wait"; });
  CHECK_FALSE(has_word(got[static_cast<size_t>(wait - table.commands.begin()) + 2], "--listen"));
}

TEST_CASE("the man page renders with groff without a warning and names every command", "[completion][man]") {
  TempDir dir;
  Result man = sg({"help", "--man"});
  REQUIRE(man.code == 0);
  std::string page = dir.write("stackgate.1", man.out);
  Result check = stackgate::testing::run({"/usr/bin/groff", "-man", "-Tascii", "-ww", "-z", page});
  CHECK(check.code == 0);
  CHECK(check.err.empty());
  Result text = stackgate::testing::run({"/usr/bin/groff", "-man", "-Tascii", "-P", "-cbou", page});
  REQUIRE(text.code == 0);
  CHECK(text.out.find("STACKGATE(1)") != std::string::npos);
  for (const CommandSpec& c : cli_table().commands) CHECK(text.out.find("   " + c.name + "\n") != std::string::npos);
  CHECK(text.out.find("--invert") != std::string::npos);
  CHECK(text.out.find("STACKGATE_TIMEOUT") != std::string::npos);

  // The build's copy is the binary's output.
  CHECK(read(std::string(STACKGATE_BUILD_DIR) + "/share/man/man1/stackgate.1") == man.out);
}

TEST_CASE("cmake --install puts the man page and the completions where man and the shells look", "[completion][install]") {
  TempDir dir;
  Result install = stackgate::testing::run(
      {CMAKE_BIN, "--install", STACKGATE_BUILD_DIR, "--prefix", dir.path()}, {}, "", std::chrono::seconds(120));
  INFO(install.out + install.err);
  REQUIRE(install.code == 0);
  CHECK(std::filesystem::exists(dir.path() + "/bin/stackgate"));
  CHECK(read(dir.path() + "/share/man/man1/stackgate.1") == sg({"help", "--man"}).out);
  CHECK(read(dir.path() + "/share/bash-completion/completions/stackgate") == sg({"completion", "bash"}).out);
  CHECK(read(dir.path() + "/share/zsh/vendor-completions/_stackgate") == sg({"completion", "zsh"}).out);
  CHECK(read(dir.path() + "/share/fish/vendor_completions.d/stackgate.fish") == sg({"completion", "fish"}).out);
}

TEST_CASE("fish completes with the generated script, zsh reads its function without an error", "[completion]") {
  TempDir dir;
  std::string fish = dir.write("stackgate.fish", sg({"completion", "fish"}).out);
  std::string program = "source " + shell_quoted(fish) +
                        "; for line in 'stackgate wa' 'stackgate --log-format ' 'stackgate wait --inv' "
                        "'stackgate completion ' 'stackgate serve --li'; "
                        "complete -C $line | string replace -r '\\t.*' '' | string join ' '; end; true";
  Result r = stackgate::testing::run({"/usr/bin/fish", "--no-config", "-c", program});
  REQUIRE(r.code == 0);
  CHECK(r.out == "wait\njson text\n--invert\nbash fish zsh\n--listen\n");

  std::string zsh = dir.write("_stackgate", sg({"completion", "zsh"}).out);
  Result syntax = stackgate::testing::run({"/usr/bin/zsh", "-n", zsh});
  CHECK(syntax.code == 0);
  CHECK(syntax.err.empty());
  // Loaded by compinit from $fpath, as zsh finds vendor-completions.
  Result loaded = stackgate::testing::run(
      {"/usr/bin/zsh", "-f", "-c",
       "fpath=(" + shell_quoted(dir.path()) + " $fpath); autoload -U compinit; compinit -u -D; print -r -- ${_comps[stackgate]}"});
  CHECK(loaded.code == 0);
  CHECK(loaded.out == "_stackgate\n");
}
