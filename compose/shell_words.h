// Splitting a string command the way compose-go does (mattn/go-shellwords):
// whitespace separates words, '...' is literal, "..." and a backslash
// escape characters. Nothing is expanded: no variables, globs or `~`.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace stackgate::compose {

/// The words of `command`, or an error ("unterminated quote in ...").
std::expected<std::vector<std::string>, std::string> split_shell_words(std::string_view command);

}  // namespace stackgate::compose
