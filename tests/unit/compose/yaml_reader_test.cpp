// YAML -> Node: anchors, merge keys, tags, positions, errors.
#include <catch2/catch.hpp>

#include "compose/yaml_reader.h"

using namespace stackgate::compose;

namespace {

Node read_one(std::string_view text) {
  YamlDocuments docs = read_yaml(text, "c.yaml");
  for (const auto& e : docs.errors) {
    FAIL(e.format());
  }
  REQUIRE(docs.documents.size() == 1);
  return docs.documents[0];
}

std::vector<std::string> keys(const Node& n) {
  std::vector<std::string> out;
  for (const MapEntry& e : n.entries) {
    out.push_back(e.key);
  }
  return out;
}

}  // namespace

TEST_CASE("yaml: positions are 1-based line:col of each node", "[yaml]") {
  Node doc = read_one("services:\n  api:\n    image: nginx\n");
  const Node* image = doc.find("services")->find("api")->find("image");
  REQUIRE(image);
  CHECK(image->value == "nginx");
  CHECK(image->where.file == "c.yaml");
  CHECK(image->where.line == 3);
  CHECK(image->where.col == 12);
  CHECK(doc.find("services")->entries[0].key_where.line == 2);
  CHECK(doc.find("services")->entries[0].key_where.col == 3);
}

TEST_CASE("yaml: aliases copy the anchored value", "[yaml]") {
  Node doc = read_one("a: &deps [db, cache]\nb: *deps\n");
  const Node* b = doc.find("b");
  REQUIRE(b->is_sequence());
  REQUIRE(b->items.size() == 2);
  CHECK(b->items[1].value == "cache");
}

TEST_CASE("yaml: merge key brings in the anchored mapping", "[yaml]") {
  Node doc = read_one("base: &b {image: x, restart: always}\nsvc:\n  <<: *b\n  command: run\n");
  const Node* svc = doc.find("svc");
  CHECK(keys(*svc) == std::vector<std::string>{"image", "restart", "command"});
  CHECK(svc->find("image")->value == "x");
}

TEST_CASE("yaml: explicit keys win over merged ones, wherever << is", "[yaml]") {
  Node doc = read_one("base: &b {image: x, restart: always}\nsvc:\n  image: mine\n  <<: *b\n");
  CHECK(doc.find("svc")->find("image")->value == "mine");
  CHECK(doc.find("svc")->find("restart")->value == "always");
  CHECK(doc.find("svc")->entries.size() == 2);
}

TEST_CASE("yaml: merged values are replaced whole, not deep-merged", "[yaml]") {
  Node doc = read_one("base: &b {environment: {A: 1, B: 2}}\nsvc:\n  <<: *b\n  environment: {C: 3}\n");
  const Node* env = doc.find("svc")->find("environment");
  CHECK(keys(*env) == std::vector<std::string>{"C"});
}

TEST_CASE("yaml: in a merge list, earlier entries win", "[yaml]") {
  Node doc = read_one("a: &a {x: from-a}\nb: &b {x: from-b, y: from-b}\nsvc:\n  <<: [*a, *b]\n");
  CHECK(doc.find("svc")->find("x")->value == "from-a");
  CHECK(doc.find("svc")->find("y")->value == "from-b");
}

TEST_CASE("yaml: the explicit !!merge tag works too", "[yaml]") {
  Node doc = read_one("a: &a {x: 1}\nsvc:\n  !!merge <<: *a\n");
  CHECK(doc.find("svc")->find("x")->value == "1");
}

TEST_CASE("yaml: merges nest", "[yaml]") {
  Node doc = read_one("a: &a {x: 1}\nb: &b\n  <<: *a\n  y: 2\nsvc:\n  <<: *b\n  z: 3\n");
  CHECK(keys(*doc.find("svc")) == std::vector<std::string>{"x", "y", "z"});
}

TEST_CASE("yaml: a quoted << is an ordinary key", "[yaml]") {
  Node doc = read_one("svc:\n  '<<': {x: 1}\n");
  CHECK(doc.find("svc")->find("<<") != nullptr);
}

TEST_CASE("yaml: merging a scalar is an error with position", "[yaml]") {
  YamlDocuments docs = read_yaml("svc:\n  <<: nope\n", "c.yaml");
  REQUIRE(docs.errors.size() == 1);
  CHECK(docs.errors[0].format() == "c.yaml:2:7: error: merge key << takes a mapping or a list of mappings, not a string");
}

