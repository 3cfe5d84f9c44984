// yaml-cpp -> Node. See yaml_reader.h for what is resolved here.
#include "compose/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <istream>
#include <optional>
#include <set>
#include <streambuf>

#include "util/cancel.h"
#include "util/sanitize.h"

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
    if (m_too_big || util::cancel_requested()) {
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

// The text as a stream for yaml-cpp, handed out in small pieces so that a
// cancellation (a signal while a large file loads) ends the parse within
// milliseconds: the stream then simply ends.
class CancellableText : public std::streambuf {
 public:
  explicit CancellableText(std::string_view text) : m_text(text) {}

 protected:
  int_type underflow() override {
    if (m_offset >= m_text.size() || util::cancel_requested()) {
      return traits_type::eof();
    }
    size_t n = std::min(k_piece, m_text.size() - m_offset);
    char* begin = const_cast<char*>(m_text.data() + m_offset);
    setg(begin, begin, begin + n);
    m_offset += n;
    return traits_type::to_int_type(*begin);
  }

 private:
  static constexpr size_t k_piece = 16 * 1024;
  std::string_view m_text;
  size_t m_offset = 0;
};

// yaml-cpp 0.7's LoadAll never returns on some invalid documents (a file
// that is just ","): the parser hands out the same empty document again and
// again without consuming anything, and LoadAll collects them until memory
// runs out (fixed upstream after 0.7: LoadAll stops at the first empty
// document). Found by tests/fuzz/compose_loader_fuzz. This pass sees only
// events, no nodes, and reports where the parser got stuck: a document that
// starts where the previous one started.
class StuckParser final : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> stuck_at;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (m_previous && m_previous->pos == mark.pos) stuck_at = mark;
    m_previous = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::optional<YAML::Mark> m_previous;
};

// Where yaml-cpp would loop forever on `text`, if it would (may throw
// YAML::ParserException like LoadAll).
std::optional<YAML::Mark> find_stuck_parser(std::string_view text) {
  CancellableText buffer(text);
  std::istream in(&buffer);
  YAML::Parser parser(in);
  StuckParser events;
  while (!events.stuck_at && parser.HandleNextDocument(events)) {
  }
  return events.stuck_at;
}

// go-yaml, and so Docker Compose, rejects a file that is not UTF-8; so do
// we, before a stray byte can reach a name, a reason or a JSON report.
std::optional<util::ConfigError> check_utf8(std::string_view text, const std::string& file) {
  size_t bad = 0;
  if (util::valid_utf8(text, &bad)) {
    return std::nullopt;
  }
  size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
  line_start = line_start == std::string_view::npos || bad == 0 ? 0 : line_start + 1;
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(line_start), '\n'));
  int col = 1 + static_cast<int>(bad - line_start);
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
  return util::ConfigError{SourceLocation{file, line, col},
                           std::string("invalid UTF-8 (byte ") + byte + "): compose files must be UTF-8"};
}

}  // namespace

YamlDocuments read_yaml(std::string_view text, const std::string& file) {
  YamlDocuments out;
  if (auto bad = check_utf8(text, file)) {
    out.errors.push_back(std::move(*bad));
    return out;
  }
  std::vector<YAML::Node> docs;
  try {
    if (auto stuck = find_stuck_parser(text)) {
      SourceLocation where{file, stuck->line + 1, stuck->column + 1};
      out.errors.push_back(util::ConfigError{where, "invalid YAML: cannot parse past this point"});
      return out;
    }
    CancellableText buffer(text);
    std::istream in(&buffer);
    docs = YAML::LoadAll(in);
  } catch (const YAML::ParserException& e) {
    SourceLocation where{file, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0};
    out.errors.push_back(util::ConfigError{where, "invalid YAML: " + e.msg});
    return out;
  } catch (const YAML::Exception& e) {
    out.errors.push_back(util::ConfigError{SourceLocation{file, 0, 0}, "invalid YAML: " + e.msg});
    return out;
  }
  if (util::cancel_requested()) {
    // The process exits right after a signal: the tree is left to the OS,
    // since freeing a large one takes longer than a signal may wait.
    (void)new std::vector<YAML::Node>(std::move(docs));
    return out;
  }
  Converter converter(file, out.errors);
  for (const YAML::Node& doc : docs) {
    if (util::cancel_requested()) {
      break;
    }
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
