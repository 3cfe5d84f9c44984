// The text of the live table, without escapes: which rows fit a terminal of
// a given size, what each column says, and how a long probe URL is
// shortened. Pure functions, so the layout is tested without a terminal;
// tty_reporter.cpp adds the colours and the cursor movements.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gate/status.h"

namespace stackgate::gate {

/// Columns on screen: UTF-8 code points (the text is sanitised; no escapes).
size_t text_width(std::string_view text);

/// `text` cut to at most `width` columns, ending in "~" when cut.
std::string fit_width(std::string_view text, size_t width);

/// A probe URL in at most `width` columns, keeping what tells probes apart:
/// the scheme, host and port and the query (`?groups=collector`); the path
/// gives way first ("kafka://broker:9092/...?groups=collector"), then the
/// user and password, then the end of the query, then the middle of the whole.
std::string shorten_url(std::string_view url, size_t width);

/// The STATE column: "probing", "ready", and inside a stability window the
/// time it has held so far against the time it needs ("stable 2.0/3s"), or
/// the passes when the window counts only passes ("passes 1/3").
std::string state_text(const ProbeStatus& row);

/// Width of the STATE column: every state_text of a window up to 999 s fits.
inline constexpr size_t k_state_width = 15;

/// "0.4s", "12.3s", "2m5s": the TIME column.
std::string table_seconds(Millis d);

struct TableLine {
  enum class Kind { header, row, more };
  Kind kind = Kind::row;
  ProbeState state = ProbeState::waiting;  // rows: for the colour
  std::string text;                        // at most `cols` columns
};

/// The status region: a header, then as many rows as fit in `max_lines`
/// lines, then (when some did not fit) one line counting the rest by state,
/// "+23 more ready". Rows that need attention (failed, probing, stable)
/// are shown before waiting ones, waiting before ready; shown rows keep
/// plan order. `elapsed[i]` is row i's TIME. Every line is at most `cols`
/// columns; at most `max_lines` lines (at least 2: header and summary).
std::vector<TableLine> table_lines(const std::vector<ProbeStatus>& rows, const std::vector<Millis>& elapsed,
                                   size_t cols, size_t max_lines);

}  // namespace stackgate::gate
