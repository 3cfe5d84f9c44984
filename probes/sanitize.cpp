#include "probes/sanitize.h"

#include <optional>

namespace stackgate::probes {

namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one UTF-8 sequence at s[i]; nullopt for an invalid one (bad lead
// or continuation byte, overlong form, surrogate, beyond U+10FFFF).
std::optional<char32_t> decode_utf8(std::string_view s, size_t i, size_t& length) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  char32_t cp = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    length = 1;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + length > s.size()) return std::nullopt;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return cp;
}

}  // namespace

std::string sanitize(std::string_view s, size_t max_chars) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++chars) {
    if (chars == max_chars) {
      out += "\u2026";
      break;
    }
    size_t length = 1;
    std::optional<char32_t> cp = decode_utf8(s, i, length);
    if (!cp) {
      out += "\uFFFD";  // and resynchronise on the next byte
      i += 1;
      continue;
    }
    i += length;
    if (*cp == '\n') {
      out += "\\n";
    } else if (*cp == '\r') {
      out += "\\r";
    } else if (*cp == '\t') {
      out += "\\t";
    } else if (*cp < 0x20 || *cp == 0x7F) {
      out += std::string("\\x") + k_hex[*cp >> 4] + k_hex[*cp & 15];
    } else if (*cp >= 0x80 && *cp <= 0x9F) {
      out += std::string("\\u00") + k_hex[*cp >> 4] + k_hex[*cp & 15];
    } else {
      append_utf8(out, *cp);
    }
  }
  return out;
}

}  // namespace stackgate::probes
