// Foreign bytes (server replies, file contents, names from a compose file)
// made safe to print and to store in JSON: valid UTF-8, no control
// characters. One function, applied where such bytes enter an outcome or
// leave the process.
#pragma once

#include <string>
#include <string_view>

namespace stackgate::util {

/// `bytes` as valid UTF-8 on one line: each invalid byte becomes U+FFFD,
/// \n \r \t become "\n" "\r" "\t", other C0 controls, DEL and C1 controls
/// (U+0080..U+009F), line separators and bidi overrides become escapes
/// ("\x1b", "\u0085", "\u202e"). Printable
/// text, including non-ASCII, is unchanged; so is a string already clean.
std::string sanitize(std::string_view bytes);

/// True when `bytes` is valid UTF-8 (no overlong forms, no surrogates,
/// nothing above U+10FFFF). Sets `bad_offset` to the first bad byte.
bool valid_utf8(std::string_view bytes, size_t* bad_offset = nullptr);

}  // namespace stackgate::util
