// YAML text -> Node trees. The only file that includes yaml-cpp.
//
// Resolves anchors, aliases and `<<` merge keys (yaml-cpp 0.7 leaves merge
// keys as ordinary "<<" entries): `<<: *a` and `<<: [*a, *b]`, explicit keys
// win over merged ones, earlier list entries over later ones, as in YAML 1.1
// merge and go-yaml. Keeps `!reset` / `!override` as NodeTag. Rejects
// duplicate keys (as go-yaml does) and alias expansions that would explode
// (billion laughs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compose/node.h"
#include "util/diagnostics.h"

namespace stackgate::compose {

struct YamlDocuments {
  std::vector<Node> documents;    // one per `---` document; empty documents dropped
  util::ConfigErrors errors;      // syntax errors stop parsing; others are collected
};

/// Parses `text` (the contents of `file`, used for positions).
YamlDocuments read_yaml(std::string_view text, const std::string& file);

}  // namespace stackgate::compose
