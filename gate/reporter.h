// Reporter: everything the user sees while a run is in progress, behind an
// interface (ninja's Status) so the scheduler never prints. Every call comes
// from the scheduler's thread, in order; implementations need no locking.
//
// Implementations (reporter.cpp, tty_reporter.cpp):
//   LineReporter   one line per state change, for logs and pipes
//   JsonReporter   one JSON object per event (--log-format json)
//   TtyReporter    log lines above a live status region (tty_table.h lays it out)
// Targets in ProbeStatus are already redacted; reporters print nothing else
// that could hold a secret.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gate/status.h"
#include "probes/probe.h"

namespace stackgate::gate {

class Reporter {
 public:
  virtual ~Reporter() = default;

  /// Every row of the plan, before the first attempt.
  virtual void run_started(const std::vector<ProbeStatus>& rows) {}
  virtual void level_started(int level, const std::vector<std::string>& services) {}
  virtual void attempt_started(const ProbeStatus& probe) {}
  /// After every attempt; `probe` already reflects the outcome.
  virtual void attempt_finished(const ProbeStatus& probe, const probes::Outcome& outcome, Millis took) {}
  /// A pass inside the stability window (passes/passes_needed, window_span).
  virtual void window_progress(const ProbeStatus& probe) {}
  virtual void service_ready(const std::string& service, int level, Millis elapsed) {}
  virtual void level_released(int level, const std::vector<std::string>& services, Millis elapsed) {}
  virtual void finished(const RunResult& result) {}
  /// Called on every turn of the scheduler's loop; for redraws.
  virtual void tick() {}
  /// How often tick() wants to be called while nothing else happens.
  virtual std::optional<Millis> tick_interval() const { return std::nullopt; }
};

// Fans every event out to several reporters.
class MultiReporter final : public Reporter {
 public:
  void add(Reporter* r) { m_reporters.push_back(r); }
  void run_started(const std::vector<ProbeStatus>& rows) override;
  void level_started(int level, const std::vector<std::string>& services) override;
  void attempt_started(const ProbeStatus& probe) override;
  void attempt_finished(const ProbeStatus& probe, const probes::Outcome& outcome, Millis took) override;
  void window_progress(const ProbeStatus& probe) override;
  void service_ready(const std::string& service, int level, Millis elapsed) override;
  void level_released(int level, const std::vector<std::string>& services, Millis elapsed) override;
  void finished(const RunResult& result) override;
  void tick() override;
  std::optional<Millis> tick_interval() const override;

 private:
  std::vector<Reporter*> m_reporters;
};

// Wall-clock stamp for lines: "12:00:01.234" (local time). Injected in tests.
using Timestamp = std::function<std::string()>;
Timestamp local_timestamp();

// "0.05s", "1.25s", "2m5s": elapsed times in lines and tables.
std::string format_seconds(Millis d);

// One line per state change:
//   12:00:01.234 db postgres://app:***@db:5432/app not_yet (1 attempts, 0.05s): connection refused
// A "state change" is a new verdict or reason, a window pass, a ready
// service, a released level; repeated identical failures print once.
// `what` names the run in the summary ("backend" for wait --for backend).
class LineReporter final : public Reporter {
 public:
  LineReporter(std::ostream& out, Timestamp stamp, std::string what = {});
  void level_started(int level, const std::vector<std::string>& services) override;
  void attempt_finished(const ProbeStatus& probe, const probes::Outcome& outcome, Millis took) override;
  void window_progress(const ProbeStatus& probe) override;
  void service_ready(const std::string& service, int level, Millis elapsed) override;
  void level_released(int level, const std::vector<std::string>& services, Millis elapsed) override;
  void finished(const RunResult& result) override;

 private:
  std::ostream& m_out;
  Timestamp m_stamp;
  std::string m_what;
  std::vector<std::pair<std::string, std::string>> m_last;  // key -> "verdict|reason"
};

// --log-format json: one object per line, with "event" naming it.
class JsonReporter final : public Reporter {
 public:
  JsonReporter(std::ostream& out, Timestamp stamp);
  void level_started(int level, const std::vector<std::string>& services) override;
  void attempt_finished(const ProbeStatus& probe, const probes::Outcome& outcome, Millis took) override;
  void window_progress(const ProbeStatus& probe) override;
  void service_ready(const std::string& service, int level, Millis elapsed) override;
  void level_released(int level, const std::vector<std::string>& services, Millis elapsed) override;
  void finished(const RunResult& result) override;

 private:
  std::ostream& m_out;
  Timestamp m_stamp;
  std::vector<std::pair<std::string, std::string>> m_last;
};

// The live table on a terminal, as docker compose up, cargo and ninja draw
// it: log lines (a service ready, a level released, a fatal outcome) scroll
// above a status region pinned to the bottom rows of the terminal. The region
// is a scrolling margin (DECSTBM): the rows above it scroll on their own, so
// whatever else writes to the terminal meanwhile (the demo's narration,
// another process) scrolls above the region too and is never overwritten.
// The region fits the terminal (rows that do not fit are counted:
// "+23 more ready"); the terminal's size is asked again on every tick, so a
// resize is redrawn at the next tick. finished() removes the region and
// prints the final table once, under the log lines, then the summary.
// Without a known size (a pipe with --color=always) there is no region:
// coloured log lines and the final table only.
struct TermSize {
  int cols = 0;  // 0: unknown
  int rows = 0;
};

class TtyReporter final : public Reporter {
 public:
  using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;
  using SizeOf = std::function<TermSize()>;
  TtyReporter(std::ostream& out, std::string what, SizeOf size, Millis min_redraw = Millis{100},
              SteadyNow now = nullptr);
  ~TtyReporter() override;
  void run_started(const std::vector<ProbeStatus>& rows) override;
  void attempt_started(const ProbeStatus& probe) override;
  void attempt_finished(const ProbeStatus& probe, const probes::Outcome& outcome, Millis took) override;
  void window_progress(const ProbeStatus& probe) override;
  void level_started(int level, const std::vector<std::string>& services) override;
  void service_ready(const std::string& service, int level, Millis elapsed) override;
  void level_released(int level, const std::vector<std::string>& services, Millis elapsed) override;
  void finished(const RunResult& result) override;
  void tick() override;
  std::optional<Millis> tick_interval() const override { return m_min_redraw * 2; }

  /// The bytes that give the terminal back its whole screen (no margin), for
  /// an exit that skips finished(): "" when no region is set.
  static const char* restore_sequence();

 private:
  void update(const ProbeStatus& probe);
  void log(const std::string& line, ProbeState colour);
  void redraw(bool force);
  std::string open_region(TermSize size);
  std::string close_region();
  std::string region_text();
  Millis elapsed_of(size_t row) const;

  std::ostream& m_out;
  std::string m_what;
  SizeOf m_size_of;
  Millis m_min_redraw;
  SteadyNow m_now;
  std::vector<ProbeStatus> m_rows;
  std::vector<std::chrono::steady_clock::time_point> m_started;  // per row, when its level started
  std::chrono::steady_clock::time_point m_last_draw{};
  TermSize m_size;   // the size the region was laid out for
  int m_region = 0;  // rows reserved at the bottom; 0: no region on screen
  bool m_finished = false;
};

/// The final summary lines shared by the text reporters.
std::string summary_text(const RunResult& result, const std::string& what);

}  // namespace stackgate::gate
