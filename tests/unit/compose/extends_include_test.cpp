// extends (same file, other file, chains, cycles) and include (short and
// long form, own .env, nesting, cycles, local override).
#include <catch2/catch.hpp>

#include <chrono>

#include "temp_project.h"

using namespace stackgate::compose;
using stackgate::compose::testing::format_errors;
using stackgate::compose::testing::TempProject;

TEST_CASE("extends: a service in the same file", "[extends]") {
  TempProject t;
  t.write("compose.yaml", R"(services:
  base:
    image: app
    environment: [A=1, B=2]
    depends_on: [db]
  web:
    extends: base
    environment: [B=3]
  db: {}
)");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  const Service& web = r->services.at("web");
  CHECK(web.image == "app");
  CHECK(web.environment == std::map<std::string, std::string>{{"A", "1"}, {"B", "3"}});
  REQUIRE(web.depends_on.size() == 1);  // inherited
  CHECK(web.depends_on[0].where.line == 5);
}

TEST_CASE("extends: another file, with paths relative to that file", "[extends]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  web:\n    extends:\n      file: common/base.yaml\n      service: app\n    image: mine\n");
  t.write("common/base.yaml", "services:\n  app:\n    image: base\n    env_file: app.env\n    build: ./src\n    command: serve\n");
  t.write("common/app.env", "FROM_FILE=1\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  const Service& web = r->services.at("web");
  CHECK(web.image == "mine");
  CHECK(web.command == std::vector<std::string>{"serve"});
  CHECK(web.environment.at("FROM_FILE") == "1");
  CHECK(*web.build_context == t.path("common/src"));
  CHECK(r->files == std::vector<std::string>{"compose.yaml", "common/base.yaml"});
}

TEST_CASE("extends: chains resolve recursively across files", "[extends]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  web:\n    extends: {file: a.yaml, service: a}\n");
  t.write("a.yaml", "services:\n  a:\n    extends: {file: b.yaml, service: b}\n    hostname: from-a\n");
  t.write("b.yaml", "services:\n  b:\n    image: from-b\n    depends_on: [db]\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  const Service& web = r->services.at("web");
  CHECK(web.image == "from-b");
  CHECK(web.hostname == "from-a");
  REQUIRE(web.depends_on.size() == 1);
  CHECK(web.depends_on[0].where.file == "b.yaml");
}

TEST_CASE("extends: !override on the local side replaces the inherited value", "[extends]") {
  TempProject t;
  t.write("compose.yaml", R"(services:
  base:
    depends_on: [a, b]
  web:
    extends: base
    depends_on: !override [c]
  a: {}
  b: {}
  c: {}
)");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  REQUIRE(r->services.at("web").depends_on.size() == 1);
  CHECK(r->services.at("web").depends_on[0].service == "c");
}

TEST_CASE("extends: a cycle is an error", "[extends]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    extends: b\n  b:\n    extends: a\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "compose.yaml:5:14: error: extends cycle detected: a -> b -> a\n"
        "compose.yaml:3:14: error: extends cycle detected: b -> a -> b");
}

TEST_CASE("extends: extending itself is a cycle", "[extends]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    extends: a\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) == "compose.yaml:3:14: error: extends cycle detected: a -> a");
}

TEST_CASE("extends: a missing base service suggests a name", "[extends]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  base: {}\n  a:\n    extends: bas\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "compose.yaml:4:14: error: services.a.extends: service \"bas\" not found (did you mean \"base\"?)");
}

TEST_CASE("extends: a missing file is an error at the file entry", "[extends]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    extends:\n      file: nope.yaml\n      service: x\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) == "compose.yaml:4:13: error: file nope.yaml not found");
}

TEST_CASE("include: short form, with the included file's own .env", "[include]") {
  TempProject t;
  t.write("compose.yaml", "include:\n  - sub/compose.yaml\nservices:\n  api:\n    depends_on: [db]\n");
  t.write("sub/compose.yaml", "services:\n  db:\n    image: postgres:${PG_VERSION}\n    env_file: db.env\n");
  t.write("sub/.env", "PG_VERSION=16\n");
  t.write("sub/db.env", "POSTGRES_PASSWORD=x\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("db").image == "postgres:16");
  CHECK(r->services.at("db").environment.at("POSTGRES_PASSWORD") == "x");
  CHECK(r->services.at("db").where.file == "sub/compose.yaml");
  CHECK(r->files == std::vector<std::string>{"compose.yaml", "sub/compose.yaml"});
}

TEST_CASE("include: the parent's variables win over the included .env", "[include]") {
  TempProject t;
  t.write("compose.yaml", "include: [sub/compose.yaml]\n");
  t.write("sub/compose.yaml", "services:\n  db:\n    image: postgres:${PG_VERSION}\n");
  t.write("sub/.env", "PG_VERSION=16\n");
  LoadOptions o = t.options();
  o.environ = {{"PG_VERSION", "17"}};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("db").image == "postgres:17");
}

