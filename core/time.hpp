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

// The instants format_rfc3339 can write as an RFC 3339 year (four digits):
// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
inline constexpr millis min_rfc3339_millis = -62'167'219'200'000LL;
inline constexpr millis max_rfc3339_millis = 253'402'300'799'999LL;

// Parses RFC 3339 (date, 'T', time, optional fraction, 'Z' or an offset). Fractions beyond
// milliseconds are truncated. Returns nothing for anything else, including impossible dates and
// instants that, once their offset is applied, lie outside min_rfc3339_millis ..
// max_rfc3339_millis (e.g. 0000-01-01T00:30:00+01:00): what is accepted can always be written
// back as RFC 3339.
std::optional<millis> parse_rfc3339(std::string_view text);

}  // namespace tasks
