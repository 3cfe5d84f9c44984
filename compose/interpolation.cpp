// compose-go template semantics, without its regexp.
//
// compose-go matches `\$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*
// (?::?[-+?](.*))?)}|()))`: the braced body with an operator runs greedily to
// the *last* `}` on the line, and is then cut back to the first balanced
// closing brace (counting only "${" as an opening); what was cut off is
// substituted on its own. Scanning on from the balanced brace gives the
// same result, without recursion, so that is what substitute() does.
#include "compose/interpolation.h"

#include "util/cancel.h"
#include "util/redact.h"

namespace stackgate::compose {

namespace {

constexpr int k_max_nesting = 64;

bool is_name_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Index of the brace closing the "${" at 0, counting nested "${" only.
size_t first_closing_brace(std::string_view s) {
  int open = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '}') {
      if (--open == 0) {
        return i;
      }
    }
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      ++open;
      ++i;
    }
  }
  return std::string_view::npos;
}

class Substituter {
 public:
  Substituter(const VariableLookup& lookup, std::vector<std::string>* unset) : m_lookup(lookup), m_unset(unset) {}

  std::expected<std::string, TemplateError> run(std::string_view s, int depth) {
    if (depth > k_max_nesting) {
      return std::unexpected(TemplateError{"Invalid template: variables nested too deeply"});
    }
    // last_brace[i]: the last '}' at or after i on the same line.
    std::vector<size_t> last_brace(s.size() + 1, std::string_view::npos);
    for (size_t i = s.size(); i-- > 0;) {
      if (s[i] == '\n') {
        last_brace[i] = std::string_view::npos;
      } else if (s[i] == '}' && last_brace[i + 1] == std::string_view::npos) {
        last_brace[i] = i;
      } else {
        last_brace[i] = last_brace[i + 1];
      }
    }
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
      size_t p = s.find('$', i);
      if (p == std::string_view::npos || p + 1 >= s.size()) {
        out.append(s.substr(i));
        break;
      }
      out.append(s.substr(i, p - i));
      char next = s[p + 1];
      if (next == '$') {
        out += '$';
        i = p + 2;
      } else if (is_name_start(next)) {
        size_t end = p + 1;
        while (end < s.size() && is_name_char(s[end])) {
          ++end;
        }
        out += value_of(s.substr(p + 1, end - p - 1));
        i = end;
      } else if (next == '{') {
        auto braced = this->braced(s, p, last_brace, depth);
        if (!braced) {
          return std::unexpected(braced.error().message.empty() ? TemplateError{"Invalid template: " + quote(s)}
                                                                : braced.error());
        }
        out += braced->first;
        i = braced->second;
      } else {
        out += '$';
        i = p + 1;
      }
    }
    return out;
  }

 private:
  // "${..." at p: the value and the index to continue from. An error with
  // an empty message means "Invalid template" for the whole string.
  std::expected<std::pair<std::string, size_t>, TemplateError> braced(std::string_view s, size_t p,
                                                                      const std::vector<size_t>& last_brace,
                                                                      int depth) {
    size_t name_begin = p + 2;
    size_t k = name_begin;
    if (k >= s.size() || !is_name_start(s[k])) {
      return std::unexpected(TemplateError{});
    }
    while (k < s.size() && is_name_char(s[k])) {
      ++k;
    }
    std::string_view name = s.substr(name_begin, k - name_begin);
    if (k < s.size() && s[k] == '}') {
      return std::pair{value_of(name), k + 1};
    }
    // An operator, then greedily up to the last '}' on the line.
    size_t op_len = 0;
    if (k < s.size() && (s[k] == '-' || s[k] == '+' || s[k] == '?')) {
      op_len = 1;
    } else if (k + 1 < s.size() && s[k] == ':' && (s[k + 1] == '-' || s[k + 1] == '+' || s[k + 1] == '?')) {
      op_len = 2;
    }
    if (op_len == 0 || last_brace[k + op_len] == std::string_view::npos) {
      return std::unexpected(TemplateError{});
    }
    size_t match_end = last_brace[k + op_len] + 1;
    size_t relative = first_closing_brace(s.substr(p, match_end - p));
    size_t closing = relative == std::string_view::npos ? match_end - 1 : p + relative;
    std::string_view op = s.substr(k, op_len);
    std::string_view arg = s.substr(k + op_len, closing - (k + op_len));

    auto expanded = run(arg, depth + 1);
    if (!expanded) {
      return std::unexpected(expanded.error());
    }
    const std::string* value = m_lookup(name);
    bool set = value != nullptr;
    bool non_empty = set && !value->empty();
    std::string result;
    if (op == ":-") {
      result = non_empty ? *value : *expanded;
    } else if (op == "-") {
      result = set ? *value : *expanded;
    } else if (op == ":+") {
      result = non_empty ? *expanded : (set ? *value : "");
    } else if (op == "+") {
      result = set ? *expanded : "";
    } else {
      bool ok = op == ":?" ? non_empty : set;
      if (!ok) {
        std::string message = "required variable " + std::string(name) + " is missing a value";
        if (!expanded->empty()) {
          message += ": " + *expanded;
        }
        return std::unexpected(TemplateError{message});
      }
      result = *value;
    }
    return std::pair{result, closing + 1};
  }

  std::string value_of(std::string_view name) {
    if (const std::string* v = m_lookup(name)) {
      return *v;
    }
    if (m_unset) {
      m_unset->emplace_back(name);
    }
    return "";
  }

  const VariableLookup& m_lookup;
  std::vector<std::string>* m_unset;
};

