// `-f a -f b`: compose-go's override rules (loader/override_test.go,
// override/merge_*_test.go), !reset and !override.
#include <catch2/catch.hpp>

#include "compose/merge.h"
#include "temp_project.h"

using namespace stackgate::compose;
using stackgate::compose::testing::TempProject;

namespace {

Project load_two(std::string_view base, std::string_view override_yaml) {
  TempProject t;
  t.write("compose.yaml", base);
  t.write("override.yaml", override_yaml);
  LoadOptions o = t.options();
  o.files = {"compose.yaml", "override.yaml"};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  return *r;
}

}  // namespace

TEST_CASE("merge: scalars are replaced", "[merge]") {
  Project p = load_two("services:\n  a:\n    image: one\n", "services:\n  a:\n    image: two\n");
  CHECK(p.services.at("a").image == "two");
  CHECK(p.files == std::vector<std::string>{"compose.yaml", "override.yaml"});
}

TEST_CASE("merge: a service only in the override is added", "[merge]") {
  Project p = load_two("services:\n  a:\n    image: one\n", "services:\n  b:\n    image: two\n");
  CHECK(p.services.size() == 2);
}

TEST_CASE("merge: command and entrypoint are replaced, not appended", "[merge]") {
  Project p = load_two("services:\n  a:\n    command: [x, y]\n    entrypoint: [sh]\n",
                       "services:\n  a:\n    command: [z]\n    entrypoint: /bin/run it\n");
  CHECK(p.services.at("a").command == std::vector<std::string>{"z"});
  CHECK(p.services.at("a").entrypoint == std::vector<std::string>{"/bin/run", "it"});
}

TEST_CASE("merge: environment is unique by key, the override wins", "[merge]") {
  Project p = load_two("services:\n  a:\n    environment: [A=1, B=2]\n",
                       "services:\n  a:\n    environment:\n      B: three\n      C: 4\n");
  CHECK(p.services.at("a").environment == std::map<std::string, std::string>{{"A", "1"}, {"B", "three"}, {"C", "4"}});
  CHECK(p.services.at("a").environment_where.at("B").file == "override.yaml");
}

TEST_CASE("merge: labels merge by key across list and map forms", "[merge]") {
  Project p = load_two("services:\n  a:\n    labels:\n      x: 1\n      y: 2\n", "services:\n  a:\n    labels: [y=3]\n");
  CHECK(p.services.at("a").labels == std::map<std::string, std::string>{{"x", "1"}, {"y", "3"}});
}

TEST_CASE("merge: ports append, duplicates collapse", "[merge]") {
  Project p = load_two("services:\n  a:\n    ports: [\"80:80\"]\n", "services:\n  a:\n    ports: [\"80:80\", \"443:443\"]\n");
  REQUIRE(p.services.at("a").ports.size() == 2);
  CHECK(p.services.at("a").ports[1].target == 443);
}

TEST_CASE("merge: expose appends with duplicates removed", "[merge]") {
  Project p = load_two("services:\n  a:\n    expose: [\"80\"]\n", "services:\n  a:\n    expose: [\"80\", \"81\"]\n");
  CHECK(p.services.at("a").expose == std::vector<int>{80, 81});
}

TEST_CASE("merge: depends_on merges per target and the override's fields win", "[merge]") {
  // TestOverrideDepends_on
  Project p = load_two("services:\n  a:\n    depends_on: [foo]\n  foo: {}\n",
                       "services:\n  a:\n    depends_on:\n      foo:\n        condition: service_healthy\n        required: false\n");
  const Dependency& d = p.services.at("a").depends_on.at(0);
  CHECK(d.condition == Condition::service_healthy);
  CHECK_FALSE(d.required);
}

TEST_CASE("merge: an override may omit condition in the long syntax", "[merge]") {
  // TestOverridePartial
  Project p = load_two("services:\n  a:\n    depends_on:\n      foo:\n        condition: service_healthy\n  foo: {}\n",
                       "services:\n  a:\n    depends_on:\n      foo:\n        required: false\n");
  const Dependency& d = p.services.at("a").depends_on.at(0);
  CHECK(d.condition == Condition::service_healthy);
  CHECK_FALSE(d.required);
}

TEST_CASE("merge: new depends_on targets are added", "[merge]") {
  Project p = load_two("services:\n  a:\n    depends_on: [x]\n  x: {}\n  y: {}\n", "services:\n  a:\n    depends_on: [y]\n");
  REQUIRE(p.services.at("a").depends_on.size() == 2);
  CHECK(p.services.at("a").depends_on[1].service == "y");
  CHECK(p.services.at("a").depends_on[1].where.file == "override.yaml");
}

TEST_CASE("merge: healthcheck merges but its test is replaced", "[merge]") {
  Project p = load_two("services:\n  a:\n    healthcheck:\n      test: [CMD, a, b]\n      interval: 5s\n",
                       "services:\n  a:\n    healthcheck:\n      test: [CMD, c]\n");
  const Healthcheck& hc = *p.services.at("a").healthcheck;
  CHECK(hc.test == std::vector<std::string>{"CMD", "c"});
  CHECK(hc.interval == Millis(5000));
}

