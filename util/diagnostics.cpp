#include "util/diagnostics.h"

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "util/redact.h"
#include "util/sanitize.h"

namespace stackgate::util {

namespace {

// The lines of each file a diagnostic has quoted, read once: lint on a large
// project prints thousands of findings from the same file.
struct SourceText {
  std::string text;
  std::vector<size_t> line_starts;  // offset of each line's first byte

  explicit SourceText(std::string t) : text(std::move(t)) {
    line_starts.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts.push_back(i + 1);
    }
  }
  std::optional<std::string_view> line(int n) const {
    if (n <= 0 || static_cast<size_t>(n) > line_starts.size()) return std::nullopt;
    size_t start = line_starts[static_cast<size_t>(n) - 1];
    if (start >= text.size() && static_cast<size_t>(n) == line_starts.size()) return std::nullopt;  // after the last newline
    size_t end = text.find('\n', start);
    std::string_view out = std::string_view(text).substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
    return out;
  }
};

std::mutex g_sources_mutex;
std::map<std::string, std::shared_ptr<const SourceText>>& sources() {
  static auto* cache = new std::map<std::string, std::shared_ptr<const SourceText>>;
  return *cache;
}

std::shared_ptr<const SourceText> source(const std::string& file) {
  std::lock_guard lock(g_sources_mutex);
  auto& cache = sources();
  if (auto it = cache.find(file); it != cache.end()) return it->second;
  std::shared_ptr<const SourceText> loaded;
  std::ifstream in(file, std::ios::binary);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    loaded = std::make_shared<const SourceText>(text.str());
  }
  cache[file] = loaded;  // a file that cannot be read is not tried again
  return loaded;
}

// Code points in `s` (valid UTF-8), for placing the caret.
size_t width(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

void remember_source(const std::string& name, std::string text) {
  std::lock_guard lock(g_sources_mutex);
  sources()[name] = std::make_shared<const SourceText>(std::move(text));
}

std::string format_location(const SourceLocation& where) {
  if (where.file.empty()) return "";
  std::string out = sanitize(where.file);
  if (where.line > 0) {
    out += ":" + std::to_string(where.line);
    if (where.col > 0) out += ":" + std::to_string(where.col);
  }
  return out;
}

const char* to_string(Severity s) { return s == Severity::warning ? "warning" : "error"; }

std::string Diagnostic::format() const {
  std::string out = format_location(where);
  if (!out.empty()) out += ": ";
  out += std::string(to_string(severity)) + ": " + sanitize(redact_text(message));
  return out;
}

std::string Diagnostic::format_with_source() const {
  std::string out = format();
  if (where.file.empty() || where.line <= 0) return out;
  std::shared_ptr<const SourceText> text = source(where.file);
  if (!text) return out;
  std::optional<std::string_view> line = text->line(where.line);
  if (!line) return out;
  // The line is foreign bytes: sanitised, so the caret is placed by what is
  // printed before the column, not by bytes.
  // Secret-looking values are masked first; masking starts at the value,
  // so the text before a caret on the key or the value is unchanged.
  std::string shown = redact_line(*line);
  out += "\n" + sanitize(shown);
  if (where.col > 0) {
    size_t col = std::min(shown.size(), static_cast<size_t>(where.col - 1));
    out += "\n" + std::string(width(sanitize(std::string_view(shown).substr(0, col))), ' ') + "^";
  }
  return out;
}

}  // namespace stackgate::util
