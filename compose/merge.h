// Combining compose trees with compose-go's override rules (`-f a -f b`,
// `extends`, `include`). Mappings merge recursively, sequences append,
// scalars are replaced, except:
//   replaced:   command, entrypoint, healthcheck.test, extends
//   appended, then unique by key (last definition wins, first position kept):
//               environment, labels, annotations, sysctls, build.args,
//               build.labels, build.additional_contexts, deploy.labels
//               (a mapping becomes sorted "k=v" strings); dns, dns_opt,
//               dns_search, tmpfs, expose, cap_add, cap_drop, links,
//               external_links, profiles, extra_hosts (by value); env_file,
//               label_file (by path); ports (by ip, target, published,
//               protocol); volumes, devices (by target); secrets, configs
//   per target: depends_on and networks (a list becomes a mapping first)
//   logging:    merged when the drivers match, else replaced
// A value tagged !override replaces the earlier one wholesale; !reset
// removes it. The tags stay in the merged tree, so they also apply to files
// merged later; strip_tags() drops what is left once everything is merged.
#pragma once

#include "compose/node.h"

namespace stackgate::compose {

/// Merges a whole document (top level) `over` into `base`.
void merge_documents(Node& base, const Node& over);
/// The same, taking `over`'s entries instead of copying them where it can
/// (into an empty `base`: the first file of a project).
void merge_documents(Node& base, Node&& over);

/// The service definition `over` on top of `base`.
Node merge_service(const Node& base, const Node& over);

/// Removes entries tagged !reset and clears !override tags, recursively.
void strip_tags(Node& node);

}  // namespace stackgate::compose