TEST_CASE("merge: a string build becomes a context before merging", "[merge]") {
  Project p = load_two("services:\n  a:\n    build: ./app\n", "services:\n  a:\n    build:\n      dockerfile: Dev\n");
  REQUIRE(p.services.at("a").build_context);
  CHECK(p.services.at("a").build_context->ends_with("/app"));
}

TEST_CASE("merge: networks merge per network, aliases collected", "[merge]") {
  Project p = load_two("services:\n  a:\n    networks: [front]\n",
                       "services:\n  a:\n    networks:\n      front:\n        aliases: [web]\n");
  CHECK(p.services.at("a").network_aliases == std::vector<std::string>{"web"});
}

TEST_CASE("merge: !reset removes what earlier files set", "[merge][reset]") {
  Project p = load_two("services:\n  a:\n    image: x\n    ports: [\"80:80\"]\n    depends_on: [db]\n  db: {}\n",
                       "services:\n  a:\n    ports: !reset []\n    depends_on: !reset\n");
  CHECK(p.services.at("a").ports.empty());
  CHECK(p.services.at("a").depends_on.empty());
  CHECK(p.services.at("a").image == "x");
}

TEST_CASE("merge: !override replaces without merging", "[merge][reset]") {
  Project p = load_two("services:\n  a:\n    environment: {A: 1, B: 2}\n    ports: [\"80:80\"]\n",
                       "services:\n  a:\n    environment: !override {C: 3}\n    ports: !override [\"81:81\"]\n");
  CHECK(p.services.at("a").environment == std::map<std::string, std::string>{{"C", "3"}});
  REQUIRE(p.services.at("a").ports.size() == 1);
  CHECK(p.services.at("a").ports[0].target == 81);
}

TEST_CASE("merge: !reset in a single file just drops the key", "[merge][reset]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    image: x\n    command: !reset [y]\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").command.empty());
}

TEST_CASE("merge: !reset on a whole service removes it", "[merge][reset]") {
  Project p = load_two("services:\n  a: {image: x}\n  b: {image: y}\n", "services:\n  b: !reset\n");
  CHECK(p.services.count("b") == 0);
  CHECK(p.services.count("a") == 1);
}

TEST_CASE("merge: several documents in one file merge in order", "[merge]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    image: one\n---\nservices:\n  a:\n    image: two\n  b:\n    image: three\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "two");
  CHECK(r->services.at("b").image == "three");
}

TEST_CASE("merge: interpolation happens per file before merging", "[merge]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    image: ${IMG}\n");
  t.write("sub/override.yaml", "services:\n  a:\n    hostname: ${HOST:-h}\n");
  LoadOptions o = t.options();
  o.files = {"compose.yaml", "sub/override.yaml"};
  o.environ = {{"IMG", "nginx"}};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "nginx");
  CHECK(r->services.at("a").hostname == "h");
}

// Large mappings are merged through a key index, small ones by scanning
// (merge.cpp, EntryIndex): both must give what Node::find / Node::set gave.
TEST_CASE("merge: many services merge in place, new ones appended in order", "[merge]") {
  size_t count = GENERATE(size_t{5}, size_t{40}, size_t{2000});
  auto service = [](const std::string& image, int line) {
    Node s = Node::mapping({"f.yaml", line, 5});
    s.set("image", Node::scalar(image, {"f.yaml", line, 12}), {"f.yaml", line, 5});
    return s;
  };
  Node base = Node::mapping();
  Node& base_services = base.set("services", Node::mapping({"a.yaml", 1, 1}), {"a.yaml", 1, 1});
  for (size_t i = 0; i < count; ++i) {
    base_services.set("s" + std::to_string(i), service("base", static_cast<int>(i) + 2), {"a.yaml", static_cast<int>(i) + 2, 3});
  }
  Node over = Node::mapping();
  Node& over_services = over.set("services", Node::mapping({"b.yaml", 1, 1}), {"b.yaml", 1, 1});
  over_services.set("new0", service("fresh", 90), SourceLocation{});  // no key position: the value's
  for (size_t i = 0; i < count; i += 2) {
    over_services.set("s" + std::to_string(i), service("over", 100), {"b.yaml", 100, 3});
  }
  Node reset = Node::mapping();
  reset.tag = NodeTag::reset;
  over_services.set("s1", reset, {"b.yaml", 200, 3});
  over_services.set("new1", service("fresh", 91), {"b.yaml", 91, 3});

  merge_documents(base, over);
  strip_tags(base);

  const Node* merged = base.find("services");
  REQUIRE(merged);
  REQUIRE(merged->entries.size() == count - 1 + 2);
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    if (i == 1) continue;  // !reset removed it
    const MapEntry& e = merged->entries[at++];
    CHECK(e.key == "s" + std::to_string(i));
    CHECK(e.key_where.line == static_cast<int>(i) + 2);  // the base's position is kept
    CHECK(e.value.find("image")->value == (i % 2 == 0 ? "over" : "base"));
  }
  CHECK(merged->entries[at].key == "new0");
  CHECK(merged->entries[at].key_where.line == 90);
  CHECK(merged->entries[at + 1].key == "new1");
  CHECK(merged->entries[at + 1].key_where.line == 91);
}
