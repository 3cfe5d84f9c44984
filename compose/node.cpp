#include "compose/node.h"

#include <algorithm>

namespace stackgate::compose {

const Node* Node::find(std::string_view key) const {
  if (kind != NodeKind::mapping) {
    return nullptr;
  }
  for (const MapEntry& e : entries) {
    if (e.key == key) {
      return &e.value;
    }
  }
  return nullptr;
}

Node* Node::find(std::string_view key) {
  return const_cast<Node*>(static_cast<const Node*>(this)->find(key));
}

Node& Node::set(std::string_view key, Node value, SourceLocation key_where) {
  if (kind != NodeKind::mapping) {
    kind = NodeKind::mapping;
    items.clear();
    this->value.clear();
  }
  for (MapEntry& e : entries) {
    if (e.key == key) {
      e.value = std::move(value);
      return e.value;
    }
  }
  if (key_where.line == 0) {
    key_where = value.where;
  }
  entries.push_back(MapEntry{std::string(key), std::move(key_where), std::move(value)});
  return entries.back().value;
}

bool Node::erase(std::string_view key) {
  auto it = std::find_if(entries.begin(), entries.end(), [&](const MapEntry& e) { return e.key == key; });
  if (it == entries.end()) {
    return false;
  }
  entries.erase(it);
  return true;
}

Node Node::scalar(std::string text, SourceLocation where) {
  Node n;
  n.kind = NodeKind::scalar;
  n.value = std::move(text);
  n.where = std::move(where);
  return n;
}

Node Node::mapping(SourceLocation where) {
  Node n;
  n.kind = NodeKind::mapping;
  n.where = std::move(where);
  return n;
}

Node Node::sequence(SourceLocation where) {
  Node n;
  n.kind = NodeKind::sequence;
  n.where = std::move(where);
  return n;
}

const char* kind_name(const Node& node) {
  switch (node.kind) {
    case NodeKind::null: return "null";
    case NodeKind::scalar: return "string";
    case NodeKind::sequence: return "list";
    case NodeKind::mapping: return "mapping";
  }
  return "?";
}

}  // namespace stackgate::compose
