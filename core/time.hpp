#pragma once

// Clock and RFC 3339 times. The wire format is always UTC with milliseconds:
// 2026-11-29T10:00:00.000Z.

#include <optional>
#include <string>
#include <string_view>

#include "core/task.hpp"

namespace tasks {

millis now_millis();

std::string format_rfc3339(millis t);

// Parses RFC 3339 (date, 'T', time, optional fraction, 'Z' or an offset). Fractions beyond
// milliseconds are truncated. Returns nothing for anything else, including impossible dates.
std::optional<millis> parse_rfc3339(std::string_view text);

}  // namespace tasks