TEST_CASE("yaml: !reset and !override become tags", "[yaml]") {
  Node doc = read_one("a: !reset []\nb: !override {x: 1}\nc: !reset\n");
  CHECK(doc.find("a")->tag == NodeTag::reset);
  CHECK(doc.find("b")->tag == NodeTag::override_);
  CHECK(doc.find("c")->tag == NodeTag::reset);
  CHECK(doc.find("c")->is_null());
}

TEST_CASE("yaml: quoted scalars are marked", "[yaml]") {
  Node doc = read_one("a: 'yes'\nb: yes\nc: ~\nd: 'null'\n");
  CHECK(doc.find("a")->quoted);
  CHECK_FALSE(doc.find("b")->quoted);
  CHECK(doc.find("c")->is_null());
  CHECK(doc.find("d")->is_scalar());
}

TEST_CASE("yaml: several documents in one file", "[yaml]") {
  YamlDocuments docs = read_yaml("a: 1\n---\nb: 2\n---\n", "c.yaml");
  REQUIRE(docs.errors.empty());
  REQUIRE(docs.documents.size() == 2);
  CHECK(docs.documents[1].find("b")->where.line == 3);
}

TEST_CASE("yaml: a duplicate key is an error", "[yaml]") {
  YamlDocuments docs = read_yaml("services:\n  a: {}\n  a: {}\n", "c.yaml");
  REQUIRE(docs.errors.size() == 1);
  CHECK(docs.errors[0].format() == "c.yaml:3:3: error: mapping key \"a\" is defined twice (first defined at line 2)");
}

TEST_CASE("yaml: syntax errors carry yaml-cpp's position", "[yaml]") {
  YamlDocuments docs = read_yaml("services:\n  api:\n    image: [unclosed\n", "c.yaml");
  REQUIRE(docs.errors.size() == 1);
  CHECK(docs.errors[0].where.file == "c.yaml");
  CHECK(docs.errors[0].where.line >= 3);
  CHECK(docs.errors[0].message.starts_with("invalid YAML: "));
}

TEST_CASE("yaml: a document yaml-cpp cannot get past is an error, not an endless loop", "[yaml]") {
  // Found by tests/fuzz/compose_loader_fuzz (corpus/compose_loader/regress-comma-hang):
  // yaml-cpp 0.7's LoadAll looped forever on ",", allocating as it went.
  YamlDocuments comma = read_yaml(",", "c.yaml");
  REQUIRE(comma.errors.size() == 1);
  CHECK(comma.errors[0].format() == "c.yaml:1:1: error: invalid YAML: cannot parse past this point");

  YamlDocuments second = read_yaml("services: {}\n---\n,\n", "c.yaml");
  REQUIRE(second.errors.size() == 1);
  CHECK(second.errors[0].where.line == 3);
  CHECK(second.documents.empty());

  YamlDocuments fine = read_yaml("a: 1\n---\nb: 2\n---\n", "c.yaml");
  CHECK(fine.errors.empty());
  CHECK(fine.documents.size() == 2);
}

TEST_CASE("yaml: an alias bomb is refused", "[yaml]") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'h'; ++c, ++prev) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) {
      bomb += std::string(i ? ", " : "") + "*" + prev;
    }
    bomb += "]\n";
  }
  YamlDocuments docs = read_yaml(bomb, "c.yaml");
  REQUIRE_FALSE(docs.errors.empty());
  CHECK(docs.errors[0].message == "document is too large once aliases are expanded (alias bomb?)");
}

TEST_CASE("yaml: an alias inside its own anchor is refused quickly", "[yaml]") {
  YamlDocuments docs = read_yaml("a: &a\n  b: *a\n  c: {<<: *a}\n", "c.yaml");
  REQUIRE(docs.errors.size() == 1);
  CHECK(docs.errors[0].message == "YAML nesting is too deep");
}

TEST_CASE("yaml: nested merges of large anchors count against the budget", "[yaml]") {
  std::string text = "a0: &a0 {";
  for (int i = 0; i < 200; ++i) {
    text += std::string(i ? ", " : "") + "k" + std::to_string(i) + ": [1, 2, 3, 4, 5]";
  }
  text += "}\n";
  for (int level = 1; level < 12; ++level) {
    std::string prev = "a" + std::to_string(level - 1);
    std::string name = "a" + std::to_string(level);
    text += name + ": &" + name + "\n  x: {<<: *" + prev + "}\n  y: {<<: *" + prev + "}\n  z: {<<: *" + prev + "}\n";
  }
  YamlDocuments docs = read_yaml(text, "c.yaml");
  REQUIRE_FALSE(docs.errors.empty());
  CHECK(docs.errors[0].message == "document is too large once aliases are expanded (alias bomb?)");
}
