#include <catch2/catch.hpp>

#include <string>

#include "probes/sanitize.h"

using stackgate::probes::sanitize;

TEST_CASE("sanitize keeps printable ASCII and valid UTF-8 as is", "[sanitize]") {
  CHECK(sanitize("redis: WRONGPASS invalid password") == "redis: WRONGPASS invalid password");
  CHECK(sanitize("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
  CHECK(sanitize("") == "");
}

TEST_CASE("sanitize escapes C0, DEL and C1 controls", "[sanitize]") {
  CHECK(sanitize("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(sanitize("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(sanitize(std::string("nul\0bel\x07", 8)) == "nul\\x00bel\\x07");
  CHECK(sanitize("del\x7f") == "del\\x7f");
  // U+0085 (NEL) and U+009B (CSI) are valid UTF-8 but terminal controls.
  CHECK(sanitize("nel\xc2\x85 csi\xc2\x9b") == "nel\\u0085 csi\\u009b");
}

TEST_CASE("sanitize replaces each byte of an invalid UTF-8 sequence", "[sanitize]") {
  CHECK(sanitize("\xff\xfe") == "\xef\xbf\xbd\xef\xbf\xbd");
  // A lone continuation byte, a truncated sequence at the end, and a lead byte
  // followed by ASCII (resynchronised on the ASCII).
  CHECK(sanitize("a\x80z") == "a\xef\xbf\xbdz");
  CHECK(sanitize("end\xe2\x82") == "end\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(sanitize("\xc3(") == "\xef\xbf\xbd(");
  // Overlong "/" (C0 AF), a UTF-16 surrogate (ED A0 80), beyond U+10FFFF (F4 90 80 80).
  CHECK(sanitize("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(sanitize("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(sanitize("\xf4\x90\x80\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("sanitize cuts to max_chars characters with an ellipsis", "[sanitize]") {
  CHECK(sanitize(std::string(200, 'x')) == std::string(160, 'x') + "\xe2\x80\xa6");
  CHECK(sanitize(std::string(160, 'x')) == std::string(160, 'x'));
  CHECK(sanitize("abcdef", 3) == "abc\xe2\x80\xa6");
  // Multi-byte characters and escapes count as one each.
  CHECK(sanitize("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 2) == "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
  CHECK(sanitize("\n\n\n", 2) == "\\n\\n\xe2\x80\xa6");
}
