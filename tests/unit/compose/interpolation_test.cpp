// compose-go template semantics (template/template_test.go is the oracle).
#include <catch2/catch.hpp>

#include "compose/interpolation.h"

using namespace stackgate::compose;

namespace {

const std::map<std::string, std::string> k_vars = {{"FOO", "first"}, {"BAR", ""}};

std::string sub(std::string_view text) {
  auto r = substitute(text, lookup_in(k_vars));
  REQUIRE(r);
  return *r;
}

std::string sub_error(std::string_view text) {
  auto r = substitute(text, lookup_in(k_vars));
  REQUIRE_FALSE(r);
  return r.error().message;
}

}  // namespace

TEST_CASE("plain and braced variables are substituted", "[interpolation]") {
  CHECK(sub("This $FOO var") == "This first var");
  CHECK(sub("This ${FOO} var") == "This first var");
  CHECK(sub("$FOO-bar") == "first-bar");
  CHECK(sub("${FOO}${FOO}") == "firstfirst");
}

TEST_CASE("variable names are case-sensitive but may use any case", "[interpolation]") {
  std::map<std::string, std::string> vars = {{"foo", "lower"}};
  CHECK(*substitute("$foo ${foo} $FOO", lookup_in(vars)) == "lower lower ");
}

TEST_CASE("an unset variable becomes empty and is reported", "[interpolation]") {
  std::vector<std::string> unset;
  auto r = substitute("This ${missing} var $other", lookup_in(k_vars), &unset);
  REQUIRE(r);
  CHECK(*r == "This  var ");
  CHECK(unset == std::vector<std::string>{"missing", "other"});
}

TEST_CASE("an empty variable is not reported as unset", "[interpolation]") {
  std::vector<std::string> unset;
  CHECK(*substitute("This ${BAR} var", lookup_in(k_vars), &unset) == "This  var");
  CHECK(unset.empty());
}

TEST_CASE("$$ is a literal dollar", "[interpolation]") {
  CHECK(sub("$${foo}") == "${foo}");
  CHECK(sub("$$FOO") == "$FOO");
  CHECK(sub("a $$ b") == "a $ b");
}

TEST_CASE("a dollar not followed by a name or brace stays literal", "[interpolation]") {
  CHECK(sub("a $ string") == "a $ string");
  CHECK(sub("^REGEX$") == "^REGEX$");
  CHECK(sub("$}") == "$}");
  CHECK(sub("$") == "$");
  CHECK(sub("price: 5$ or $1") == "price: 5$ or $1");
}

TEST_CASE("operator :- defaults when unset or empty", "[interpolation]") {
  CHECK(sub("ok ${missing:-def}") == "ok def");
  CHECK(sub("ok ${BAR:-def}") == "ok def");
  CHECK(sub("ok ${FOO:-def}") == "ok first");
}

TEST_CASE("operator - defaults only when unset", "[interpolation]") {
  CHECK(sub("ok ${missing-def}") == "ok def");
  CHECK(sub("ok ${BAR-def}") == "ok ");
  CHECK(sub("ok ${FOO-def}") == "ok first");
}

TEST_CASE("operator :+ replaces when set and non-empty", "[interpolation]") {
  CHECK(sub("${FOO:+alt}") == "alt");
  CHECK(sub("${BAR:+alt}") == "");
  CHECK(sub("${missing:+alt}") == "");
}

TEST_CASE("operator + replaces when set, even empty", "[interpolation]") {
  CHECK(sub("${FOO+alt}") == "alt");
  CHECK(sub("${BAR+alt}") == "alt");
  CHECK(sub("${missing+alt}") == "");
}

TEST_CASE("operator :? fails when unset or empty", "[interpolation]") {
  CHECK(sub_error("not ok ${UNSET_VAR:?Mandatory Variable Unset}") ==
        "required variable UNSET_VAR is missing a value: Mandatory Variable Unset");
  CHECK(sub_error("not ok ${BAR:?Mandatory Variable Empty}") ==
        "required variable BAR is missing a value: Mandatory Variable Empty");
  CHECK(sub("ok ${FOO:?err}") == "ok first");
}

TEST_CASE("operator ? fails only when unset", "[interpolation]") {
  CHECK(sub_error("${UNSET_VAR?Mandatory}") == "required variable UNSET_VAR is missing a value: Mandatory");
  CHECK(sub("ok ${BAR?err}") == "ok ");
  CHECK(sub("ok ${FOO?err}") == "ok first");
}

TEST_CASE("a required variable without a message has a short error", "[interpolation]") {
  CHECK(sub_error("${UNSET_VAR:?}") == "required variable UNSET_VAR is missing a value");
  CHECK(sub_error("${UNSET_VAR?}") == "required variable UNSET_VAR is missing a value");
}

TEST_CASE("the error message is interpolated", "[interpolation]") {
  CHECK(sub_error("${UNSET_VAR:?Mandatory Variable ${FOO}}") ==
        "required variable UNSET_VAR is missing a value: Mandatory Variable first");
}

TEST_CASE("defaults are interpolated, and nest", "[interpolation]") {
  CHECK(sub("ok ${UNSET_VAR-$FOO}") == "ok first");
  CHECK(sub("ok ${UNSET_VAR-${FOO}}") == "ok first");
  CHECK(sub("ok ${UNSET_VAR-${FOO} ${FOO}}") == "ok first first");
  CHECK(sub("ok ${BAR:-${FOO}}") == "ok first");
  CHECK(sub("${A:-${B:-x}}") == "x");
  CHECK(sub("${A:-${FOO:-x}}") == "first");
}

TEST_CASE("the operator written first wins", "[interpolation]") {
  CHECK(sub("${UNSET_VAR-myerror?msg}") == "myerror?msg");
  CHECK(sub_error("${UNSET_VAR?bar-baz}") == "required variable UNSET_VAR is missing a value: bar-baz");
  CHECK(sub("${FOO?bar-baz}") == "first");
  CHECK(sub("ok ${BAR:-/non:-alphanumeric}") == "ok /non:-alphanumeric");
  CHECK(sub("${missing-a:-b}") == "a:-b");
}

TEST_CASE("braces are counted, so JSON defaults survive", "[interpolation]") {
  CHECK(sub(R"(${missing:-{"json":1}})") == R"({"json":1})");
  CHECK(sub(R"(${missing:-{"a":{"b":2}}})") == R"({"a":{"b":2}})");
}

TEST_CASE("several braced variables on one line are independent", "[interpolation]") {
  CHECK(sub("${A:-x}-${FOO}-${B:-y}") == "x-first-y");
  CHECK(sub("${A:-x}\n${B:-y}") == "x\ny");
}

TEST_CASE("an error after an applied default is still reported", "[interpolation]") {
  CHECK(sub_error("${A:-x}${B:?needed}") == "required variable B is missing a value: needed");
}

TEST_CASE("malformed braces are an Invalid template", "[interpolation]") {
  for (const char* text : {"${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}", "${foo:bar}", "x ${a-"}) {
    INFO(text);
    CHECK(sub_error(text).starts_with("Invalid template: \""));
  }
  CHECK(sub_error("${foo!}") == "Invalid template: \"${foo!}\"");
}

TEST_CASE("deep nesting is refused instead of overflowing", "[interpolation]") {
  std::string deep;
  for (int i = 0; i < 200; ++i) {
    deep += "${A:-";
  }
  deep += "x" + std::string(200, '}');
  CHECK(sub_error(deep).starts_with("Invalid template"));
}
