// .env parsing (compose-go dotenv fixtures as the oracle).
#include <catch2/catch.hpp>

#include "compose/dotenv.h"

using namespace stackgate::compose;

namespace {

std::map<std::string, std::string> parse(std::string_view text, const std::map<std::string, std::string>& os = {}) {
  auto r = parse_dotenv(text, lookup_in(os));
  if (!r) {
    FAIL("line " << r.error().line << ": " << r.error().message);
  }
  return {r->begin(), r->end()};
}

}  // namespace

TEST_CASE("dotenv: plain assignments, comments and blank lines", "[dotenv]") {
  auto env = parse("# comment\n\nA=1\n  B = two  \nC=\n");
  CHECK(env == std::map<std::string, std::string>{{"A", "1"}, {"B", "two"}, {"C", ""}});
}

TEST_CASE("dotenv: export prefix and yaml-style colon", "[dotenv]") {
  auto env = parse("export A=1\nB: 2\nexporter=3\n");
  CHECK(env == std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}, {"exporter", "3"}});
}

TEST_CASE("dotenv: an inline comment needs a space before #", "[dotenv]") {
  auto env = parse("A=bar # comment\nB=bar#baz\nC=#bar\n");
  CHECK(env["A"] == "bar");
  CHECK(env["B"] == "bar#baz");
  CHECK(env["C"] == "#bar");
}

TEST_CASE("dotenv: single quotes are literal", "[dotenv]") {
  auto env = parse("A='$HOME \\n # not a comment'\nB='it\\'s'\n", {{"HOME", "/root"}});
  CHECK(env["A"] == "$HOME \\n # not a comment");
  CHECK(env["B"] == "it's");
}

TEST_CASE("dotenv: double quotes process escapes", "[dotenv]") {
  auto env = parse(R"(A="line1\nline2\ttab \\ \" end")");
  CHECK(env["A"] == "line1\nline2\ttab \\ \" end");
}

TEST_CASE("dotenv: double-quoted values may span lines", "[dotenv]") {
  auto env = parse("A=\"one\ntwo\"\nB=3\n");
  CHECK(env["A"] == "one\ntwo");
  CHECK(env["B"] == "3");
}

TEST_CASE("dotenv: unquoted and double-quoted values interpolate", "[dotenv]") {
  auto env = parse("A=1\nB=${A}2\nC=\"${A}3\"\nD='${A}4'\nE=${OS:-x}\nF=\\$A\nG=\"\\$A\"\n", {{"OS", "os"}});
  CHECK(env["B"] == "12");
  CHECK(env["C"] == "13");
  CHECK(env["D"] == "${A}4");
  CHECK(env["E"] == "os");
  CHECK(env["G"] == "$A");
}

TEST_CASE("dotenv: the OS environment wins inside interpolation", "[dotenv]") {
  auto env = parse("A=file\nB=$A\n", {{"A", "os"}});
  CHECK(env["A"] == "file");
  CHECK(env["B"] == "os");
}

TEST_CASE("dotenv: a bare name inherits from the environment or stays unset", "[dotenv]") {
  auto env = parse("INHERITED\nMISSING\nLAST", {{"INHERITED", "yes"}, {"LAST", "z"}});
  CHECK(env == std::map<std::string, std::string>{{"INHERITED", "yes"}, {"LAST", "z"}});
}

TEST_CASE("dotenv: a UTF-8 BOM and CRLF line ends are accepted", "[dotenv]") {
  auto env = parse("\xEF\xBB\xBF" "A=1\r\nB=2\r\n");
  CHECK(env == std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}});
}

TEST_CASE("dotenv: a later definition replaces an earlier one", "[dotenv]") {
  auto env = parse("A=1\nA=2\n");
  CHECK(env["A"] == "2");
}

TEST_CASE("dotenv: errors name the line", "[dotenv]") {
  auto bad_key = parse_dotenv("A=1\nB$=2\n", lookup_in({}));
  REQUIRE_FALSE(bad_key);
  CHECK(bad_key.error().line == 2);
  CHECK(bad_key.error().message == "unexpected character '$' in variable name \"B$\"");

  auto unterminated = parse_dotenv("A=1\n\nB=\"open\n", lookup_in({}));
  REQUIRE_FALSE(unterminated);
  CHECK(unterminated.error().line == 3);
  // The value is a secret as often as not: the error does not quote it.
  CHECK(unterminated.error().message == "unterminated quoted value: the opening \" is never closed");
  CHECK_FALSE(unterminated.error().message.contains("open\n"));
  auto secret = parse_dotenv("DB_PASSWORD='s3cr3t-marker\n", lookup_in({}));
  REQUIRE_FALSE(secret);
  CHECK_FALSE(secret.error().message.contains("s3cr3t-marker"));

  // Found by tests/fuzz/dotenv_fuzz (corpus/dotenv/regress-nul-in-key): a
  // control byte in a key was quoted raw.
  auto control = parse_dotenv(std::string("bad ke\t\0\0\0y=v\n", 14), lookup_in({}));
  REQUIRE_FALSE(control);
  CHECK(control.error().message == "unexpected character '\\x00' in variable name \"bad ke\\t\\x00\"");
  auto escape = parse_dotenv("K\x1b[2J=v\n", lookup_in({}));
  REQUIRE_FALSE(escape);
  CHECK(escape.error().message == "unexpected character '\\x1b' in variable name \"K\\x1b\"");

  auto space = parse_dotenv("MY KEY=1\n", lookup_in({}));
  REQUIRE_FALSE(space);
  CHECK(space.error().message == "key \"MY ...\" cannot contain a space");
}

TEST_CASE("dotenv: a value doubling itself line by line stops at 128 KiB", "[dotenv]") {
  // Found by tests/fuzz/dotenv_fuzz (corpus/dotenv/regress-doubling-value):
  // each A=$A$A doubles A, so 40 lines asked for a terabyte.
  std::string text = "A=x\n";
  for (int i = 0; i < 40; ++i) text += "A=$A$A\n";
  auto doubled = parse_dotenv(text, lookup_in({}));
  REQUIRE_FALSE(doubled);
  CHECK(doubled.error().line == 19);  // 2^17 = 128 KiB is fine, 2^18 is not
  CHECK(doubled.error().message.starts_with("value longer than 128 KiB after interpolation"));

  std::string big(128 * 1024, 'v');
  auto at_limit = parse_dotenv("B=" + big + "\n", lookup_in({}));
  REQUIRE(at_limit);
  CHECK(at_limit->front().second.size() == 128 * 1024);
}
