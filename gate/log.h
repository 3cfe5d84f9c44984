// Debug messages for `-v`: "HH:MM:SS.mmm debug <message>" on stderr. The one
// place spdlog is used (gate/log.cpp); callers test debug_enabled() before
// building a message, so an attempt costs nothing extra without -v.
#pragma once

#include <string_view>

namespace stackgate::gate::log {

/// Installs the process's logger; messages below `warn` are dropped unless
/// `verbose`.
void init(bool verbose);
bool debug_enabled();
void debug(std::string_view message);

}  // namespace stackgate::gate::log
