// The live table for terminals (see reporter.h for what the user sees).
//
// The status region is the bottom `m_region` rows of the screen, outside a
// scrolling margin (DECSTBM) that covers the rows above it. Opening it:
// print that many newlines (so the rows exist, scrolling the screen if the
// cursor was near the bottom), set the margin, and put the cursor back
// where the output continues. Drawing it: save the cursor, write each row
// at its absolute position, restore the cursor: one write(), so another
// process's output lands between two draws, above the region, never inside
// it. Closing it: reset the margin and clear from the cursor down, which
// removes the region wherever a resize has moved it (it is always below the
// last output line).
//
// The terminal's size is asked (TIOCGWINSZ, through SizeOf) before every
// draw rather than in a SIGWINCH handler: a handler would interrupt the
// probes' poll() calls with EINTR. A changed size closes the region and
// opens it again laid out for the new size.
#include <algorithm>
#include <atomic>
#include <ostream>

#include "gate/reporter.h"
#include "gate/tty_table.h"

namespace stackgate::gate {
namespace {

constexpr const char* k_close = "\x1b" "7\x1b[r\x1b" "8\x1b[J";
std::atomic<const char*> g_restore{""};

const char* color(ProbeState s) {
  switch (s) {
    case ProbeState::ready: return "\x1b[32m";
    case ProbeState::probing:
    case ProbeState::stabilizing: return "\x1b[33m";
    case ProbeState::waiting: return "\x1b[2m";
    default: return "\x1b[31m";
  }
}

std::string painted(const TableLine& line) {
  switch (line.kind) {
    case TableLine::Kind::header: return "\x1b[1m" + line.text + "\x1b[0m";
    case TableLine::Kind::more: return "\x1b[2m" + line.text + "\x1b[0m";
    case TableLine::Kind::row: break;
  }
  return std::string(color(line.state)) + line.text + "\x1b[0m";
}

// Lines are kept one column short of the width: a character in the last
// column leaves some terminals about to wrap, and the next newline would
// then leave an empty line.
size_t usable(TermSize size) { return size.cols > 1 ? static_cast<size_t>(size.cols - 1) : 0; }

}  // namespace

TtyReporter::TtyReporter(std::ostream& out, std::string what, SizeOf size, Millis min_redraw, SteadyNow now)
    : m_out(out), m_what(std::move(what)), m_size_of(std::move(size)), m_min_redraw(min_redraw), m_now(std::move(now)) {
  if (!m_now) m_now = [] { return std::chrono::steady_clock::now(); };
  if (!m_size_of) m_size_of = [] { return TermSize{}; };
}

TtyReporter::~TtyReporter() {
  // An exception between run_started and finished: give the screen back.
  if (m_region > 0) m_out << close_region() << std::flush;
}

const char* TtyReporter::restore_sequence() { return g_restore.load(); }

void TtyReporter::run_started(const std::vector<ProbeStatus>& rows) {
  m_rows = rows;
  m_started.assign(rows.size(), {});
  redraw(true);
}

void TtyReporter::update(const ProbeStatus& probe) {
  for (ProbeStatus& row : m_rows) {
    if (row.service == probe.service && row.index == probe.index) {
      row = probe;
      return;
    }
  }
}

void TtyReporter::level_started(int level, const std::vector<std::string>&) {
  auto now = m_now();
  for (size_t i = 0; i < m_rows.size(); ++i) {
    if (m_rows[i].level != level) continue;
    m_started[i] = now;
    m_rows[i].state = m_rows[i].target.empty() ? ProbeState::ready : ProbeState::probing;
  }
  redraw(false);
}

void TtyReporter::attempt_started(const ProbeStatus& probe) {
  update(probe);
  redraw(false);
}

void TtyReporter::attempt_finished(const ProbeStatus& probe, const probes::Outcome& outcome, Millis) {
  update(probe);
  if (outcome.verdict == probes::Verdict::fatal) {
    log(probe.service + " " + probe.target + " failed: " + outcome.reason, ProbeState::failed);
  }
  redraw(false);
}

void TtyReporter::window_progress(const ProbeStatus& probe) {
  update(probe);
  redraw(false);
}

void TtyReporter::service_ready(const std::string& service, int, Millis elapsed) {
  log(service + " ready after " + format_seconds(elapsed), ProbeState::ready);
  redraw(false);
}

void TtyReporter::level_released(int level, const std::vector<std::string>& services, Millis elapsed) {
  std::string names;
  for (const std::string& s : services) names += (names.empty() ? "" : ", ") + s;
  log("level " + std::to_string(level) + " released after " + format_seconds(elapsed) + ": " + names,
      ProbeState::ready);
}

void TtyReporter::tick() { redraw(false); }

void TtyReporter::finished(const RunResult& result) {
  m_rows = result.probes;
  std::string out = close_region();
  m_finished = true;
  TermSize size = m_size_of();
  std::vector<Millis> elapsed;
  for (const ProbeStatus& r : m_rows) elapsed.push_back(r.elapsed);
  size_t cols = size.cols > 0 ? usable(size) : 200;
  for (const TableLine& line : table_lines(m_rows, elapsed, cols, m_rows.size() + 1)) out += painted(line) + "\n";
  out += summary_text(result, m_what);
  m_out << out << std::flush;
}

// Above the region: the cursor is always in the scrolling rows.
void TtyReporter::log(const std::string& line, ProbeState colour) {
  if (m_finished) return;
  TermSize size = m_size_of();
  std::string text = size.cols > 0 ? fit_width(line, usable(size)) : line;
  m_out << color(colour) << text << "\x1b[0m\n" << std::flush;
}

Millis TtyReporter::elapsed_of(size_t i) const {
  const ProbeStatus& r = m_rows[i];
  bool live = r.state == ProbeState::probing || r.state == ProbeState::stabilizing;
  if (live && m_started[i] != std::chrono::steady_clock::time_point{}) {
    return std::chrono::duration_cast<Millis>(m_now() - m_started[i]);
  }
  return r.elapsed;
}

std::string TtyReporter::open_region(TermSize size) {
  m_size = size;
  m_region = 0;
  // Too small for a table and some output above it: log lines only.
  if (size.rows < 8 || size.cols < 24 || m_rows.empty()) return "";
  int cap = size.rows - 4;
  m_region = std::min(static_cast<int>(m_rows.size()) + 1, cap);
  g_restore = k_close;
  std::string n = std::to_string(m_region);
  return std::string(static_cast<size_t>(m_region), '\n') + "\x1b" "7\x1b[1;" + std::to_string(size.rows - m_region) +
         "r\x1b" "8\x1b[" + n + "A";
}

std::string TtyReporter::close_region() {
  if (m_region == 0) return "";
  m_region = 0;
  g_restore = "";
  return k_close;
}

std::string TtyReporter::region_text() {
  std::vector<Millis> elapsed;
  for (size_t i = 0; i < m_rows.size(); ++i) elapsed.push_back(elapsed_of(i));
  std::vector<TableLine> lines = table_lines(m_rows, elapsed, usable(m_size), static_cast<size_t>(m_region));
  std::string out = "\x1b" "7";
  int top = m_size.rows - m_region + 1;
  for (int i = 0; i < m_region; ++i) {
    out += "\x1b[" + std::to_string(top + i) + ";1H\x1b[2K";
    if (static_cast<size_t>(i) < lines.size()) out += painted(lines[static_cast<size_t>(i)]);
  }
  return out + "\x1b" "8";
}

void TtyReporter::redraw(bool force) {
  if (m_finished) return;
  auto now = m_now();
  if (!force && now - m_last_draw < m_min_redraw) return;
  m_last_draw = now;
  TermSize size = m_size_of();
  std::string out;
  if (size.cols != m_size.cols || size.rows != m_size.rows || (m_region == 0 && force)) {
    out += close_region();
    out += open_region(size);
  }
  if (m_region > 0) out += region_text();
  if (!out.empty()) m_out << out << std::flush;
}

}  // namespace stackgate::gate
