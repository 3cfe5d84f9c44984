#include "util/redact.h"

#include <array>
#include <cctype>

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

}  // namespace

bool is_secret_name(std::string_view name) {
  static constexpr std::array<std::string_view, 6> k_words{"password", "passwd", "secret", "token", "key",
                                                            "credential"};
  std::string lower = to_lower(name);
  // password_file=/run/secrets/pg names a path, not a secret.
  if (lower.ends_with("file") || lower.ends_with("location") || lower.ends_with("path")) return false;
  return contains_any(lower, k_words);
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
  std::string out = redact_text(text);
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
