#include "compose/merge.h"

#include <algorithm>
#include <functional>
#include <set>
#include <string_view>
#include <unordered_map>

namespace stackgate::compose {

namespace {

using KeyOf = std::function<std::string(const Node&)>;

Node merge_default(const Node& base, const Node& over);

bool is_one_of(std::string_view key, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

// A mapping {k: v} becomes ["k=v", ...] sorted by key; a bare `k:` is "k".
Node to_kv_list(const Node& node) {
  if (!node.is_mapping()) {
    return node;
  }
  Node list = Node::sequence(node.where);
  std::vector<const MapEntry*> sorted;
  for (const MapEntry& e : node.entries) {
    sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(), [](const MapEntry* a, const MapEntry* b) { return a->key < b->key; });
  for (const MapEntry* e : sorted) {
    if (e->value.is_null()) {
      list.items.push_back(Node::scalar(e->key, e->key_where));
    } else {
      Node item = Node::scalar(e->key + "=" + e->value.value, e->value.where);
      item.quoted = e->value.quoted;
      list.items.push_back(item);
    }
  }
  return list;
}

Node to_list(const Node& node) {
  if (node.is_sequence()) {
    return node;
  }
  Node list = Node::sequence(node.where);
  if (!node.is_null()) {
    list.items.push_back(node);
  }
  return list;
}

// Appends, then keeps one item per key: the last definition, at the first
// definition's position.
Node append_unique(const Node& base, const Node& over, const KeyOf& key_of) {
  Node a = to_list(base);
  Node b = to_list(over);
  Node out = Node::sequence(a.where);
  std::vector<std::string> keys;
  auto add = [&](const Node& item) {
    std::string key = key_of(item);
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      out.items.push_back(item);
    } else {
      out.items[static_cast<size_t>(it - keys.begin())] = item;
    }
  };
  for (const Node& item : a.items) {
    add(item);
  }
  for (const Node& item : b.items) {
    add(item);
  }
  return out;
}

std::string key_before_equals(const Node& item) {
  return item.is_scalar() ? item.value.substr(0, item.value.find('=')) : std::string();
}

std::string whole_value(const Node& item) { return item.is_scalar() ? item.value : std::string(); }

std::string field_or_value(const Node& item, std::string_view field) {
  if (const Node* f = item.find(field)) {
    return f->value;
  }
  return item.value;
}

std::string port_key(const Node& item) {
  if (item.is_mapping()) {
    return field_or_value(item, "host_ip") + "|" + field_or_value(item, "target") + "|" +
           field_or_value(item, "published") + "|" + field_or_value(item, "protocol");
  }
  return item.value;
}

std::string volume_target(const Node& item) {
  if (item.is_mapping()) {
    return field_or_value(item, "target");
  }
  std::string_view s = item.value;
  size_t first = s.find(':');
  if (first == std::string_view::npos) {
    return std::string(s);
  }
  std::string_view rest = s.substr(first + 1);
  return std::string(rest.substr(0, rest.find(':')));
}

std::string secret_target(const Node& item) {
  if (item.is_mapping()) {
    const Node* target = item.find("target");
    return target ? target->value : "/run/secrets/" + field_or_value(item, "source");
  }
  return "/run/secrets/" + item.value;
}

// depends_on / networks as a mapping; list entries become {} (networks) or
// {condition: service_started, required: true} (depends_on).
Node to_target_map(const Node& node, bool depends_on) {
  if (!node.is_sequence()) {
    return node;
  }
  Node map = Node::mapping(node.where);
  for (const Node& item : node.items) {
    if (!item.is_scalar()) {
      continue;
    }
    Node value;
    if (depends_on) {
      value = Node::mapping(item.where);
      value.set("condition", Node::scalar("service_started", item.where), item.where);
      value.set("required", Node::scalar("true", item.where), item.where);
    } else {
      value.where = item.where;
    }
    map.set(item.value, value, item.where);
  }
  return map;
}

Node build_as_mapping(const Node& node) {
  if (!node.is_scalar()) {
    return node;
  }
  Node map = Node::mapping(node.where);
  map.set("context", node, node.where);
  return map;
}

// A mapping merge in which `field(key, base, over)` decides each key both
// sides have.
using FieldMerge = std::function<Node(std::string_view key, const Node& base, const Node& over)>;

// The entries of a mapping being merged into, found by key. Small mappings
// (a service's fields) are scanned; large ones (the services of two files,
// `-f compose.yaml -f compose.override.yaml`) go through a hash index, since
// a scan per key made that merge quadratic. Entries are only replaced or
// appended while the index lives, and room for every appended one is
// reserved up front, so the keys it points to never move.
class EntryIndex {
 public:
  EntryIndex(Node& map, size_t to_append) : m_map(map) {
    m_map.entries.reserve(m_map.entries.size() + to_append);
    if (m_map.entries.size() + to_append > k_scan_limit) {
      m_indexed = true;
      m_by_key.reserve(m_map.entries.size() + to_append);
      for (MapEntry& e : m_map.entries) {
        m_by_key.try_emplace(e.key, &e);  // the first of a key, as Node::find
      }
    }
  }

