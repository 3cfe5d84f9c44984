// A YAML document as plain data, with the position of every node.
//
// The loader works on this tree rather than on YAML::Node: yaml-cpp nodes
// share identity through aliases (editing one edits the other) and know
// nothing of merge keys. A Node is a value: copying copies the subtree.
// Anchors, aliases and `<<` merge keys are already resolved when a tree is
// built (see yaml_reader.h); `!reset` / `!override` stay as tags because
// they only mean something when two trees are merged (see merge.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/diagnostics.h"

namespace stackgate::compose {

using util::SourceLocation;

enum class NodeKind { null, scalar, sequence, mapping };
enum class NodeTag { none, reset, override_ };

struct MapEntry;

struct Node {
  NodeKind kind = NodeKind::null;
  std::string value;     // scalar text (after interpolation, once done)
  bool quoted = false;   // '...', "...", | or >: never null, bool or number
  NodeTag tag = NodeTag::none;
  SourceLocation where;  // 1-based, in the file the node was written in
  std::vector<Node> items;        // sequence
  std::vector<MapEntry> entries;  // mapping, in file order, unique keys

  bool is_null() const { return kind == NodeKind::null; }
  bool is_scalar() const { return kind == NodeKind::scalar; }
  bool is_sequence() const { return kind == NodeKind::sequence; }
  bool is_mapping() const { return kind == NodeKind::mapping; }

  /// The value of mapping key `key`, or nullptr (also when not a mapping).
  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
  /// Sets `key` (appending it when new) and returns the stored value.
  Node& set(std::string_view key, Node value, SourceLocation key_where = {});
  /// Removes `key`; returns whether it was there.
  bool erase(std::string_view key);

  static Node scalar(std::string text, SourceLocation where = {});
  static Node mapping(SourceLocation where = {});
  static Node sequence(SourceLocation where = {});
};

struct MapEntry {
  std::string key;
  SourceLocation key_where;
  Node value;
};

/// "mapping", "sequence", "string" or "null", for error messages.
const char* kind_name(const Node& node);

}  // namespace stackgate::compose
