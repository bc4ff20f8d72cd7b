#include "drills/zoned_time.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "drills/quoted.h"
#include "drills/time_digits.h"
#include "drills/zone_lookup.h"

namespace firedrill {
namespace {

using time_digits::kFirstFastYear;
using time_digits::kLastFastYear;
using time_digits::Put2;
using time_digits::PutDate;
using time_digits::PutTime;

std::string LocalText(const LocalDateTime& l) {
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", l.year, l.month, l.day, l.hour,
                     l.minute, l.second);
}

// "+02:00" for a UTC offset.
std::string OffsetText(std::chrono::seconds offset) {
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(offset).count();
  char sign = minutes < 0 ? '-' : '+';
  if (minutes < 0) minutes = -minutes;
  return fmt::format("{}{:02}:{:02}", sign, minutes / 60, minutes % 60);
}

// Instants in the years date/tz handles.
constexpr SysTime kFirstZonedInstant{std::chrono::sys_days{std::chrono::year{-32000} / 1 / 1}};
constexpr SysTime kPastLastZonedInstant{std::chrono::sys_days{std::chrono::year{32000} / 1 / 1}};

}  // namespace

bool IsKnownZone(std::string_view zone) { return FindZone(zone) != nullptr; }

Expected<SysTime> LocalToSys(const LocalDateTime& l, std::string_view zone) {
  const date::time_zone* tz = FindZone(zone);
  if (tz == nullptr) return Error{fmt::format("unknown time zone {}", Quoted(zone))};
  date::year_month_day ymd{date::year{l.year}, date::month{static_cast<unsigned>(l.month)},
                           date::day{static_cast<unsigned>(l.day)}};
  if (!ymd.ok() || l.hour < 0 || l.hour > 23 || l.minute < 0 || l.minute > 59 || l.second < 0 ||
      l.second > 59 || l.millisecond < 0 || l.millisecond > 999) {
    return Error{fmt::format("{} is not a valid date and time", LocalText(l))};
  }
  auto local = date::local_days{ymd} + std::chrono::hours{l.hour} + std::chrono::minutes{l.minute} +
               std::chrono::seconds{l.second} + std::chrono::milliseconds{l.millisecond};
  date::local_info info = tz->get_info(date::floor<std::chrono::seconds>(local));
  switch (info.result) {
    case date::local_info::unique:
      return SysTime{local.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
      return Error{fmt::format(
          "{} does not exist in {} (the clocks skip it for daylight saving time); pick another "
          "time",
          LocalText(l), zone)};
    case date::local_info::ambiguous:
    default:
      return Error{fmt::format(
          "{} happens twice in {} (daylight saving time ends); write it with an offset, e.g. "
          "{}{}",
          LocalText(l), zone, LocalText(l), OffsetText(info.first.offset))};
  }
}

Expected<SysTime> NextLocalTimeAfter(SysTime after, int hour, int minute, int second,
                                     int millisecond, std::string_view zone) {
  const date::time_zone* tz = FindZone(zone);
  if (tz == nullptr) return Error{fmt::format("unknown time zone {}", Quoted(zone))};
  const auto local_after = tz->to_local(after);
  const auto day = date::floor<date::days>(local_after);
  const auto time_of_day = std::chrono::hours{hour} + std::chrono::minutes{minute} +
                           std::chrono::seconds{second} + std::chrono::milliseconds{millisecond};
  // The day whose wall clock shows that time next: today if it is still to come, else tomorrow.
  // Either way that day's time is the one meant; if it does not exist (or exists twice) that is
  // the error, not a reason to move to another day.
  const date::local_days on = day + date::days{local_after - day < time_of_day ? 0 : 1};
  date::year_month_day ymd{on};
  LocalDateTime l{static_cast<int>(ymd.year()),
                  static_cast<int>(static_cast<unsigned>(ymd.month())),
                  static_cast<int>(static_cast<unsigned>(ymd.day())),
                  hour,
                  minute,
                  second,
                  millisecond};
  auto t = LocalToSys(l, zone);
  if (!t.ok() || *t > after) return t;
  // Only where the clocks went back between the two: the wall clock repeats itself.
  return Error{fmt::format("{:02}:{:02}:{:02} on {} in {} is not after the start", hour, minute,
                           second, LocalText(l).substr(0, 10), zone)};
}

LocalDateTime SysToLocal(SysTime t, std::string_view zone) {
  const date::time_zone* tz = FindZone(zone);
  auto local = tz != nullptr ? tz->to_local(t).time_since_epoch() : t.time_since_epoch();
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd{date::sys_days{day}};
  date::hh_mm_ss<std::chrono::milliseconds> hms{local - day};
  return LocalDateTime{static_cast<int>(ymd.year()),
                       static_cast<int>(static_cast<unsigned>(ymd.month())),
                       static_cast<int>(static_cast<unsigned>(ymd.day())),
                       static_cast<int>(hms.hours().count()),
                       static_cast<int>(hms.minutes().count()),
                       static_cast<int>(hms.seconds().count()),
                       static_cast<int>(hms.subseconds().count())};
}

std::string FormatInZone(SysTime t, std::string_view zone) {
  if (t < kFirstZonedInstant || t >= kPastLastZonedInstant) return FormatUtc(t);
  const date::time_zone* tz = FindZone(zone);
  if (tz == nullptr) return FormatUtc(t);
  auto secs = date::floor<std::chrono::seconds>(t);
  date::sys_info info = tz->get_info(secs);
  auto local = secs + info.offset;  // the wall-clock time, as if it were UTC
  auto day = std::chrono::floor<std::chrono::days>(local);
  std::chrono::year_month_day ymd{day};
  int year = static_cast<int>(ymd.year());
  if (year < kFirstFastYear || year > kLastFastYear || info.abbrev.size() > 32) {
    date::zoned_time<std::chrono::seconds> zt{tz, secs};
    return date::format("%F %T %Z (%Ez)", zt);
  }
  char buf[80];
  char* p = buf;
  PutDate(p, ymd);
  *p++ = ' ';
  PutTime(p, static_cast<int>((local - day).count()));
  *p++ = ' ';
  p = std::copy(info.abbrev.begin(), info.abbrev.end(), p);
  *p++ = ' ';
  *p++ = '(';
  // As date's %Ez: whole minutes (truncated), the sign of those.
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  *p++ = minutes < 0 ? '-' : '+';
  if (minutes < 0) minutes = -minutes;
  auto hours = minutes / 60;
  if (hours >= 100) {
    date::zoned_time<std::chrono::seconds> zt{tz, secs};
    return date::format("%F %T %Z (%Ez)", zt);
  }
  Put2(p, static_cast<int>(hours));
  *p++ = ':';
  Put2(p, static_cast<int>(minutes % 60));
  *p++ = ')';
  return std::string(buf, p);
}

SysTime NowUtc() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace firedrill
