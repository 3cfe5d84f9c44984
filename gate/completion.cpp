// The generators of completion.h. Each walks the same CliTable: the
// commands, the global options (accepted before and after the command) and
// each command's own options and positionals.
#include "gate/completion.h"

#include <algorithm>
#include <set>

namespace stackgate::gate {
namespace {

bool takes_value(const OptionInfo& o) { return !o.positional && !o.value.empty(); }

// What a value is completed with, from its placeholder.
enum class ValueKind { none, file, dir, choice };
ValueKind kind_of(const OptionInfo& o) {
  if (!o.choices.empty()) return ValueKind::choice;
  if (o.value == "FILE") return ValueKind::file;
  if (o.value == "DIR") return ValueKind::dir;
  return ValueKind::none;
}

std::string join(const std::vector<std::string>& words, std::string_view sep = " ") {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : std::string(sep)) + w;
  return out;
}

std::vector<std::string> command_names(const CliTable& t) {
  std::vector<std::string> names;
  for (const CommandSpec& c : t.commands) names.push_back(c.name);
  return names;
}

// Positionals whose values are a closed set: completion's shell, help's command.
std::vector<std::string> positional_choices(const CliTable& t, const OptionInfo& o) {
  if (!o.choices.empty()) return o.choices;
  if (o.value == "COMMAND") return command_names(t);
  return {};
}

// Inside single quotes (bash, zsh): ' becomes '\''.
std::string single_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// --- bash ----------------------------------------------------------------

std::string bash_words(const std::vector<OptionInfo>& options) {
  std::vector<std::string> words;
  for (const OptionInfo& o : options) {
    if (!o.positional) words.insert(words.end(), o.names.begin(), o.names.end());
  }
  return join(words);
}

// --- zsh -----------------------------------------------------------------

// An _arguments description: [ ] : and \ are special inside it.
std::string zsh_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '[' || c == ']' || c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string zsh_action(const CliTable& t, const OptionInfo& o) {
  std::vector<std::string> choices = o.positional ? positional_choices(t, o) : o.choices;
  if (!choices.empty()) return "(" + join(choices) + ")";
  switch (kind_of(o)) {
    case ValueKind::file: return "_files";
    case ValueKind::dir: return "_files -/";
    default: return " ";
  }
}

std::string zsh_spec(const CliTable& t, const OptionInfo& o) {
  std::string value = o.value.empty() ? "VALUE" : o.value;
  if (o.positional) {
    return single_quoted((o.repeatable ? "*:" : "1:") + zsh_text(value) + ":" + zsh_action(t, o));
  }
  std::string tail = "[" + zsh_text(o.description) + "]";
  if (takes_value(o)) tail += ":" + zsh_text(value) + ":" + zsh_action(t, o);
  if (o.names.size() == 1) return single_quoted((o.repeatable ? "*" : "") + o.names.front() + tail);
  // '(-p --project-name)'{-p,--project-name}'[...]': either spelling, once;
  // '*'{-f,--file}'[...]': either, as often as wanted.
  std::string front = single_quoted(o.repeatable ? "*" : "(" + join(o.names) + ")");
  return front + "{" + join(o.names, ",") + "}" + single_quoted(tail);
}

std::string zsh_specs(const CliTable& t, const std::vector<OptionInfo>& options, std::string_view indent) {
  std::string out;
  for (const OptionInfo& o : options) out += std::string(indent) + zsh_spec(t, o) + "\n";
  return out;
}

// --- fish ----------------------------------------------------------------

// Inside fish single quotes: \ and ' are escaped with a backslash.
std::string fish_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string fish_line(const CliTable& t, const OptionInfo& o, const std::string& condition) {
  std::string line = "complete -c stackgate";
  if (!condition.empty()) line += " -n " + fish_quoted(condition);
  if (o.positional) {
    std::vector<std::string> choices = positional_choices(t, o);
    if (choices.empty()) return "";
    return line + " -x -a " + fish_quoted(join(choices)) + " -d " + fish_quoted(o.description) + "\n";
  }
  for (const std::string& n : o.names) {
    line += n.rfind("--", 0) == 0 ? " -l " + n.substr(2) : " -s " + n.substr(1);
  }
  if (takes_value(o)) {
    switch (kind_of(o)) {
      case ValueKind::choice: line += " -x -a " + fish_quoted(join(o.choices)); break;
      case ValueKind::file:
      case ValueKind::dir: line += " -r -F"; break;
      case ValueKind::none: line += " -x"; break;
    }
  }
  return line + " -d " + fish_quoted(o.description) + "\n";
}

// --- man -----------------------------------------------------------------

// Text in roff: backslashes and hyphens escaped, no line starting with a
// control character.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::string man_option(const OptionInfo& o) {
  std::string out = ".TP\n";
  if (o.positional) {
    out += "\\fI" + roff(o.value.empty() ? o.names.front() : o.value) + "\\fR" + (o.repeatable ? "..." : "") + "\n";
  } else {
    std::vector<std::string> names;
    for (const std::string& n : o.names) names.push_back("\\fB" + roff(n) + "\\fR");
    out += join(names, ", ");
    if (takes_value(o)) out += " \\fI" + roff(o.choices.empty() ? o.value : join(o.choices, "|")) + "\\fR";
    out += "\n";
  }
  out += roff(o.description);
  if (!o.env.empty()) out += " (environment: \\fB" + roff(o.env) + "\\fR)";
  return out + "\n";
}

}  // namespace

