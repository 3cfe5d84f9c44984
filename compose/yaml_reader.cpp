// yaml-cpp -> Node. See yaml_reader.h for what is resolved here.
#include "compose/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <istream>
#include <memory>
#include <optional>
#include <set>
#include <streambuf>
#include <string_view>

#include "util/cancel.h"
#include "util/sanitize.h"

namespace stackgate::compose {

namespace {

// Compose files have hundreds or a few thousand nodes; a document that
// expands past this through aliases is an alias bomb, not a stack.
constexpr size_t k_max_nodes = 250'000;
constexpr int k_max_depth = 500;

// What yaml-cpp's NodeBuilder would make of the events, without its
// shared_ptr bookkeeping: a plain graph in an arena. An alias is a second
// pointer to the anchored node, as in YAML::Node (so an alias inside its own
// anchor is a cycle here too), and the Converter below walks this graph
// exactly as it walked YAML::Node. Built in the same pass that watches for
// a stuck parser, so each file is parsed once.
struct RawNode {
  YAML::NodeType::value type = YAML::NodeType::Null;
  std::string tag;
  std::string value;              // scalar
  YAML::Mark mark;
  std::vector<RawNode*> items;    // sequence; mapping: key, value, key, value, ...
};

class Converter {
 public:
  Converter(const std::string& file, util::ConfigErrors& errors) : m_file(file), m_errors(errors) {}

  Node convert(const RawNode& y, int depth) {
    Node out;
    if (m_too_big || util::cancel_requested()) {
      return out;
    }
    out.where = location(y.mark);
    if (++m_nodes > k_max_nodes || depth > k_max_depth) {
      too_big(out.where, depth > k_max_depth);
      return out;
    }
    const std::string& tag = y.tag;
    if (tag == "!reset") {
      out.tag = NodeTag::reset;
    } else if (tag == "!override") {
      out.tag = NodeTag::override_;
    }
    switch (y.type) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = NodeKind::null;
        break;
      case YAML::NodeType::Scalar:
        out.kind = NodeKind::scalar;
        out.value = y.value;
        out.quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
        if (out.tag == NodeTag::reset && out.value.empty() && !out.quoted) {
          out.kind = NodeKind::null;
        }
        break;
      case YAML::NodeType::Sequence:
        out.kind = NodeKind::sequence;
        out.items.reserve(y.items.size());
        for (const RawNode* item : y.items) {
          out.items.push_back(convert(*item, depth + 1));
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
  static bool is_merge_key(const RawNode& key) {
    return key.type == YAML::NodeType::Scalar && key.value == "<<" &&
           (key.tag == "?" || key.tag == "tag:yaml.org,2002:merge");
  }

  // The keys of the mapping being built: a scan of its entries while it is
  // small (nearly every mapping of a compose file), a set once it is large.
  // A std::set per mapping, holding a copy of every key, was a good part of
  // converting a large file.
  class KeySet {
   public:
    explicit KeySet(const std::vector<MapEntry>& entries) : m_entries(entries) {}
    bool contains(const std::string& key) const {
      if (m_large) return m_set.contains(key);
      return std::any_of(m_entries.begin(), m_entries.end(), [&](const MapEntry& e) { return e.key == key; });
    }
    /// After an entry was appended.
    void added() {
      if (m_large) {
        m_set.insert(m_entries.back().key);
      } else if (m_entries.size() > k_scan_limit) {
        for (const MapEntry& e : m_entries) m_set.insert(e.key);
        m_large = true;
      }
    }

   private:
    static constexpr size_t k_scan_limit = 16;
    const std::vector<MapEntry>& m_entries;
    std::set<std::string> m_set;
    bool m_large = false;
  };

  void convert_mapping(const RawNode& y, Node& out, int depth) {
    // Explicit keys first, so merged entries never shadow them. Only a
    // mapping with a merge key needs them (sorted, viewing the raw keys).
    std::vector<std::string_view> explicit_keys;
    bool has_merge = false;
    for (size_t i = 0; i + 1 < y.items.size(); i += 2) has_merge = has_merge || is_merge_key(*y.items[i]);
    if (has_merge) {
      for (size_t i = 0; i + 1 < y.items.size(); i += 2) {
        if (!is_merge_key(*y.items[i]) && y.items[i]->type == YAML::NodeType::Scalar) {
          explicit_keys.push_back(y.items[i]->value);
        }
      }
      std::sort(explicit_keys.begin(), explicit_keys.end());
    }
    KeySet seen(out.entries);
    out.entries.reserve(y.items.size() / 2);
    for (size_t i = 0; i + 1 < y.items.size(); i += 2) {
      const RawNode& key = *y.items[i];
      const RawNode& item = *y.items[i + 1];
      SourceLocation key_where = location(key.mark);
      if (is_merge_key(key)) {
        merge_into(out, convert(item, depth + 1), explicit_keys, seen);
        continue;
      }
      if (key.type != YAML::NodeType::Scalar) {
        error(key_where, "mapping keys must be strings");
        continue;
      }
      const std::string& name = key.value;
      if (seen.contains(name)) {
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
      Node value = convert(item, depth + 1);
      if (value.is_null() && value.tag == NodeTag::none && value.where.line != key_where.line) {
        value.where = key_where;  // `key:` with nothing after it: point at the key
      }
      out.entries.push_back(MapEntry{name, key_where, std::move(value)});
      seen.added();
    }
  }

  // `<<: *a` or `<<: [*a, *b]`: earlier sources win, explicit keys win.
  void merge_into(Node& out, const Node& source, const std::vector<std::string_view>& explicit_keys, KeySet& seen) {
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
        if (std::binary_search(explicit_keys.begin(), explicit_keys.end(), std::string_view(e.key)) ||
            seen.contains(e.key)) {
          continue;
        }
        // Copies count against the budget too: nested merges multiply.
        m_nodes += count_nodes(e.value);
        if (m_nodes > k_max_nodes) {
          too_big(out.where, false);
          return;
        }
        out.entries.push_back(e);
        seen.added();
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

// The events of every document, built into RawNode graphs as NodeBuilder
// builds YAML::Node (anchors registered before their children, so an alias
// inside its own anchor points back at it).
//
// yaml-cpp 0.7's LoadAll never returns on some invalid documents (a file
// that is just ","): the parser hands out the same empty document again and
// again without consuming anything, and LoadAll collects them until memory
// runs out (fixed upstream after 0.7: LoadAll stops at the first empty
// document). Found by tests/fuzz/compose_loader_fuzz. This builder notes
// where the parser got stuck, a document that starts where the previous one
// started, and the caller stops there.
class GraphBuilder final : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> stuck_at;
  std::vector<const RawNode*> roots;  // one per document with content

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (m_previous && m_previous->pos == mark.pos) stuck_at = mark;
    m_previous = mark;
    m_anchors.assign(1, nullptr);  // anchors are numbered from 1 in each document
    m_stack.clear();
    m_root = nullptr;
  }
  void OnDocumentEnd() override {
    if (m_root && m_root->type != YAML::NodeType::Null) roots.push_back(m_root);
  }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { add(make(mark, anchor, YAML::NodeType::Null)); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    add(anchor < m_anchors.size() && m_anchors[anchor] ? m_anchors[anchor] : &m_arena.emplace_back());
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    RawNode* node = make(mark, anchor, YAML::NodeType::Scalar);
    node->tag = tag;
    node->value = value;
    add(node);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, tag, anchor, YAML::NodeType::Sequence);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, tag, anchor, YAML::NodeType::Map);
  }
  void OnMapEnd() override { close(); }

 private:
  RawNode* make(const YAML::Mark& mark, YAML::anchor_t anchor, YAML::NodeType::value type) {
    RawNode* node = &m_arena.emplace_back();
    node->type = type;
    node->mark = mark;
    if (anchor) {
      if (m_anchors.size() <= anchor) m_anchors.resize(anchor + 1, nullptr);
      m_anchors[anchor] = node;
    }
    return node;
  }
  void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, YAML::NodeType::value type) {
    RawNode* node = make(mark, anchor, type);
    node->tag = tag;
    m_stack.push_back(node);
  }
  void close() {
    if (m_stack.empty()) return;
    RawNode* node = m_stack.back();
    m_stack.pop_back();
    add(node);
  }
  void add(RawNode* node) {
    if (m_stack.empty()) {
      m_root = node;
    } else {
      m_stack.back()->items.push_back(node);
    }
  }