  MapEntry* find(std::string_view key) {
    if (!m_indexed) {
      for (MapEntry& e : m_map.entries) {
        if (e.key == key) return &e;
      }
      return nullptr;
    }
    auto it = m_by_key.find(key);
    return it == m_by_key.end() ? nullptr : it->second;
  }

  /// Node::set: the value of an existing key is replaced (its position and
  /// key position kept); a new key is appended.
  void set(const MapEntry& e) {
    if (MapEntry* existing = find(e.key)) {
      existing->value = e.value;
      return;
    }
    SourceLocation key_where = e.key_where.line == 0 ? e.value.where : e.key_where;
    m_map.entries.push_back(MapEntry{e.key, std::move(key_where), e.value});
    if (m_indexed) m_by_key.try_emplace(m_map.entries.back().key, &m_map.entries.back());
  }

 private:
  static constexpr size_t k_scan_limit = 32;
  Node& m_map;
  bool m_indexed = false;
  std::unordered_map<std::string_view, MapEntry*> m_by_key;
};

Node merge_mapping(const Node& base, const Node& over, const FieldMerge& field) {
  if (!base.is_mapping() || !over.is_mapping()) {
    return over;
  }
  Node out = base;
  EntryIndex index(out, over.entries.size());
  for (const MapEntry& e : over.entries) {
    MapEntry* existing = index.find(e.key);
    if (e.value.tag == NodeTag::reset || e.value.tag == NodeTag::override_ || !existing ||
        existing->value.tag == NodeTag::reset) {
      index.set(e);
      continue;
    }
    existing->value = field(e.key, existing->value, e.value);
  }
  return out;
}

Node merge_healthcheck(const Node& base, const Node& over) {
  return merge_mapping(base, over, [](std::string_view key, const Node& b, const Node& o) {
    return key == "test" ? o : merge_default(b, o);
  });
}

Node merge_build(const Node& base, const Node& over) {
  return merge_mapping(build_as_mapping(base), build_as_mapping(over),
                       [](std::string_view key, const Node& b, const Node& o) {
                         if (is_one_of(key, {"args", "labels", "additional_contexts"})) {
                           return append_unique(to_kv_list(b), to_kv_list(o), key_before_equals);
                         }
                         return merge_default(b, o);
                       });
}

Node merge_deploy(const Node& base, const Node& over) {
  return merge_mapping(base, over, [](std::string_view key, const Node& b, const Node& o) {
    if (key == "labels") {
      return append_unique(to_kv_list(b), to_kv_list(o), key_before_equals);
    }
    return merge_default(b, o);
  });
}

Node merge_logging(const Node& base, const Node& over) {
  const Node* a = base.find("driver");
  const Node* b = over.find("driver");
  if (a && b && a->value != b->value) {
    return over;
  }
  return merge_default(base, over);
}

Node merge_service_field(std::string_view key, const Node& base, const Node& over) {
  if (is_one_of(key, {"command", "entrypoint", "extends"})) {
    return over;
  }
  if (is_one_of(key, {"environment", "labels", "annotations", "sysctls"})) {
    return append_unique(to_kv_list(base), to_kv_list(over), key_before_equals);
  }
  if (is_one_of(key, {"dns", "dns_opt", "dns_search", "tmpfs", "expose", "cap_add", "cap_drop", "links",
                      "external_links", "profiles", "extra_hosts"})) {
    return append_unique(to_kv_list(base), to_kv_list(over), whole_value);
  }
  if (is_one_of(key, {"env_file", "label_file"})) {
    return append_unique(base, over, [](const Node& item) { return field_or_value(item, "path"); });
  }
  if (key == "ports") {
    return append_unique(base, over, port_key);
  }
  if (is_one_of(key, {"volumes", "devices"})) {
    return append_unique(base, over, volume_target);
  }
  if (is_one_of(key, {"secrets", "configs"})) {
    return append_unique(base, over, secret_target);
  }
  if (key == "depends_on" || key == "networks") {
    // Only a list is converted: a mapping (what extends chains pass along,
    // hundreds of entries long) is merged as it is, not copied first.
    bool depends_on = key == "depends_on";
    Node base_map = base.is_sequence() ? to_target_map(base, depends_on) : Node();
    Node over_map = over.is_sequence() ? to_target_map(over, depends_on) : Node();
    return merge_default(base.is_sequence() ? base_map : base, over.is_sequence() ? over_map : over);
  }
  if (key == "healthcheck") {
    return merge_healthcheck(base, over);
  }
  if (key == "build") {
    return merge_build(base, over);
  }
  if (key == "deploy") {
    return merge_deploy(base, over);
  }
  if (key == "logging") {
    return merge_logging(base, over);
  }
  return merge_default(base, over);
}

Node merge_default(const Node& base, const Node& over) {
  if (base.is_mapping() && over.is_mapping()) {
    return merge_mapping(base, over, [](std::string_view, const Node& b, const Node& o) { return merge_default(b, o); });
  }
  if (base.is_sequence() && over.is_sequence()) {
    Node out = base;
    out.items.insert(out.items.end(), over.items.begin(), over.items.end());
    return out;
  }
  return over;
}

}  // namespace

Node merge_service(const Node& base, const Node& over) {
  if (!base.is_mapping() || !over.is_mapping()) {
    return over.is_null() ? base : over;
  }
  return merge_mapping(base, over, merge_service_field);
}

void merge_documents(Node& base, const Node& over) {
  if (!over.is_mapping()) {
    return;
  }
  if (!base.is_mapping()) {
    base = over;
    return;
  }
  base = merge_mapping(base, over, [](std::string_view key, const Node& b, const Node& o) {
    if (key != "services" || !b.is_mapping() || !o.is_mapping()) {
      return merge_default(b, o);
    }
    return merge_mapping(b, o, [](std::string_view, const Node& bs, const Node& os) { return merge_service(bs, os); });
  });
}

void merge_documents(Node& base, Node&& over) {
  if (!over.is_mapping()) {
    return;
  }
  if (!base.is_mapping()) {
    base = std::move(over);
    return;
  }
  if (!base.entries.empty()) {
    merge_documents(base, static_cast<const Node&>(over));
    return;
  }
  // What merge_mapping makes of an empty base: every entry of `over` (its
  // keys are unique) appended in order, as Node::set appends it.
  base.entries.reserve(over.entries.size());
  for (MapEntry& e : over.entries) {
    if (e.key_where.line == 0) {
      e.key_where = e.value.where;
    }
    base.entries.push_back(std::move(e));
  }
}

void strip_tags(Node& node) {
  if (node.tag == NodeTag::override_) {
    node.tag = NodeTag::none;
  }
  if (node.is_mapping()) {
    std::erase_if(node.entries, [](const MapEntry& e) { return e.value.tag == NodeTag::reset; });
    for (MapEntry& e : node.entries) {
      strip_tags(e.value);
    }
  } else if (node.is_sequence()) {
    std::erase_if(node.items, [](const Node& n) { return n.tag == NodeTag::reset; });
    for (Node& item : node.items) {
      strip_tags(item);
    }
  }
}

}  // namespace stackgate::compose
