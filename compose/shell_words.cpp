#include "compose/shell_words.h"

namespace stackgate::compose {

std::expected<std::vector<std::string>, std::string> split_shell_words(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = '\0';
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = '\0';
      } else {
        word += c;
      }
      continue;
    }
    if (c == '\\' && i + 1 < command.size()) {
      char next = command[++i];
      // Inside "...", a backslash only escapes what the shell would.
      if (quote == '"' && next != '"' && next != '\\' && next != '$' && next != '`' && next != '\n') {
        word += '\\';
      }
      if (next != '\n') {
        word += next;
      }
      in_word = true;
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = '\0';
      } else {
        word += c;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      continue;
    }
    word += c;
    in_word = true;
  }
  if (quote != '\0') {
    return std::unexpected(std::string("unterminated ") + (quote == '"' ? "double" : "single") + " quote");
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  return words;
}

}  // namespace stackgate::compose