// `path` names `node` ("services.api.environment.URL"); it is one buffer,
// extended for a child and cut back after it, not a new string per node
// (it is read only for an error).
void walk(Node& node, const VariableLookup& lookup, std::string& path, util::ConfigErrors& errors,
          std::vector<Warning>& warnings) {
  switch (node.kind) {
    case NodeKind::null:
      return;
    case NodeKind::scalar: {
      if (node.value.find('$') == std::string::npos) {
        return;
      }
      std::vector<std::string> unset;
      auto result = substitute(node.value, lookup, &unset);
      if (!result) {
        std::string message = result.error().message;
        if (message.starts_with("Invalid template")) {
          std::string_view key = std::string_view(path).substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
          if (util::is_secret_name(key)) {
            message = "Invalid template (value not shown: " + std::string(key) + " holds a secret)";
          }
          message += " at " + path + " (write a literal $ as $$)";
        }
        errors.push_back(util::ConfigError{node.where, message});
        return;
      }
      for (const std::string& name : unset) {
        warnings.push_back(util::warning(node.where, "The \"" + name + "\" variable is not set. Defaulting to a blank string."));
      }
      node.value = std::move(*result);
      return;
    }
    case NodeKind::sequence:
      for (size_t i = 0; i < node.items.size(); ++i) {
        size_t parent = path.size();
        ((path += '[') += std::to_string(i)) += ']';
        walk(node.items[i], lookup, path, errors, warnings);
        path.resize(parent);
      }
      return;
    case NodeKind::mapping:
      for (MapEntry& e : node.entries) {
        if (util::cancel_requested()) {
          return;  // a signal: the load is abandoned anyway
        }
        size_t parent = path.size();
        if (!path.empty()) path += '.';
        path += e.key;
        walk(e.value, lookup, path, errors, warnings);
        path.resize(parent);
      }
      return;
  }
}

}  // namespace

VariableLookup lookup_in(const std::map<std::string, std::string>& variables) {
  return [&variables](std::string_view name) -> const std::string* {
    auto it = variables.find(std::string(name));
    return it == variables.end() ? nullptr : &it->second;
  };
}

std::expected<std::string, TemplateError> substitute(std::string_view text, const VariableLookup& lookup,
                                                     std::vector<std::string>* unset) {
  Substituter substituter(lookup, unset);
  return substituter.run(text, 0);
}

void interpolate_tree(Node& node, const VariableLookup& lookup, const std::string& path, util::ConfigErrors& errors,
                      std::vector<Warning>& warnings) {
  std::string buffer = path;
  walk(node, lookup, buffer, errors, warnings);
}

}  // namespace stackgate::compose
