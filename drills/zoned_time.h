// Instants, wall-clock times in IANA zones, and their text forms. DST-safe: local times in a
// spring-forward gap or a fall-back overlap are errors, never silently shifted.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "drills/drill.h"
#include "drills/expected.h"

namespace firedrill {

/// A wall-clock date and time with no zone attached (as written in a drill file).
struct LocalDateTime {
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0, second = 0, millisecond = 0;
};

/// Returns true iff `zone` names a time zone in the system's IANA database.
bool IsKnownZone(std::string_view zone);

/// Converts a wall-clock time in `zone` to an instant. Fails (naming the zone and time) for an
/// unknown zone, an invalid calendar date, a time that does not exist (DST gap) or one that exists
/// twice (DST overlap; the message asks for the offset form).
Expected<SysTime> LocalToSys(const LocalDateTime& local, std::string_view zone);

/// Returns the first instant after `after` whose wall-clock time in `zone` is hh:mm:ss.ms; used
/// for window ends written as a bare time (windows that cross midnight).
Expected<SysTime> NextLocalTimeAfter(SysTime after, int hour, int minute, int second,
                                     int millisecond, std::string_view zone);

/// Returns the wall-clock time of `t` in `zone`; in UTC when the zone is unknown.
LocalDateTime SysToLocal(SysTime t, std::string_view zone);

/// Returns "2026-12-03T09:00:00.000Z".
std::string FormatUtc(SysTime t);

/// Returns "2026-12-03 10:00:00 CET (+01:00)" in `zone`, or FormatUtc on an unknown zone.
std::string FormatInZone(SysTime t, std::string_view zone);

/// Returns the current time, UTC, millisecond precision.
SysTime NowUtc();

}  // namespace firedrill
