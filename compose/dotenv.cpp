#include "compose/dotenv.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "util/sanitize.h"

namespace stackgate::compose {

namespace {

// Linux's limit for one "NAME=value" environment string (MAX_ARG_STRLEN).
constexpr size_t k_max_value = 128 * 1024;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
bool is_key_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '[' || c == ']' || c >= 0x80;
}

// Go escapes in double-quoted values; `\$` becomes `$$` so interpolation
// leaves a literal `$`.
std::string expand_escapes(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case '$': out += "$$"; break;
      default:
        out += '\\';
        out += c;
    }
  }
  return out;
}

class DotenvParser {
 public:
  DotenvParser(std::string text, const VariableLookup& lookup) : m_text(std::move(text)), m_lookup(lookup) {}

  std::expected<DotenvEntries, DotenvError> parse() {
    while (skip_to_statement()) {
      size_t statement = m_pos;
      if (m_text.compare(m_pos, 6, "export") == 0 && m_pos + 6 < m_text.size() && is_space(m_text[m_pos + 6])) {
        m_pos += 6;
        skip_spaces();
      }
      size_t key_begin = m_pos;
      while (m_pos < m_text.size() && m_text[m_pos] != '=' && m_text[m_pos] != ':' && m_text[m_pos] != '\n') {
        char c = m_text[m_pos];
        if (!is_space(c) && !is_key_char(static_cast<unsigned char>(c))) {
          std::string near = m_text.substr(key_begin, m_pos - key_begin + 1);
          // Only the name up to the bad character: the rest of the line may
          // be a value, and values are not echoed (they may be secrets).
          return fail(statement, std::string("unexpected character '") + c + "' in variable name \"" + near + "\"");
        }
        ++m_pos;
      }
      std::string key = m_text.substr(key_begin, m_pos - key_begin);
      while (!key.empty() && is_space(key.back())) {
        key.pop_back();
      }
      if (key.find_first_of(" \t") != std::string::npos) {
        // The first word only: what follows the space may be a value.
        return fail(statement, "key \"" + key.substr(0, key.find_first_of(" \t")) + " ...\" cannot contain a space");
      }
      if (key.empty()) {
        return fail(statement, "missing variable name before '='");
      }
      if (m_pos >= m_text.size() || m_text[m_pos] == '\n') {
        // Bare KEY: inherit from the environment, or stay unset.
        if (const std::string* v = m_lookup(key)) {
          define(key, *v);
        }
        continue;
      }
      ++m_pos;  // '=' or ':'
      skip_spaces();
      auto value = read_value(statement);
      if (!value) {
        return std::unexpected(value.error());
      }
      define(key, *value);
    }
    return std::move(m_entries);
  }

 private:
  // Skips blank lines and comments; false at end of input.
  bool skip_to_statement() {
    while (m_pos < m_text.size()) {
      char c = m_text[m_pos];
      if (is_space(c) || c == '\n') {
        ++m_pos;
      } else if (c == '#') {
        size_t eol = m_text.find('\n', m_pos);
        m_pos = eol == std::string::npos ? m_text.size() : eol;
      } else {
        return true;
      }
    }
    return false;
  }

  void skip_spaces() {
    while (m_pos < m_text.size() && is_space(m_text[m_pos])) {
      ++m_pos;
    }
  }

  std::expected<std::string, DotenvError> read_value(size_t statement) {
    char quote = m_pos < m_text.size() ? m_text[m_pos] : '\0';
    if (quote != '"' && quote != '\'') {
      size_t eol = m_text.find('\n', m_pos);
      std::string value = m_text.substr(m_pos, eol == std::string::npos ? std::string::npos : eol - m_pos);
      m_pos = eol == std::string::npos ? m_text.size() : eol;
      size_t comment = value.find(" #");
      if (comment != std::string::npos) {
        value.resize(comment);
      }
      while (!value.empty() && is_space(value.back())) {
        value.pop_back();
      }
      return interpolate(value, statement);
    }
    std::string chars;
    bool escape = false;
    for (size_t i = m_pos + 1; i < m_text.size(); ++i) {
      char c = m_text[i];
      if (c != quote) {
        if (!escape && c == '\\') {
          escape = true;
          continue;
        }
        if (escape) {
          escape = false;
          chars += '\\';
        }
        chars += c;
        continue;
      }
      if (escape) {
        escape = false;
        chars += c;
        continue;
      }
      m_pos = i + 1;
      if (quote == '"') {
        return interpolate(expand_escapes(chars), statement);
      }
      return chars;
    }
    // The value itself is not quoted back: a .env holds passwords.
    return fail(statement, std::string("unterminated quoted value: the opening ") + quote + " is never closed");
  }

  std::expected<std::string, DotenvError> interpolate(const std::string& value, size_t statement) {
    VariableLookup lookup = [this](std::string_view name) -> const std::string* {
      if (const std::string* v = m_lookup(name)) {
        return v;
      }
      auto it = m_defined.find(std::string(name));
      return it == m_defined.end() ? nullptr : &it->second;
    };
    auto result = substitute(value, lookup);
    if (!result) {
      return fail(statement, result.error().message);
    }
    if (result->size() > k_max_value) {
      // A=$A$A on 30 lines is 2^30 bytes: stop at what one environment
      // variable can hold anyway (found by tests/fuzz/dotenv_fuzz).
      return fail(statement, "value longer than 128 KiB after interpolation (the most one environment variable "
                             "can hold; does a variable refer to itself more than once?)");
    }
    return *result;
  }

  void define(const std::string& key, std::string value) {
    m_defined.insert_or_assign(key, value);
    auto existing = std::find_if(m_entries.begin(), m_entries.end(), [&](const auto& e) { return e.first == key; });
    if (existing != m_entries.end()) {
      existing->second = std::move(value);
    } else {
      m_entries.emplace_back(key, std::move(value));
    }
  }

  std::unexpected<DotenvError> fail(size_t offset, std::string message) const {
    int line = 1 + static_cast<int>(std::count(m_text.begin(), m_text.begin() + static_cast<long>(offset), '\n'));
    return std::unexpected(DotenvError{line, std::move(message)});
  }

  std::string m_text;
  const VariableLookup& m_lookup;
  size_t m_pos = 0;
  DotenvEntries m_entries;
  std::map<std::string, std::string> m_defined;
};

std::string normalise(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    }
    out += text[i];
  }
  return out;
}

}  // namespace

std::expected<DotenvEntries, DotenvError> parse_dotenv(std::string_view text, const VariableLookup& lookup) {
  DotenvParser parser(normalise(text), lookup);
  auto entries = parser.parse();
  if (!entries) {
    // A message may quote bytes of the file (the bad character of a key):
    // made printable here, since it goes to the terminal as it is.
    return std::unexpected(DotenvError{entries.error().line, util::sanitize(entries.error().message)});
  }
  return entries;
}

}  // namespace stackgate::compose
