// /metrics of `stackgate serve` in the Prometheus text exposition format
// (version 0.0.4): probe_success, probe_duration_seconds (a histogram by
// service and type), stackgate_consecutive_failures,
// stackgate_state_changes_total and stackgate_last_transition_timestamp_seconds.
// Targets appear only as redacted URLs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gate/serve.h"

namespace stackgate::gate {

inline constexpr const char* k_metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// A label value escaped as the exposition format asks: \ " and newline.
std::string escape_label_value(std::string_view value);

std::string metrics_text(const std::vector<TargetSnapshot>& targets);

}  // namespace stackgate::gate
