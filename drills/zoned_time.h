// Instants, wall-clock times in IANA zones, and their text in a zone (in UTC: timestamp.h).
// DST-safe: local times in a spring-forward gap or a fall-back overlap are errors, never
// silently shifted.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "drills/drill.h"
#include "drills/expected.h"
#include "drills/timestamp.h"  // FormatUtc, which FormatInZone falls back to

namespace firedrill {

/// A wall-clock date and time with no zone attached (as written in a drill file).
struct LocalDateTime {
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0, second = 0, millisecond = 0;
};

/// The first instant a drill may name: 1970-01-01T00:00:00.000Z (nothing before the Unix epoch
/// is a drill firedrill could run or have records of).
inline constexpr SysTime kEarliestDrillTime{};

/// The last instant a drill may name: 9999-12-31T23:59:59.999Z (the last one with the four-digit
/// year RFC 3339 and iCalendar can write).
inline constexpr SysTime kLatestDrillTime =
    SysTime{std::chrono::sys_days{std::chrono::year{10000} / 1 / 1}} - std::chrono::milliseconds{1};

/// Returns true iff kEarliestDrillTime <= t <= kLatestDrillTime.
inline bool InDrillTimeRange(SysTime t) { return t >= kEarliestDrillTime && t <= kLatestDrillTime; }

/// Returns true iff `zone` names a time zone in the system's IANA database.
bool IsKnownZone(std::string_view zone);

/// Converts a wall-clock time in `zone` to an instant. Fails (naming the zone and time) for an
/// unknown zone, an invalid calendar date, a time that does not exist (DST gap) or one that exists
/// twice (DST overlap; the message asks for the offset form).
Expected<SysTime> LocalToSys(const LocalDateTime& local, std::string_view zone);

/// Returns the instant of the first wall-clock time hh:mm:ss.ms in `zone` that comes after the
/// wall-clock time of `after` (the same day, or the next); used for window ends written as a bare
/// time (windows that cross midnight). Fails as LocalToSys does when that time does not exist on
/// its day (DST gap) or exists twice (DST overlap): it is never moved to another day.
Expected<SysTime> NextLocalTimeAfter(SysTime after, int hour, int minute, int second,
                                     int millisecond, std::string_view zone);

/// Returns the wall-clock time of `t` in `zone`; in UTC when the zone is unknown.
LocalDateTime SysToLocal(SysTime t, std::string_view zone);

/// Returns "2026-12-03 10:00:00 CET (+01:00)" in `zone`, or FormatUtc on an unknown zone and for
/// instants beyond the years the tz library handles (about ±32,000).
std::string FormatInZone(SysTime t, std::string_view zone);

/// Returns the current time, UTC, millisecond precision.
SysTime NowUtc();

}  // namespace firedrill
