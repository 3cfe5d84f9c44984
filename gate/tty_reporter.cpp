// The live table for terminals. The table is redrawn in place: move the
// cursor up over the lines drawn last time, then rewrite each line after
// clearing it. Redraws are rate-limited (min_redraw) so a probe refused every
// 20 ms does not flood the terminal; the final state is always drawn.
#include <algorithm>
#include <ostream>

#include "gate/reporter.h"
#include "util/duration.h"

namespace stackgate::gate {
namespace {

const char* color(ProbeState s) {
  switch (s) {
    case ProbeState::ready: return "\x1b[32m";
    case ProbeState::probing:
    case ProbeState::stabilizing: return "\x1b[33m";
    case ProbeState::waiting: return "\x1b[2m";
    default: return "\x1b[31m";
  }
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// Cut to `width` visible characters (the text has no escapes).
std::string fit(std::string s, int width) {
  if (width > 3 && s.size() > static_cast<size_t>(width)) s = s.substr(0, static_cast<size_t>(width) - 1) + "~";
  return s;
}

}  // namespace

TtyReporter::TtyReporter(std::ostream& out, std::string what, Millis min_redraw, int width, SteadyNow now)
    : m_out(out), m_what(std::move(what)), m_min_redraw(min_redraw), m_width(width), m_now(std::move(now)) {
  if (!m_now) m_now = [] { return std::chrono::steady_clock::now(); };
}

void TtyReporter::run_started(const std::vector<ProbeStatus>& rows) {
  m_rows = rows;
  m_started.assign(rows.size(), {});
  redraw(true);
}

void TtyReporter::update(const ProbeStatus& probe) {
  for (ProbeStatus& row : m_rows) {
    if (row.service == probe.service && row.index == probe.index) {
      row = probe;
      m_dirty = true;
      return;
    }
  }
}

void TtyReporter::level_started(int level, const std::vector<std::string>& services) {
  auto now = m_now();
  for (size_t i = 0; i < m_rows.size(); ++i) {
    if (m_rows[i].level != level) continue;
    m_started[i] = now;
    m_rows[i].state = m_rows[i].target.empty() ? ProbeState::ready : ProbeState::probing;
  }
  m_dirty = true;
  redraw(false);
}

void TtyReporter::attempt_started(const ProbeStatus& probe) {
  update(probe);
  redraw(false);
}

void TtyReporter::attempt_finished(const ProbeStatus& probe, const probes::Outcome&, Millis) {
  update(probe);
  redraw(false);
}

void TtyReporter::window_progress(const ProbeStatus& probe) {
  update(probe);
  redraw(false);
}

void TtyReporter::tick() { redraw(false); }

void TtyReporter::finished(const RunResult& result) {
  m_rows = result.probes;
  redraw(true);
  m_out << summary_text(result, m_what) << std::flush;
}

void TtyReporter::redraw(bool force) {
  auto now = m_now();
  if (!force && now - m_last_draw < m_min_redraw) return;
  m_last_draw = now;

  size_t w_service = 7, w_probe = 5;
  for (const ProbeStatus& r : m_rows) {
    w_service = std::max(w_service, r.service.size());
    w_probe = std::min<size_t>(std::max(w_probe, r.target.size()), 48);
  }
  std::vector<std::pair<std::string, ProbeState>> lines;
  lines.emplace_back(pad("SERVICE", w_service) + "  LVL  " + pad("PROBE", w_probe) + "  " + pad("STATE", 11) +
                         "  ATT  ELAPSED  REASON",
                     ProbeState::waiting);
  for (size_t i = 0; i < m_rows.size(); ++i) {
    const ProbeStatus& r = m_rows[i];
    Millis elapsed = r.elapsed;
    bool live = r.state == ProbeState::probing || r.state == ProbeState::stabilizing;
    if (live && m_started[i] != std::chrono::steady_clock::time_point{}) {
      elapsed = std::chrono::duration_cast<Millis>(now - m_started[i]);
    }
    std::string state(to_string(r.state));
    if (r.state == ProbeState::stabilizing) state += " " + std::to_string(r.passes) + "/" + std::to_string(r.passes_needed);
    std::string target = r.target.empty() ? "-" : r.target;
    if (target.size() > w_probe) target = fit(target, static_cast<int>(w_probe));
    std::string line = pad(r.service, w_service) + "  " + pad(std::to_string(r.level), 3) + "  " + pad(target, w_probe) +
                       "  " + pad(state, 11) + "  " + pad(std::to_string(r.attempts), 3) + "  " +
                       pad(r.state == ProbeState::waiting ? "" : format_seconds(elapsed), 7) + "  " + r.last_reason;
    lines.emplace_back(line, r.state);
  }

  std::string out;
  if (m_drawn_lines > 0) out += "\x1b[" + std::to_string(m_drawn_lines) + "A";
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string text = fit(lines[i].first, m_width > 0 ? m_width - 1 : 0);
    out += "\r\x1b[2K";
    if (i == 0) {
      out += "\x1b[1m" + text + "\x1b[0m";
    } else {
      out += std::string(color(lines[i].second)) + text + "\x1b[0m";
    }
    out += "\n";
  }
  m_drawn_lines = static_cast<int>(lines.size());
  m_dirty = false;
  m_out << out << std::flush;
}

}  // namespace stackgate::gate
