// Shell completions and the man page, generated from cli_table(): the
// parser's own definitions, so neither can list an option the parser does
// not take or miss one it does. `stackgate completion bash|zsh|fish` and
// `stackgate help --man` print them; the build writes them next to the
// binary and `cmake --install` installs them (gate/docs.cmake).
#pragma once

#include <string>
#include <string_view>

#include "gate/cli.h"

namespace stackgate::gate {

/// A bash script defining _stackgate and `complete -F _stackgate stackgate`;
/// it completes commands, options (global and the command's), closed sets
/// of values (--log-format text|json), files for FILE and directories for DIR.
std::string bash_completion(const CliTable& table);

/// A zsh completion function (#compdef stackgate) built on _arguments.
std::string zsh_completion(const CliTable& table);

/// fish `complete -c stackgate ...` lines.
std::string fish_completion(const CliTable& table);

/// stackgate.1 in man(7) roff.
std::string man_page(const CliTable& table, std::string_view version);

}  // namespace stackgate::gate
