// Durations as drill files write them: "90s", "5m", "1h30m", "2d", "250ms".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "drills/expected.h"

namespace firedrill {

using Duration = std::chrono::milliseconds;

/// Parses "1h30m"-style text: one or more <integer><unit> groups, units d, h, m, s, ms, each at
/// most once and in that order. Returns an Error naming the expected form on anything else
/// (no unit, unknown unit, empty, negative, overflow). Zero ("0s") is accepted here; callers that
/// need a positive duration check for it.
Expected<Duration> ParseDuration(std::string_view text);

/// Formats a duration in the same notation, largest units first ("1h30m", "250ms", "0s").
std::string FormatDuration(Duration d);

}  // namespace firedrill
