// yaml-cpp -> Node. See yaml_reader.h for what is resolved here.
#include "compose/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace stackgate::compose {

namespace {

// Compose files have hundreds or a few thousand nodes; a document that
// expands past this through aliases is an alias bomb, not a stack.
constexpr size_t k_max_nodes = 250'000;
constexpr int k_max_depth = 500;

class Converter {
 public:
  Converter(const std::string& file, util::ConfigErrors& errors) : m_file(file), m_errors(errors) {}

  Node convert(const YAML::Node& y, int depth) {
    Node out;
    if (m_too_big) {
      return out;
    }
    out.where = location(y.Mark());
    if (++m_nodes > k_max_nodes || depth > k_max_depth) {
      too_big(out.where, depth > k_max_depth);
      return out;
    }
    const std::string& tag = y.Tag();
    if (tag == "!reset") {
      out.tag = NodeTag::reset;
    } else if (tag == "!override") {
      out.tag = NodeTag::override_;
    }
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = NodeKind::null;
        break;
      case YAML::NodeType::Scalar:
        out.kind = NodeKind::scalar;
        out.value = y.Scalar();
        out.quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
        if (out.tag == NodeTag::reset && out.value.empty() && !out.quoted) {
          out.kind = NodeKind::null;
        }
        break;
      case YAML::NodeType::Sequence:
        out.kind = NodeKind::sequence;
        for (const YAML::Node& item : y) {
          out.items.push_back(convert(item, depth + 1));
        }
        break;
      case YAML::NodeType::Map:
        out.kind = NodeKind::mapping;
        convert_mapping(y, out, depth);
        break;
    }
    return out;
  }

 private:
  static bool is_merge_key(const YAML::Node& key) {
    return key.IsScalar() && key.Scalar() == "<<" && (key.Tag() == "?" || key.Tag() == "tag:yaml.org,2002:merge");
  }

  void convert_mapping(const YAML::Node& y, Node& out, int depth) {
    // Explicit keys first, so merged entries never shadow them.
    std::set<std::string> explicit_keys;
    for (const auto& kv : y) {
      if (!is_merge_key(kv.first) && kv.first.IsScalar()) {
        explicit_keys.insert(kv.first.Scalar());
      }
    }
    std::set<std::string> seen;
    for (const auto& kv : y) {
      const YAML::Node& key = kv.first;
      SourceLocation key_where = location(key.Mark());
      if (is_merge_key(key)) {
        merge_into(out, convert(kv.second, depth + 1), explicit_keys, seen);
        continue;
      }
      if (!key.IsScalar()) {
        error(key_where, "mapping keys must be strings");
        continue;
      }
      const std::string& name = key.Scalar();
      if (!seen.insert(name).second) {
        const Node* first = nullptr;
        for (const MapEntry& e : out.entries) {
          if (e.key == name) {
            first = &e.value;
          }
        }
        std::string at = first && first->where.line > 0 ? " (first defined at line " + std::to_string(first->where.line) + ")" : "";
        error(key_where, "mapping key \"" + name + "\" is defined twice" + at);
        continue;
      }
      Node value = convert(kv.second, depth + 1);
      if (value.is_null() && value.tag == NodeTag::none && value.where.line != key_where.line) {
        value.where = key_where;  // `key:` with nothing after it: point at the key
      }
      out.entries.push_back(MapEntry{name, key_where, std::move(value)});
    }
  }

  // `<<: *a` or `<<: [*a, *b]`: earlier sources win, explicit keys win.
  void merge_into(Node& out, const Node& source, const std::set<std::string>& explicit_keys, std::set<std::string>& seen) {
    std::vector<const Node*> sources;
    if (source.is_mapping()) {
      sources.push_back(&source);
    } else if (source.is_sequence()) {
      for (const Node& item : source.items) {
        if (!item.is_mapping()) {
          error(item.where, "merge key << takes a mapping or a list of mappings, not a " + std::string(kind_name(item)));
          continue;
        }
        sources.push_back(&item);
      }
    } else {
      error(source.where, "merge key << takes a mapping or a list of mappings, not a " + std::string(kind_name(source)));
      return;
    }
    for (const Node* s : sources) {
      for (const MapEntry& e : s->entries) {
        if (explicit_keys.count(e.key) || !seen.insert(e.key).second) {
          continue;
        }
        // Copies count against the budget too: nested merges multiply.
        m_nodes += count_nodes(e.value);
        if (m_nodes > k_max_nodes) {
          too_big(out.where, false);
          return;
        }
        out.entries.push_back(e);
      }
    }
  }

  static size_t count_nodes(const Node& n) {
    size_t count = 1;
    for (const Node& item : n.items) {
      count += count_nodes(item);
    }
    for (const MapEntry& e : n.entries) {
      count += count_nodes(e.value);
    }
    return count;
  }

  void too_big(const SourceLocation& where, bool too_deep) {
    if (!m_too_big) {
      error(where, too_deep ? "YAML nesting is too deep" : "document is too large once aliases are expanded (alias bomb?)");
      m_too_big = true;
    }
  }

  SourceLocation location(const YAML::Mark& mark) const {
    if (mark.line < 0) {
      return SourceLocation{m_file, 0, 0};
    }
    return SourceLocation{m_file, mark.line + 1, mark.column + 1};
  }

  void error(SourceLocation where, std::string message) {
    if (m_too_big) {
      return;  // everything after that is noise
    }
    m_errors.push_back(util::ConfigError{std::move(where), std::move(message)});
  }

  const std::string& m_file;
  util::ConfigErrors& m_errors;
  size_t m_nodes = 0;
  bool m_too_big = false;
};

}  // namespace

YamlDocuments read_yaml(std::string_view text, const std::string& file) {
  YamlDocuments out;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    SourceLocation where{file, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0};
    out.errors.push_back(util::ConfigError{where, "invalid YAML: " + e.msg});
    return out;
  } catch (const YAML::Exception& e) {
    out.errors.push_back(util::ConfigError{SourceLocation{file, 0, 0}, "invalid YAML: " + e.msg});
    return out;
  }
  Converter converter(file, out.errors);
  for (const YAML::Node& doc : docs) {
    if (doc.IsNull()) {
      continue;
    }
    try {
      out.documents.push_back(converter.convert(doc, 0));
    } catch (const YAML::Exception& e) {
      out.errors.push_back(util::ConfigError{SourceLocation{file, 0, 0}, "invalid YAML: " + e.msg});
    }
  }
  return out;
}

}  // namespace stackgate::compose
