#include "drills/timestamp.h"

#include <fmt/format.h>

#include <cstdint>

#include "drills/time_digits.h"

namespace firedrill {
namespace {

using time_digits::Put3;
using time_digits::PutDate;
using time_digits::PutTime;

// The proleptic Gregorian date `days` days after 1970-01-01, for any count (no overflow for any
// day an int64 of milliseconds can reach): eras of 400 years (146,097 days) from 0000-03-01, so
// that the leap day ends each year of the era.
struct CivilDate {
  std::int64_t year;
  unsigned month, day;
};
CivilDate CivilFromDays(std::int64_t days) {
  const std::int64_t z = days + 719'468;  // days since 0000-03-01
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t day_of_era = z - era * 146'097;  // [0, 146096]
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1'460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;              // 0 = March
  const auto day = static_cast<unsigned>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const auto month =
      static_cast<unsigned>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  return CivilDate{year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// FormatUtc for any instant, with ISO 8601's signed years outside 0000..9999.
std::string FormatUtcAnyYear(SysTime t) {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  const std::int64_t ms = t.time_since_epoch().count();
  std::int64_t in_day = ms % kMsPerDay;  // never overflows, unlike flooring to days first
  std::int64_t days = ms / kMsPerDay;
  if (in_day < 0) {
    in_day += kMsPerDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  std::string year = date.year < 0       ? fmt::format("-{:04}", -date.year)
                     : date.year > 9'999 ? fmt::format("+{}", date.year)
                                         : fmt::format("{:04}", date.year);
  return fmt::format("{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, date.month, date.day,
                     in_day / 3'600'000, in_day / 60'000 % 60, in_day / 1'000 % 60, in_day % 1'000);
}

// The instants whose years PutDate writes (time_digits::kFirstFastYear..kLastFastYear).
constexpr SysTime kFirstFastInstant{
    std::chrono::sys_days{std::chrono::year{time_digits::kFirstFastYear} / 1 / 1}};
constexpr SysTime kPastLastFastInstant{
    std::chrono::sys_days{std::chrono::year{time_digits::kLastFastYear + 1} / 1 / 1}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`; false if any is missing or not a digit (no sign).
bool ReadDigits(std::string_view s, std::size_t pos, int n, int* out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// `WHAT "TEXT": why`, quoting at most a short prefix: the text may come from the network.
Error Bad(std::string_view what, std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 64));
  return Error(std::string(what) + " \"" + shown + (text.size() > 64 ? "..." : "") +
               "\": " + std::string(why));
}

}  // namespace

std::string FormatUtc(SysTime t) {
  // Checked before any chrono arithmetic, which overflows near the ends of SysTime's range.
  if (t < kFirstFastInstant || t >= kPastLastFastInstant) return FormatUtcAnyYear(t);
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  auto ms = (t - day).count();  // milliseconds into the day, [0, 86'400'000)
  char buf[24];
  char* p = buf;
  PutDate(p, ymd);
  *p++ = 'T';
  PutTime(p, static_cast<int>(ms / 1000));
  *p++ = '.';
  Put3(p, static_cast<int>(ms % 1000));
  *p++ = 'Z';
  return std::string(buf, p);
}

Expected<WrittenTime> ReadTimestamp(std::string_view s, std::string_view what) {
  auto bad = [&](std::string_view why) { return Bad(what, s, why); };
  WrittenTime w;
  if (!ReadDigits(s, 0, 4, &w.year) || s.size() < 5 || s[4] != '-' ||
      !ReadDigits(s, 5, 2, &w.month) || s.size() < 8 || s[7] != '-' ||
      !ReadDigits(s, 8, 2, &w.day)) {
    return bad("expected a date YYYY-MM-DD");
  }
  w.date_only = s.size() == 10;
  if (!w.date_only) {
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
      return bad("expected 'T' between date and time");
    }
    w.separator = s[10];
    if (!ReadDigits(s, 11, 2, &w.hour) || s.size() < 14 || s[13] != ':' ||
        !ReadDigits(s, 14, 2, &w.minute)) {
      return bad("expected a time HH:MM or HH:MM:SS");
    }
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
      if (!ReadDigits(s, pos + 1, 2, &w.second)) return bad("expected a time HH:MM:SS");
      w.has_seconds = true;
      pos += 3;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        w.fraction_mark = s[pos];
        std::size_t first = ++pos;
        while (pos < s.size() && IsDigit(s[pos])) {
          if (pos - first < 3) w.millisecond = w.millisecond * 10 + (s[pos] - '0');
          ++pos;
        }
        if (pos == first) return bad(fmt::format("expected digits after '{}'", w.fraction_mark));
        w.fraction_digits = static_cast<int>(pos - first);
        for (int d = w.fraction_digits; d < 3; ++d) w.millisecond *= 10;
      }
    }
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
      w.zone_letter = s[pos];
      w.offset = std::chrono::minutes{0};
      ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      w.offset_colon = pos + 3 < s.size() && s[pos + 3] == ':';
      int oh = 0, om = 0;
      if (!ReadDigits(s, pos + 1, 2, &oh) ||
          !ReadDigits(s, pos + (w.offset_colon ? 4 : 3), 2, &om)) {
        return bad("expected a zone offset +hh:mm or -hh:mm");
      }
      if (oh > 23 || om > 59) return bad("zone offset out of range");
      w.offset = std::chrono::minutes{(oh * 60 + om) * (s[pos] == '-' ? -1 : 1)};
      pos += w.offset_colon ? 6 : 5;
    }
    if (pos != s.size()) {
      return bad(w.offset ? "unexpected text after the zone offset"
                          : "expected 'Z' or a zone offset after the time");
    }
  }
  namespace ch = std::chrono;
  ch::year_month_day ymd{ch::year{w.year}, ch::month{static_cast<unsigned>(w.month)},
                         ch::day{static_cast<unsigned>(w.day)}};
  if (!ymd.ok()) return bad("no such calendar date");
  if (w.hour > 23 || w.minute > 59) return bad("time of day out of range");
  if (w.second == 60) return bad("leap seconds are not supported");
  if (w.second > 59) return bad("seconds out of range");
  w.at = ch::sys_days{ymd} + ch::hours{w.hour} + ch::minutes{w.minute} + ch::seconds{w.second} +
         ch::milliseconds{w.millisecond} - w.offset.value_or(ch::minutes{0});
  return w;
}

Expected<SysTime> ParseRfc3339(std::string_view text) {
  constexpr std::string_view kWhat = "bad RFC 3339 time";
  auto w = ReadTimestamp(text, kWhat);
  if (!w) return w.error();
  if (w->date_only) return Bad(kWhat, text, "expected 'T' between date and time");
  if (!w->has_seconds) return Bad(kWhat, text, "expected a time HH:MM:SS");
  if (w->fraction_mark == ',') {
    return Bad(kWhat, text, "expected 'Z' or a zone offset after the time");
  }
  if (!w->offset) return Bad(kWhat, text, "missing zone offset ('Z' or +hh:mm)");
  if (w->zone_letter == 0 && !w->offset_colon) {
    return Bad(kWhat, text, "expected a zone offset +hh:mm or -hh:mm");
  }
  return w->at;
}

Expected<SysTime> ParseUtc(std::string_view text) {
  constexpr std::string_view kWhat = "bad UTC time";
  auto w = ReadTimestamp(text, kWhat);
  if (!w) return w.error();
  if (w->date_only) return w->at;
  if (w->separator != 'T') return Bad(kWhat, text, "expected 'T' between date and time");
  if (!w->has_seconds) return Bad(kWhat, text, "expected a time HH:MM:SS");
  if (w->fraction_mark != 0 && (w->fraction_mark != '.' || w->fraction_digits != 3)) {
    return Bad(kWhat, text, "expected milliseconds as three digits after '.'");
  }
  if (w->zone_letter != 'Z') return Bad(kWhat, text, "expected 'Z' (UTC) after the time");
  return w->at;
}

}  // namespace firedrill