  std::deque<RawNode> m_arena;  // every node of every document; stable addresses
  std::vector<RawNode*> m_anchors;
  std::vector<RawNode*> m_stack;  // open sequences and mappings
  RawNode* m_root = nullptr;
  std::optional<YAML::Mark> m_previous;
};

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
  // On the heap: after a signal it is left to the OS (see below).
  auto graph = std::make_unique<GraphBuilder>();
  try {
    CancellableText buffer(text);
    std::istream in(&buffer);
    YAML::Parser parser(in);
    while (!graph->stuck_at && parser.HandleNextDocument(*graph)) {
    }
    if (graph->stuck_at) {
      SourceLocation where{file, graph->stuck_at->line + 1, graph->stuck_at->column + 1};
      out.errors.push_back(util::ConfigError{where, "invalid YAML: cannot parse past this point"});
      return out;
    }
  } catch (const YAML::ParserException& e) {
    SourceLocation where{file, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0};
    out.errors.push_back(util::ConfigError{where, "invalid YAML: " + e.msg});
    return out;
  } catch (const YAML::Exception& e) {
    out.errors.push_back(util::ConfigError{SourceLocation{file, 0, 0}, "invalid YAML: " + e.msg});
    return out;
  }
  if (util::cancel_requested()) {
    // The process exits right after a signal: the graph is left to the OS,
    // since freeing a large one takes longer than a signal may wait.
    (void)graph.release();
    return out;
  }
  Converter converter(file, out.errors);
  for (const RawNode* doc : graph->roots) {
    if (util::cancel_requested()) {
      break;
    }
    out.documents.push_back(converter.convert(*doc, 0));
  }
  return out;
}

}  // namespace stackgate::compose
