// Instants as text: FormatUtc writes them; ReadTimestamp reads every ISO 8601 form firedrill
// takes in, and says what was written; ParseRfc3339 and ParseUtc are the rule sets callers
// apply on top of it (what the network may send, what firedrill's records hold).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "drills/drill.h"
#include "drills/expected.h"

namespace firedrill {

/// Returns "2026-12-03T09:00:00.000Z" (ISO 8601, RFC 3339) for any instant: years 0000..9999
/// with four digits, others signed ("-0001-12-31T…", "+10000-01-01T…", as ISO 8601's expanded
/// years and java.time write them).
std::string FormatUtc(SysTime t);

/// A timestamp as its text wrote it, and the instant it names.
struct WrittenTime {
  int year = 0, month = 0, day = 0;  ///< as written, a valid calendar date
  bool date_only = false;            ///< "2027-06-01" with nothing after it; the rest is unset
  char separator = 0;                ///< 'T', 't' or ' ' between date and time
  int hour = 0, minute = 0;
  bool has_seconds = false;  ///< ":SS" was written
  int second = 0;
  char fraction_mark = 0;   ///< '.' or ',' when a fraction of a second was written, else 0
  int fraction_digits = 0;  ///< how many digits it had (any number; 0 when none)
  int millisecond = 0;      ///< the fraction, truncated to milliseconds
  /// The offset east of UTC: 0 for 'Z'; nullopt when none was written.
  std::optional<std::chrono::minutes> offset;
  char zone_letter = 0;       ///< 'Z' or 'z' when the offset was written as a letter, else 0
  bool offset_colon = false;  ///< a numeric offset written "+hh:mm" (false: "+hhmm")
  /// The instant named: the offset applied; midnight for a bare date; UTC when no offset.
  SysTime at{};
};

/// Reads an ISO 8601 date or date-time in any form firedrill accepts somewhere:
/// "YYYY-MM-DD", or "YYYY-MM-DD" 'T'|'t'|' ' "HH:MM[:SS[(.|,)digits]]" then 'Z', 'z',
/// "±hh:mm", "±hhmm" or nothing. Any number of fraction digits, truncated to milliseconds. Fails
/// on anything else, on an impossible date, time of day or offset (hours up to 23) and on a
/// leap second (":60", which SysTime cannot hold), with `WHAT "TEXT": why` (at most 64
/// characters of TEXT quoted; WHAT names the input, e.g. "bad RFC 3339 time" or "--from").
/// Never throws.
Expected<WrittenTime> ReadTimestamp(std::string_view text, std::string_view what = "bad time");

/// Parses an RFC 3339 date-time, as monitoring systems and API clients write it:
/// "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)". Accepts 't' or a space for 'T' and 'z' for
/// 'Z' (RFC 3339 section 5.6, note); any number of fractional digits, truncated to
/// milliseconds. Fails, naming what is wrong ("bad RFC 3339 time ..."), on anything else (a bare
/// date, no seconds, ',' for '.', no offset, "+hhmm"), on an invalid calendar date or time of
/// day, and on a leap second. Never throws.
Expected<SysTime> ParseRfc3339(std::string_view text);

/// Parses the UTC forms firedrill writes into its records and accepts back:
/// "2027-06-01T10:00:00.000Z", "2027-06-01T10:00:00Z" and a bare date "2027-06-01" (midnight
/// UTC). Fails, naming what is wrong, on anything else ('t', ' ', 'z', an offset, a fraction of
/// other than three digits), including impossible dates. Never throws.
Expected<SysTime> ParseUtc(std::string_view text);

}  // namespace firedrill