std::string bash_completion(const CliTable& t) {
  std::vector<OptionInfo> all = t.global;
  for (const CommandSpec& c : t.commands) all.insert(all.end(), c.options.begin(), c.options.end());
  std::set<std::string> valued;
  std::string value_cases;
  std::set<std::string> seen;
  for (const OptionInfo& o : all) {
    if (!takes_value(o)) continue;
    for (const std::string& n : o.names) valued.insert(n);
    std::string names = join(o.names, "|");
    if (!seen.insert(names).second) continue;
    value_cases += "    " + names + ")\n";
    switch (kind_of(o)) {
      case ValueKind::choice:
        value_cases += "      COMPREPLY=($(compgen -W " + single_quoted(join(o.choices)) + " -- \"$cur\"))\n";
        break;
      case ValueKind::file: value_cases += "      compopt -o filenames 2>/dev/null\n      COMPREPLY=($(compgen -f -- \"$cur\"))\n"; break;
      case ValueKind::dir: value_cases += "      compopt -o filenames 2>/dev/null\n      COMPREPLY=($(compgen -d -- \"$cur\"))\n"; break;
      case ValueKind::none: break;
    }
    value_cases += "      return 0 ;;\n";
  }
  std::vector<std::string> valued_list(valued.begin(), valued.end());

  std::string command_cases;
  for (const CommandSpec& c : t.commands) {
    std::string positional_words;
    for (const OptionInfo& o : c.options) {
      if (o.positional) positional_words += join(positional_choices(t, o));
    }
    command_cases += "    " + c.name + ")\n      options=" + single_quoted(bash_words(c.options)) +
                     "\n      positionals=" + single_quoted(positional_words) + " ;;\n";
  }

  return "# bash completion for stackgate. Generated by `stackgate completion bash` from the\n"
         "# parser's own option table; install as\n"
         "# /usr/share/bash-completion/completions/stackgate or source it.\n"
         "_stackgate() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=\n"
         "  local commands=" + single_quoted(join(command_names(t))) + "\n"
         "  local globals=" + single_quoted(bash_words(t.global)) + "\n"
         "  local valued=" + single_quoted(" " + join(valued_list) + " ") + "\n"
         "  local command= options= positionals= i word\n"
         "  COMPREPLY=()\n"
         "  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  # --option=value, which bash splits at '='.\n"
         "  if [[ $prev == = ]] && (( COMP_CWORD > 1 )); then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
         "  if [[ $cur == = ]]; then cur=; fi\n"
         "  # The command: the first word that is neither an option nor an option's value.\n"
         "  for (( i = 1; i < COMP_CWORD; i++ )); do\n"
         "    word=${COMP_WORDS[i]}\n"
         "    if [[ $word == -- ]]; then\n"
         "      # After --: the command exec runs, and its arguments.\n"
         "      COMPREPLY=($(compgen -c -- \"$cur\"))\n"
         "      return 0\n"
         "    fi\n"
         "    if [[ $word == -* ]]; then\n"
         "      [[ $valued == *\" $word \"* && ${COMP_WORDS[i+1]} != = ]] && (( i++ ))\n"
         "      [[ ${COMP_WORDS[i+1]} == = ]] && (( i += 2 ))\n"
         "      continue\n"
         "    fi\n"
         "    [[ -z $command ]] && command=$word\n"
         "  done\n"
         "  case $prev in\n" +
         value_cases +
         "  esac\n"
         "  case $command in\n" +
         command_cases +
         "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$globals $options\" -- \"$cur\"))\n"
         "  elif [[ -z $command ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
         "  elif [[ -n $positionals ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$positionals\" -- \"$cur\"))\n"
         "  fi\n"
         "  return 0\n"
         "}\n"
         "complete -F _stackgate stackgate\n";
}

