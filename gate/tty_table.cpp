// Layout of the live table (see tty_table.h). Column widths are decided per
// draw from the terminal's width: SERVICE, STATE and TIME always show; LVL
// and ATT only when there is room; PROBE and REASON share what is left,
// PROBE first since it names what is being waited for.
#include "gate/tty_table.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace stackgate::gate {
namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The byte offset where column `width` starts (whole code points).
size_t byte_offset(std::string_view text, size_t width) {
  size_t cols = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (continuation(text[i])) continue;
    if (cols == width) return i;
    ++cols;
  }
  return text.size();
}

// The last `width` columns of `text`.
std::string_view tail(std::string_view text, size_t width) {
  size_t total = text_width(text);
  if (total <= width) return text;
  return text.substr(byte_offset(text, total - width));
}

std::string pad(std::string text, size_t width) {
  size_t w = text_width(text);
  if (w < width) text.append(width - w, ' ');
  return text;
}

std::string cell(std::string_view text, size_t width) { return pad(fit_width(text, width), width); }

int rank(ProbeState s) {
  switch (s) {
    case ProbeState::failed:
    case ProbeState::timed_out:
    case ProbeState::not_ready:
    case ProbeState::cancelled: return 0;
    case ProbeState::probing:
    case ProbeState::stabilizing: return 1;
    case ProbeState::waiting: return 2;
    case ProbeState::ready: return 3;
  }
  return 3;
}

// "3s", "1.5s", "0.25s": a window length as written in compose files.
std::string window_seconds(Millis d) {
  char buf[32];
  if (d.count() % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(d.count() / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(d.count()) / 1000.0);
  }
  return buf;
}

// "+23 more ready", "+25 more: 23 ready, 2 waiting".
std::string more_text(const std::vector<ProbeStatus>& hidden) {
  std::vector<std::pair<std::string, int>> counts;
  for (const ProbeStatus& r : hidden) {
    std::string state(to_string(r.state));
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == state; });
    if (it == counts.end()) {
      counts.emplace_back(state, 1);
    } else {
      ++it->second;
    }
  }
  std::string text = "+" + std::to_string(hidden.size()) + " more";
  if (counts.size() == 1) return text + " " + counts.front().first;
  text += ":";
  for (size_t i = 0; i < counts.size(); ++i) {
    text += (i == 0 ? " " : ", ") + std::to_string(counts[i].second) + " " + counts[i].first;
  }
  return text;
}

}  // namespace

size_t text_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return !continuation(c); }));
}

std::string fit_width(std::string_view text, size_t width) {
  if (text_width(text) <= width) return std::string(text);
  if (width == 0) return "";
  return std::string(text.substr(0, byte_offset(text, width - 1))) + "~";
}

std::string shorten_url(std::string_view url, size_t width) {
  if (text_width(url) <= width) return std::string(url);
  static constexpr std::string_view k_dots = "...";
  size_t scheme = url.find("://");
  size_t head_end = scheme == std::string_view::npos ? 0 : url.find_first_of("/?#", scheme + 3);
  if (head_end == std::string_view::npos) head_end = url.size();
  size_t query_start = std::min(url.find('?', head_end), url.size());
  std::string_view head = url.substr(0, head_end);
  std::string_view path = url.substr(head_end, query_start - head_end);
  std::string_view query = url.substr(query_start);
  size_t hw = text_width(head), qw = text_width(query);

  // The path gives way first: its end (the more specific part) stays.
  if (!path.empty() && hw + 1 + k_dots.size() + qw <= width) {
    size_t keep = width - hw - 1 - k_dots.size() - qw;
    return std::string(head) + "/" + std::string(k_dots) + std::string(tail(path, keep)) + std::string(query);
  }
  // Then the user (and its redacted password): the host and port say more.
  if (size_t at = head.find('@'); scheme != std::string_view::npos && at != std::string_view::npos) {
    return shorten_url(std::string(url.substr(0, scheme + 3)) + std::string(url.substr(at + 1)), width);
  }
  // Then the end of the query: its first options stay.
  std::string short_head = std::string(head) + (path.empty() ? "" : "/" + std::string(k_dots));
  if (!query.empty() && text_width(short_head) + 2 + k_dots.size() <= width) {
    size_t keep = width - text_width(short_head) - k_dots.size();
    return short_head + std::string(query.substr(0, byte_offset(query, keep))) + std::string(k_dots);
  }
  // Then the middle of the whole: the port at the end stays visible.
  if (width <= k_dots.size() + 2) return fit_width(url, width);
  size_t front = (width - k_dots.size() + 1) / 2, back = width - k_dots.size() - front;
  return std::string(url.substr(0, byte_offset(url, front))) + std::string(k_dots) + std::string(tail(url, back));
}

