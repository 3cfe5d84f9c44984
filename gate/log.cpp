#include "gate/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace stackgate::gate::log {

void init(bool verbose) {
  auto logger = spdlog::stderr_logger_mt("stackgate");
  logger->set_pattern("%H:%M:%S.%e %l %v");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

bool debug_enabled() { return spdlog::should_log(spdlog::level::debug); }

void debug(std::string_view message) { spdlog::debug("{}", message); }

}  // namespace stackgate::gate::log
