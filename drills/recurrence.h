// Recurring drill windows: a subset of the iCalendar recurrence rule (RRULE, RFC 5545 section
// 3.3.10) and its expansion into windows that keep their local wall-clock times in an IANA zone
// across daylight saving time changes.
//
// Supported parts: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, COUNT or UNTIL, BYDAY (with an
// ordinal such as 1TU or -1FR for MONTHLY and YEARLY), BYMONTHDAY (negative counts from the end of
// the month), BYMONTH, and WKST=MO (weeks start on Monday; any other WKST is refused). Every other
// part (BYSETPOS, BYHOUR, BYYEARDAY, ...) is refused with a message naming it.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/expected.h"

namespace firedrill {

struct Window;  // drills/drill.h, which includes this header

/// How often the rule's periods come round (FREQ).
enum class Frequency { kDaily, kWeekly, kMonthly, kYearly };

/// One BYDAY entry: a weekday; with an ordinal, only the nth one (negative: counted from the end)
/// of the month, or of the year for FREQ=YEARLY without BYMONTH.
struct ByDay {
  std::chrono::weekday weekday;
  int ordinal = 0;  ///< 0: every such weekday; else 1..5 / -5..-1 (month), 1..53 / -53..-1 (year)
  bool operator==(const ByDay&) const = default;
};

/// A parsed recurrence rule. Valid by construction when it comes from ParseRRule.
struct Recurrence {
  Frequency freq = Frequency::kDaily;
  int interval = 1;          ///< every `interval`th period (INTERVAL, 1..1000)
  std::optional<int> count;  ///< COUNT: this many occurrences in all, the first window included
  /// UNTIL=YYYYMMDDTHHMMSSZ: no occurrence starts after this instant.
  std::optional<std::chrono::sys_seconds> until;
  /// UNTIL=YYYYMMDD: no occurrence starts on a later day (the day read in the window's zone).
  std::optional<std::chrono::year_month_day> until_date;
  std::vector<ByDay> by_day;
  std::vector<int> by_month_day;  ///< 1..31, or -31..-1 counted from the end of the month
  std::vector<int> by_month;      ///< 1..12
  std::string text;               ///< the rule as written
};

/// Largest accepted INTERVAL and COUNT.
inline constexpr int kMaxRRuleInterval = 1000;
inline constexpr int kMaxRRuleCount = 10000;

/// Expansion scans at most this many years of candidate periods after the first window, so a rule
/// that (almost) never matches (BYMONTHDAY=31;BYMONTH=2) ends instead of looping.
inline constexpr int kMaxRecurrenceScanYears = 1000;

/// Parses an RRULE value such as "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", with or without a leading
/// "RRULE:". Part names and values are case-insensitive. Fails with a message naming the offending
/// part as written, e.g. `RRULE part "BYDAY=9TU": ordinal must be 1..5 or -5..-1`: an unknown or
/// unsupported part, a malformed or out-of-range value, a part given twice, a missing FREQ, COUNT
/// together with UNTIL, an UNTIL date-time not in UTC, an ordinal with FREQ=DAILY or WEEKLY,
/// BYMONTHDAY with FREQ=WEEKLY, or a WKST other than MO.
Expected<Recurrence> ParseRRule(std::string_view text);

/// Returns the rule in canonical form, as a calendar invite carries it: upper case, parts in the
/// order FREQ, INTERVAL (left out when 1), COUNT or UNTIL, BYMONTH, BYMONTHDAY, BYDAY; no WKST.
/// UNTIL is always a UTC date-time: a date is written as the last second of that day in `zone`
/// (in UTC when `zone` is unknown), which includes exactly the same occurrences.
std::string FormatRRule(const Recurrence& rule, std::string_view zone);

/// Expands a recurring window. `first` is the first occurrence (iCalendar's DTSTART: it is always
/// an occurrence and counts toward COUNT even when it does not match the BY parts); the later
/// ones are the days the rule selects after it, in order. Returns at most `max` occurrences,
/// leaving out those with `end <= not_before` (they still count toward COUNT).
///
/// Every occurrence starts and ends at the local wall-clock times of `first` in `first.zone`
/// (10:00-11:00 Europe/Copenhagen stays 10:00-11:00 local, so its UTC instants move by an hour
/// across a DST change); an end on a later local day than the start (a window crossing midnight)
/// stays that many days later. A local time that does not exist (clocks spring forward) is moved
/// forward by the length of the gap (02:30 on the spring-forward day in America/New_York is 03:30
/// EDT), and one that exists twice (clocks fall back) is the first, earlier instant: both as RFC
/// 5545 section 3.3.5 says. Should that make an occurrence end before it starts, it keeps the
/// first window's length. Grace and zone are copied from `first`; an occurrence's `repeat` is
/// empty (each is a single window). Scanning stops after kMaxRecurrenceScanYears, returning what
/// was found. Fails on an unknown zone or when `first` does not end after it starts.
Expected<std::vector<Window>> Occurrences(
    const Window& first, const Recurrence& rule,
    std::chrono::sys_time<std::chrono::milliseconds> not_before, std::size_t max);

}  // namespace firedrill