std::string table_seconds(Millis d) {
  if (d >= Millis{60'000}) {
    long long s = d.count() / 1000;
    return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string state_text(const ProbeStatus& row) {
  if (row.state != ProbeState::stabilizing) return std::string(to_string(row.state));
  if (row.stable_for > Millis{0}) {
    char span[32];
    double held = static_cast<double>(row.window_span.count()) / 1000.0;
    std::snprintf(span, sizeof span, held >= 100 ? "%.0f" : "%.1f", held);
    return "stable " + std::string(span) + "/" + window_seconds(row.stable_for);
  }
  return "passes " + std::to_string(row.passes) + "/" + std::to_string(row.passes_needed);
}

std::vector<TableLine> table_lines(const std::vector<ProbeStatus>& rows, const std::vector<Millis>& elapsed,
                                   size_t cols, size_t max_lines) {
  max_lines = std::max<size_t>(max_lines, 2);

  // Which rows fit: the most pressing first, then back into plan order.
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) order[i] = i;
  size_t room = rows.size() + 1 <= max_lines ? rows.size() : max_lines - 2;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank(rows[a].state) < rank(rows[b].state); });
  std::vector<size_t> shown(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(room));
  std::sort(shown.begin(), shown.end());
  std::vector<ProbeStatus> hidden;
  for (size_t i = room; i < order.size(); ++i) hidden.push_back(rows[order[i]]);
  std::sort(hidden.begin(), hidden.end(),
            [](const ProbeStatus& a, const ProbeStatus& b) { return rank(a.state) < rank(b.state); });

  // Column widths for this terminal width.
  size_t w_service = 7, w_probe_wanted = 5;
  for (size_t i : shown) {
    w_service = std::max(w_service, text_width(rows[i].service));
    w_probe_wanted = std::max(w_probe_wanted, text_width(rows[i].target.empty() ? "-" : rows[i].target));
  }
  w_service = std::min(w_service, std::max<size_t>(7, cols / 5));
  bool wide = cols >= 100;  // LVL and ATT only where they do not squeeze PROBE
  size_t fixed = w_service + 2 + k_state_width + 2 + 6 + 2 + (wide ? 5 + 5 : 0);
  size_t rest = cols > fixed ? cols - fixed : 0;
  size_t w_probe = std::min(w_probe_wanted, std::max<size_t>(std::min<size_t>(rest, 20), rest * 3 / 5));

  auto line = [&](std::string_view service, std::string_view level, std::string_view state, std::string_view time,
                  std::string_view attempts, std::string_view probe, std::string_view reason) {
    std::string text = cell(service, w_service) + "  ";
    if (wide) text += cell(level, 3) + "  ";
    text += cell(state, k_state_width) + "  " + cell(time, 6) + "  ";
    if (wide) text += cell(attempts, 3) + "  ";
    text += rest > 0 ? cell(probe, w_probe) + "  " + std::string(reason) : "";
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return fit_width(text, cols);
  };

  std::vector<TableLine> lines;
  lines.push_back({TableLine::Kind::header, ProbeState::waiting,
                   line("SERVICE", "LVL", "STATE", "TIME", "ATT", "PROBE", "REASON")});
  for (size_t i : shown) {
    const ProbeStatus& r = rows[i];
    std::string time = r.state == ProbeState::waiting ? "" : table_seconds(i < elapsed.size() ? elapsed[i] : r.elapsed);
    std::string probe = r.target.empty() ? "-" : shorten_url(r.target, w_probe);
    lines.push_back({TableLine::Kind::row, r.state,
                     line(r.service, std::to_string(r.level), state_text(r), time,
                          r.target.empty() ? "" : std::to_string(r.attempts), probe, r.last_reason)});
  }
  if (!hidden.empty()) lines.push_back({TableLine::Kind::more, hidden.front().state, fit_width(more_text(hidden), cols)});
  return lines;
}

}  // namespace stackgate::gate