std::string zsh_completion(const CliTable& t) {
  std::string out =
      "#compdef stackgate\n"
      "# zsh completion for stackgate. Generated by `stackgate completion zsh` from the\n"
      "# parser's own option table; install as _stackgate in a directory of $fpath.\n"
      "_stackgate() {\n"
      "  local curcontext=$curcontext state line ret=1\n"
      "  local -a globals commands\n"
      "  globals=(\n" +
      zsh_specs(t, t.global, "    ") +
      "  )\n"
      "  commands=(\n";
  for (const CommandSpec& c : t.commands) out += "    " + single_quoted(c.name + ":" + c.description) + "\n";
  out +=
      "  )\n"
      "  _arguments -C $globals '1:command:->command' '*::argument:->argument' && ret=0\n"
      "  case $state in\n"
      "    command) _describe -t commands 'stackgate command' commands && ret=0 ;;\n"
      "    argument)\n"
      "      case $words[1] in\n";
  for (const CommandSpec& c : t.commands) {
    out += "        " + c.name + ")\n          _arguments $globals \\\n";
    for (const OptionInfo& o : c.options) out += "            " + zsh_spec(t, o) + " \\\n";
    out += "            && ret=0 ;;\n";
  }
  out +=
      "      esac ;;\n"
      "  esac\n"
      "  return ret\n"
      "}\n"
      "_stackgate \"$@\"\n";
  return out;
}

std::string fish_completion(const CliTable& t) {
  std::string out =
      "# fish completion for stackgate. Generated by `stackgate completion fish` from the\n"
      "# parser's own option table; install as stackgate.fish in a completions directory.\n"
      "complete -c stackgate -f\n";
  for (const CommandSpec& c : t.commands) {
    out += "complete -c stackgate -n __fish_use_subcommand -a " + c.name + " -d " + fish_quoted(c.description) + "\n";
  }
  for (const OptionInfo& o : t.global) out += fish_line(t, o, "");
  for (const CommandSpec& c : t.commands) {
    for (const OptionInfo& o : c.options) out += fish_line(t, o, "__fish_seen_subcommand_from " + c.name);
  }
  return out;
}

std::string man_page(const CliTable& t, std::string_view version) {
  std::string out = ".\\\" Generated by `stackgate help --man` from the parser's own option table.\n"
                    ".TH STACKGATE 1 \"\" \"stackgate " +
                    roff(version) +
                    "\" \"User Commands\"\n"
                    ".SH NAME\n"
                    "stackgate \\- a readiness gate for container stacks\n"
                    ".SH SYNOPSIS\n"
                    ".B stackgate\n"
                    "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR] [\\fIURL\\fR...] "
                    "[\\fB\\-\\-\\fR \\fICMD\\fR [\\fIARGS\\fR...]]\n"
                    ".SH DESCRIPTION\n";
  std::string description = t.description;
  std::replace(description.begin(), description.end(), '\n', ' ');
  out += roff(description) + "\n";
  out += ".SH OPTIONS\nAccepted before or after the command.\n";
  for (const OptionInfo& o : t.global) out += man_option(o);
  out += ".SH COMMANDS\n";
  for (const CommandSpec& c : t.commands) {
    out += ".SS " + roff(c.name) + "\n" + roff(c.description) + "\n";
    for (const OptionInfo& o : c.options) out += man_option(o);
  }
  out += ".SH ENVIRONMENT\n"
         "Every option can be set as \\fBSTACKGATE_\\fR\\fILONG_NAME\\fR (named under each option); "
         "the command line wins.\n"
         ".TP\n.B NO_COLOR\n"
         "Set and not empty: plain lines instead of the live table (unless \\fB\\-\\-color\\fR says otherwise).\n"
         ".SH EXAMPLES\n"
         ".nf\n"
         "stackgate plan \\-f compose.yaml \\-\\-for backend\n"
         "stackgate wait \\-\\-for backend \\-\\- ./start\\-backend\n"
         "stackgate wait tcp://db:5432 redis://cache:6379 \\-\\-timeout 60s\n"
         "stackgate check postgres://app@db:5432/app\n"
         "stackgate completion bash > /etc/bash_completion.d/stackgate\n"
         ".fi\n";
  return out;
}

}  // namespace stackgate::gate
