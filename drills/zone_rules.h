// A time zone's UTC offsets over a period, in the form calendars exchange them (an iCalendar
// VTIMEZONE): one fixed offset, or two changes that recur every year on the nth or last weekday
// of a month (into and out of daylight saving time). Derived from the system's tz database and
// checked against it, so the form is only produced where it is exact.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"

namespace firedrill {

/// One yearly change of a zone's UTC offset: on the `ordinal`th (-1: the last) `weekday` of
/// `month`, when the local clock (still in offset `from`) reads `at`, the offset becomes `to`.
struct YearlyOffsetChange {
  std::chrono::month month;
  std::chrono::weekday weekday;
  int ordinal = 1;  ///< 1..4, or -1 for the last such weekday of the month
  std::chrono::seconds at{0};
  std::chrono::seconds from{0};
  std::chrono::seconds to{0};
  bool daylight = false;  ///< `to` is daylight saving time
  std::string abbrev;     ///< the name of the time after the change, e.g. "CEST"
};

/// The offsets of a zone over a period.
struct ZoneRules {
  std::chrono::seconds offset{0};  ///< the offset at the start of the period
  std::string abbrev;              ///< its name, e.g. "CET"
  /// Empty (the offset never changes in the period), or the two changes of each year, the first
  /// one after the start of the period first.
  std::vector<YearlyOffsetChange> changes;
};

/// Describes the offsets of `zone` from `from` to `to` as ZoneRules and checks the description:
/// the changes it gives for every year of the period are exactly the tz database's (instants and
/// offsets). Fails for an unknown zone, and when the database's changes in the period follow no
/// such pattern (the zone's rules change within it, or a change is not on an nth or last weekday).
/// The check ends with 2037: the tz library reads no changes after it from the system's files,
/// while the yearly changes continue (as the zone's rules in those files do).
Expected<ZoneRules> YearlyZoneRules(std::string_view zone, SysTime from, SysTime to);

/// Returns the day on which `change` happens in `year`.
std::chrono::year_month_day ChangeDay(const YearlyOffsetChange& change, std::chrono::year year);

}  // namespace firedrill
