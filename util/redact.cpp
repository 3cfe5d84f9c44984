#include "util/redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "util/strings.h"

namespace stackgate::util {

namespace {

bool contains_any(std::string_view lower, const auto& words) {
  for (std::string_view w : words) {
    if (lower.find(w) != std::string_view::npos) return true;
  }
  return false;
}

// Where the URL starting at `begin` ends in free text.
size_t url_end(std::string_view text, size_t begin) {
  size_t end = text.find_first_of(" \t\r\n\"'`<>,;)]}", begin);
  return end == std::string_view::npos ? text.size() : end;
}

// Masks `value` in "name=value" query items of [query, end).
std::string redact_query(std::string_view query) {
  std::string out;
  size_t i = 0;
  while (i <= query.size()) {
    size_t amp = query.find('&', i);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view item = query.substr(i, amp - i);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos) {
      std::string_view name = item.substr(0, eq);
      std::string_view value = item.substr(eq + 1);
      if (is_secret_name(name)) {
        item = {};
        out += std::string(name) + "=" + std::string(k_redacted);
      } else if (to_lower(name) == "header") {
        size_t colon = value.find(':');
        if (colon != std::string_view::npos && is_secret_header(trim(value.substr(0, colon)))) {
          item = {};
          out += std::string(name) + "=" + std::string(value.substr(0, colon + 1)) + std::string(k_redacted);
        }
      }
    }
    out += item;
    if (amp < query.size()) out += '&';
    i = amp + 1;
  }
  return out;
}

// The words of a name, lower case: split at anything but letters and
// digits, and where lower case turns upper (apiKey -> api, key).
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (!std::isalnum(c)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    bool upper_after_lower = std::isupper(c) && i > 0 && std::islower(static_cast<unsigned char>(name[i - 1]));
    if (upper_after_lower && !words.back().empty()) words.emplace_back();
    words.back() += static_cast<char>(std::tolower(c));
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

// In a YAML flow collection on one line ({DB_PASSWORD: x, USER: y} or
// [DB_PASSWORD=x, USER=y]), masks the value of every secret-looking item.
std::string redact_flow_items(std::string_view line) {
  std::string out;
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    out += c;
    ++i;
    if (c != '{' && c != '[' && c != ',') continue;
    size_t start = line.find_first_not_of(" \t", i);
    if (start == std::string_view::npos) break;
    size_t name_end = line.find_first_of(":=,}] \t", start);
    if (name_end == std::string_view::npos) continue;
    std::string_view name = line.substr(start, name_end - start);
    if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'')) name = name.substr(1, name.size() - 2);
    size_t sep = line.find_first_not_of(" \t", name_end);
    if (sep == std::string_view::npos || (line[sep] != ':' && line[sep] != '=') || !is_secret_name(name)) continue;
    size_t value = line.find_first_not_of(" \t", sep + 1);
    if (value == std::string_view::npos) continue;
    // The value ends at the next separator outside quotes.
    size_t end = value;
    char quote = line[value] == '"' || line[value] == '\'' ? line[value] : 0;
    if (quote) {
      end = line.find(quote, value + 1);
      end = end == std::string_view::npos ? line.size() : end + 1;
    } else {
      end = line.find_first_of(",}]", value);
      if (end == std::string_view::npos) end = line.size();
      while (end > value && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
    }
    out += line.substr(i, value - i);
    out += k_redacted;
    i = end;
  }
  return out;
}

}  // namespace

bool is_secret_name(std::string_view name) {
  static constexpr std::array<std::string_view, 5> k_words{"password", "passwd", "secret", "token", "credential"};
  // "key" only as a word of its own (SECRET_KEY, x-api-key, apiKey, ssl.key)
  // or one of these: `monkey` and KEYCLOAK_URL are not secrets.
  static constexpr std::array<std::string_view, 9> k_keys{"key",     "apikey",     "accesskey", "privatekey", "privkey",
                                                          "authkey", "signingkey", "masterkey", "encryptionkey"};
  std::string lower = to_lower(name);
  // password_file=/run/secrets/pg names a path, not a secret.
  if (lower.ends_with("file") || lower.ends_with("location") || lower.ends_with("path")) return false;
  if (contains_any(lower, k_words)) return true;
  for (const std::string& word : name_words(name)) {
    if (std::find(k_keys.begin(), k_keys.end(), word) != k_keys.end()) return true;
  }
  return false;
}

bool is_secret_header(std::string_view name) {
  std::string lower = to_lower(name);
  return lower == "authorization" || lower == "proxy-authorization" || lower == "cookie" || is_secret_name(lower) ||
         lower.find("auth") != std::string::npos;
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  size_t scheme = out.find("://");
  size_t auth = scheme == std::string::npos ? 0 : scheme + 3;
  // The userinfo ends at the last '@': a password with an unencoded '#',
  // '/' or '?' still ends there.
  size_t at = out.rfind('@');
  if (at != std::string::npos && at >= auth) {
    size_t colon = out.find(':', auth);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, k_redacted);
  }
  size_t host = out.rfind('@');
  host = host == std::string::npos || host < auth ? auth : host + 1;
  size_t q = out.find('?', host);
  if (q != std::string::npos) out = out.substr(0, q + 1) + redact_query(std::string_view(out).substr(q + 1));
  return out;
}

std::string redact_text(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t sep = text.find("://", i);
    if (sep == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    size_t begin = sep;
    while (begin > i && (std::isalnum(static_cast<unsigned char>(text[begin - 1])) || text[begin - 1] == '+' ||
                         text[begin - 1] == '-' || text[begin - 1] == '.')) {
      --begin;
    }
    size_t end = url_end(text, sep + 3);
    out += text.substr(i, begin - i);
    out += redact_url(text.substr(begin, end - begin));
    i = end;
  }
  return out;
}

std::string redact_line(std::string_view text) {
  std::string out = redact_flow_items(redact_text(text));
  // `name: value`, `name=value`, `- name=value`, `export NAME=value`.
  std::string_view line = out;
  size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return out;
  if (line.substr(start).starts_with("- ")) start = line.find_first_not_of(" \t", start + 2);
  if (start == std::string_view::npos) return out;
  if (line.substr(start).starts_with("export ")) start += 7;
  // The name is the first word; whatever follows a secret-looking one is
  // masked (also when a stray space makes the line invalid: "PASSWORD x=y").
  size_t name_end = line.find_first_of(" \t=:", start);
  if (name_end == std::string_view::npos) return out;
  std::string_view name = line.substr(start, name_end - start);
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'')) name = name.substr(1, name.size() - 2);
  if (!is_secret_name(name)) return out;
  size_t value = line.find_first_not_of(" \t=:", name_end);
  if (value == std::string_view::npos) return out;  // no value on this line
  return out.substr(0, value) + std::string(k_redacted);
}

}  // namespace stackgate::util