TEST_CASE("include: long form with project_directory and env_file", "[include]") {
  TempProject t;
  t.write("compose.yaml", R"(include:
  - path: [stack/a.yaml, stack/b.yaml]
    project_directory: stack
    env_file: stack/custom.env
)");
  t.write("stack/a.yaml", "services:\n  a:\n    image: ${IMAGE_A}\n    build: ./ctx\n");
  t.write("stack/b.yaml", "services:\n  a:\n    hostname: merged\n");
  t.write("stack/custom.env", "IMAGE_A=alpha\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "alpha");
  CHECK(r->services.at("a").hostname == "merged");
  CHECK(*r->services.at("a").build_context == t.path("stack/ctx"));
}

TEST_CASE("include: the local definition overrides the included one", "[include]") {
  // TestLoadWithIncludeOverride
  TempProject t;
  t.write("compose.yaml", "include: [inc.yaml]\nservices:\n  db:\n    image: local\n");
  t.write("inc.yaml", "services:\n  db:\n    image: included\n    hostname: kept\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("db").image == "local");
  CHECK(r->services.at("db").hostname == "kept");
}

TEST_CASE("include: nested includes resolve against each file's directory", "[include]") {
  TempProject t;
  t.write("compose.yaml", "include: [one/compose.yaml]\n");
  t.write("one/compose.yaml", "include: [two/compose.yaml]\nservices:\n  a: {image: a}\n");
  t.write("one/two/compose.yaml", "services:\n  b: {image: b}\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.size() == 2);
  CHECK(r->services.at("b").where.file == "one/two/compose.yaml");
}

TEST_CASE("include: a cycle is an error", "[include]") {
  TempProject t;
  t.write("compose.yaml", "include: [other.yaml]\nservices:\n  a: {}\n");
  t.write("other.yaml", "include: [compose.yaml]\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "other.yaml:1:11: error: include cycle detected: compose.yaml -> other.yaml -> compose.yaml");
}

TEST_CASE("include: a file including itself is a cycle", "[include]") {
  TempProject t;
  t.write("compose.yaml", "include:\n  - compose.yaml\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) == "compose.yaml:2:5: error: include cycle detected: compose.yaml -> compose.yaml");
}

TEST_CASE("include: a missing file is an error at the include entry", "[include]") {
  TempProject t;
  t.write("compose.yaml", "include:\n  - missing.yaml\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) == "compose.yaml:2:5: error: file missing.yaml not found");
}

TEST_CASE("include: a file included along many paths is loaded once", "[include][bomb]") {
  // Each file includes the next one twice: 2^30 paths to the last file.
  TempProject t;
  const int n = 30;
  t.write("compose.yaml", "include: [f0.yaml, f0.yaml]\nservices:\n  top: {image: top}\n");
  for (int i = 0; i < n; ++i) {
    std::string next = "f" + std::to_string(i + 1) + ".yaml";
    std::string body = i + 1 < n ? "include: [" + next + ", " + next + "]\n" : "";
    t.write("f" + std::to_string(i) + ".yaml", body + "services:\n  s" + std::to_string(i) + ": {image: x}\n");
  }
  auto start = std::chrono::steady_clock::now();
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.size() == n + 1);
  CHECK(r->files.size() == n + 1);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("extends: a 2,000-link chain resolves each service once", "[extends][deep]") {
  TempProject t;
  std::string yaml = "services:\n  s0:\n    image: base\n    environment: [A=0]\n";
  const int n = 2000;
  for (int i = 1; i <= n; ++i) {
    yaml += "  s" + std::to_string(i) + ":\n    extends: s" + std::to_string(i - 1) + "\n    hostname: h" +
            std::to_string(i) + "\n";
  }
  t.write("compose.yaml", yaml);
  auto start = std::chrono::steady_clock::now();
  auto r = t.load();
  auto took = std::chrono::steady_clock::now() - start;
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("s2000").image == "base");
  CHECK(r->services.at("s2000").hostname == "h2000");
  CHECK(r->services.at("s1000").environment.at("A") == "0");
  CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("extends: a 20,000-link chain does not exhaust the stack", "[extends][deep]") {
  TempProject t;
  std::string yaml = "services:\n  s0:\n    image: base\n";
  const int n = 20'000;
  for (int i = 1; i <= n; ++i) yaml += "  s" + std::to_string(i) + ": {extends: s" + std::to_string(i - 1) + "}\n";
  t.write("compose.yaml", yaml);
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("s20000").image == "base");
}
