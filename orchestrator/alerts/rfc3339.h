// RFC 3339 timestamps as monitoring systems write them ("2026-11-22T07:52:38.123456789+01:00"),
// read into an instant. Pure text handling: no zone database, no clock.
#pragma once

#include <string_view>

#include "drills/drill.h"
#include "drills/expected.h"

namespace firedrill {

/// Parses an RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)". Accepts 't' or a
/// space for 'T' and 'z' for 'Z' (RFC 3339 section 5.6, note); any number of fractional digits,
/// truncated to milliseconds. Fails, naming what is wrong, on anything else, on an invalid
/// calendar date or time of day, and on a leap second (":60", which SysTime cannot hold).
/// Never throws.
Expected<SysTime> ParseRfc3339(std::string_view text);

/// Returns true iff `text` is Go's zero time ("0001-01-01T00:00:00Z"), which Alertmanager and
/// Grafana write for "no time" (e.g. the endsAt of a firing alert).
bool IsGoZeroTime(std::string_view text);

}  // namespace firedrill
