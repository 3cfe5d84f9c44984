// util/sanitize: foreign bytes made printable and JSON-safe.
#include "util/sanitize.h"

#include <catch2/catch.hpp>

using stackgate::util::sanitize;
using stackgate::util::valid_utf8;

TEST_CASE("clean text, including non-ASCII, is unchanged", "[sanitize]") {
  CHECK(sanitize("connection refused") == "connection refused");
  CHECK(sanitize("Grüße, 数据库 🚀") == "Grüße, 数据库 🚀");
  CHECK(sanitize("") == "");
}

TEST_CASE("each invalid byte becomes U+FFFD", "[sanitize]") {
  CHECK(sanitize("a\xff" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(sanitize("\xC3") == "\xEF\xBF\xBD");                              // truncated sequence
  CHECK(sanitize("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");              // overlong '/'
  CHECK(sanitize("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  CHECK(sanitize("\xF4\x90\x80\x80").size() == 12);                       // above U+10FFFF
}

TEST_CASE("control characters are escaped", "[sanitize]") {
  CHECK(sanitize("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(sanitize("a\nb\r\tc") == "a\\nb\\r\\tc");
  CHECK(sanitize(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(sanitize("\x7f") == "\\x7f");
  CHECK(sanitize("\xC2\x9B" "31m") == "\\u009b31m");   // C1 CSI
  CHECK(sanitize("\xE2\x80\xAE" "abc") == "\\u202eabc");  // right-to-left override
}

TEST_CASE("valid_utf8 finds the first bad byte", "[sanitize]") {
  size_t at = 99;
  CHECK(valid_utf8("héllo"));
  CHECK_FALSE(valid_utf8("ab\xff", &at));
  CHECK(at == 2);
}
