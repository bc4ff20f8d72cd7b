#include "drills/recurrence.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "drills/drill.h"
#include "drills/quoted.h"
#include "drills/suggest.h"
#include "drills/zone_lookup.h"
#include "drills/zoned_time.h"

namespace firedrill {
namespace {

using std::chrono::sys_days;
using std::chrono::weekday;
using std::chrono::year_month_day;
using LocalMs = date::local_time<std::chrono::milliseconds>;

// Weekday names in std::chrono::weekday's C encoding (Sunday = 0).
constexpr std::array<std::string_view, 7> kDayNames = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};

constexpr std::string_view kSupportedParts =
    "FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, WKST=MO";

// One "NAME=VALUE" part: as written (for messages) and upper-cased.
struct Part {
  std::string written;
  std::string name;
  std::string value;
};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Error PartError(const Part& p, std::string_view message) {
  return Error{fmt::format("RRULE part {}: {}", Quoted(p.written), message)};
}

// A whole number with an optional sign (when `signed_ok`) and nothing else; nullopt otherwise.
std::optional<int> ParseInt(std::string_view s, bool signed_ok) {
  bool plus = !s.empty() && s.front() == '+';
  if (plus && signed_ok) s.remove_prefix(1);
  if (s.empty() || s.size() > 9 || s.front() == '+' || (s.front() == '-' && (!signed_ok || plus))) {
    return std::nullopt;
  }
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    std::size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

std::optional<weekday> ParseWeekday(std::string_view s) {
  for (unsigned i = 0; i < kDayNames.size(); ++i) {
    if (s == kDayNames[i]) return weekday{i};
  }
  return std::nullopt;
}

Expected<Frequency> ParseFreq(const Part& p) {
  static const std::vector<std::string> kNames = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
  if (p.value == "DAILY") return Frequency::kDaily;
  if (p.value == "WEEKLY") return Frequency::kWeekly;
  if (p.value == "MONTHLY") return Frequency::kMonthly;
  if (p.value == "YEARLY") return Frequency::kYearly;
  if (p.value == "SECONDLY" || p.value == "MINUTELY" || p.value == "HOURLY") {
    return PartError(p, "not supported: a drill repeats DAILY, WEEKLY, MONTHLY or YEARLY");
  }
  return PartError(p, fmt::format("unknown frequency {}{} (expected DAILY, WEEKLY, MONTHLY or "
                                  "YEARLY)",
                                  Quoted(p.value), DidYouMean(p.value, kNames)));
}

// UNTIL: "YYYYMMDD" (a date) or "YYYYMMDDTHHMMSSZ" (UTC).
Status ParseUntil(const Part& p, Recurrence& r) {
  const std::string& v = p.value;
  auto digits = [&](std::size_t from, std::size_t n) -> std::optional<int> {
    if (from + n > v.size()) return std::nullopt;
    for (std::size_t i = from; i < from + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(v[i]))) return std::nullopt;
    }
    return ParseInt(std::string_view(v).substr(from, n), false);
  };
  const char* kForms = "expected a date YYYYMMDD or a UTC date-time YYYYMMDDTHHMMSSZ";
  if (v.size() != 8 && v.size() != 15 && v.size() != 16) return PartError(p, kForms);
  auto y = digits(0, 4), m = digits(4, 2), d = digits(6, 2);
  if (!y || !m || !d) return PartError(p, kForms);
  year_month_day ymd{std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*m)},
                     std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return PartError(p, fmt::format("{} is not a valid date", v.substr(0, 8)));
  if (*y < 1970 || *y > 9999) {
    return PartError(p, "the last day must be between 1970-01-01 and 9999-12-31");
  }
  if (v.size() == 8) {
    r.until_date = ymd;
    return Status::Ok();
  }
  auto hh = digits(9, 2), mm = digits(11, 2), ss = digits(13, 2);
  if (v[8] != 'T' || !hh || !mm || !ss) return PartError(p, kForms);
  if (*hh > 23 || *mm > 59 || *ss > 59) {
    return PartError(p, fmt::format("{} is not a valid time of day", v.substr(9, 6)));
  }
  if (v.size() == 15) {
    return PartError(p,
                     "a date-time UNTIL must be in UTC (end it with Z), or write a date "
                     "YYYYMMDD to end on that day in the window's zone");
  }
  if (v[15] != 'Z') return PartError(p, kForms);
  r.until = sys_days{ymd} + std::chrono::hours{*hh} + std::chrono::minutes{*mm} +
            std::chrono::seconds{*ss};
  return Status::Ok();
}

// A comma-separated list of integers in [lo, hi] without 0 (negative ones when `lo` < 0).
Status ParseIntList(const Part& p, int lo, int hi, const char* range, std::vector<int>& out) {
  for (std::string_view item : Split(p.value, ',')) {
    std::optional<int> v = ParseInt(item, lo < 0);
    if (!v || *v == 0 || *v < lo || *v > hi) {
      return PartError(p, fmt::format("{}: values must be {}", Quoted(item), range));
    }
    out.push_back(*v);
  }
  return Status::Ok();
}

Status ParseByDay(const Part& p, std::vector<ByDay>& out) {
  for (std::string_view item : Split(p.value, ',')) {
    std::size_t name_at = item.size() >= 2 ? item.size() - 2 : 0;
    std::optional<weekday> wd = ParseWeekday(item.substr(name_at));
    if (!wd) {
      return PartError(p, fmt::format("{}: expected a weekday (MO, TU, WE, TH, FR, SA, SU), "
                                      "optionally after an ordinal as in 1TU or -1FR",
                                      Quoted(item)));
    }
    ByDay b{*wd, 0};
    if (name_at > 0) {
      std::optional<int> n = ParseInt(item.substr(0, name_at), true);
      if (!n || *n == 0) {
        return PartError(p, fmt::format("{}: the ordinal before the weekday must be a "
                                        "non-zero whole number, as in 1TU or -1FR",
                                        Quoted(item)));
      }
      b.ordinal = *n;
    }
    out.push_back(b);
  }
  return Status::Ok();
}

// Checks that need the whole rule: ordinals against FREQ and BYMONTH, BYMONTHDAY with WEEKLY.
Status CheckCombination(const Recurrence& r, const Part* by_day, const Part* by_month_day) {
  if (by_month_day != nullptr && r.freq == Frequency::kWeekly) {
    return PartError(*by_month_day, "not allowed with FREQ=WEEKLY (RFC 5545); use BYDAY");
  }
  if (by_day == nullptr) return Status::Ok();
  bool in_year = r.freq == Frequency::kYearly && r.by_month.empty();
  int limit = in_year ? 53 : 5;
  for (const ByDay& b : r.by_day) {
    if (b.ordinal == 0) continue;
    std::string entry = fmt::format("{}{}", b.ordinal, kDayNames[b.weekday.c_encoding()]);
    std::string prefix = r.by_day.size() > 1 ? entry + ": " : "";
    if (r.freq == Frequency::kDaily || r.freq == Frequency::kWeekly) {
      return PartError(
          *by_day, fmt::format("{}an ordinal ({}) needs FREQ=MONTHLY or FREQ=YEARLY; with "
                               "FREQ={} write plain weekdays such as MO,WE",
                               prefix, entry, r.freq == Frequency::kDaily ? "DAILY" : "WEEKLY"));
    }
    if (b.ordinal > limit || b.ordinal < -limit) {
      return PartError(*by_day,
                       fmt::format("{}ordinal must be 1..{} or -{}..-1{}", prefix, limit, limit,
                                   in_year ? " (FREQ=YEARLY without BYMONTH counts the "
                                             "weekdays of the whole year)"
                                           : ""));
    }
  }
  return Status::Ok();
}

// The instant of a local time as RFC 5545 section 3.3.5 reads it: a time in a spring-forward gap
// uses the offset before the gap (so it moves forward by the gap's length), a time that happens
// twice uses the first (earlier) offset. In both cases that is `info.first`.
SysTime Resolve(const date::time_zone& tz, LocalMs local) {
  date::local_info info = tz.get_info(date::floor<std::chrono::seconds>(local));
  return SysTime{local.time_since_epoch() - info.first.offset};
}

sys_days ToDays(date::local_days d) {
  return sys_days{std::chrono::days{d.time_since_epoch().count()}};
}

LocalMs ToLocal(sys_days d, std::chrono::milliseconds time_of_day) {
  return LocalMs{std::chrono::milliseconds{d.time_since_epoch()} + time_of_day};
}

bool Contains(const std::vector<int>& list, int v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool MonthDayMatches(const std::vector<int>& list, int day, int days_in_month) {
  return std::any_of(list.begin(), list.end(),
                     [&](int v) { return v > 0 ? v == day : days_in_month + 1 + v == day; });
}

// True iff `d` is one of `list`'s weekdays; an ordinal counts within [scope_first, scope_last].
bool ByDayMatches(const std::vector<ByDay>& list, sys_days d, sys_days scope_first,
                  sys_days scope_last) {
  weekday wd{d};
  for (const ByDay& b : list) {
    if (b.weekday != wd) continue;
    if (b.ordinal == 0) return true;
    auto forward = static_cast<int>((d - scope_first).count() / 7) + 1;
    auto backward = -(static_cast<int>((scope_last - d).count() / 7) + 1);
    if (b.ordinal == forward || b.ordinal == backward) return true;
  }
  return false;
}

// The days a rule selects, period by period (RFC 5545's expand/limit table for the parts we
// support), as local calendar days.
class DaySource {
 public:
  DaySource(const Recurrence& r, sys_days first_day)
      : r_(r), first_day_(first_day), first_(first_day) {}

  // Replaces `out` with the days of period `k` (0 is the first window's period), ascending.
  // Returns the year the period starts in, for the scan limit.
  int Period(std::int64_t k, std::vector<sys_days>& out) const {
    using std::chrono::days;
    out.clear();
    const std::int64_t step = k * r_.interval;
    switch (r_.freq) {
      case Frequency::kDaily: {
        sys_days d = first_day_ + days{step};
        year_month_day ymd{d};
        int dim = DaysIn(ymd.year() / ymd.month());
        bool ok = (r_.by_month.empty() || Contains(r_.by_month, MonthOf(ymd))) &&
                  (r_.by_month_day.empty() || MonthDayMatches(r_.by_month_day, DayOf(ymd), dim)) &&
                  (r_.by_day.empty() || ByDayMatches(r_.by_day, d, d, d));
        if (ok) out.push_back(d);
        return static_cast<int>(ymd.year());
      }
      case Frequency::kWeekly: {
        sys_days monday = first_day_ - (weekday{first_day_} - std::chrono::Monday);
        sys_days week = monday + days{7 * step};
        for (int i = 0; i < 7; ++i) {
          sys_days d = week + days{i};
          bool day_ok = r_.by_day.empty() ? weekday{d} == weekday{first_day_}
                                          : ByDayMatches(r_.by_day, d, d, d);
          if (day_ok &&
              (r_.by_month.empty() || Contains(r_.by_month, MonthOf(year_month_day{d})))) {
            out.push_back(d);
          }
        }
        return static_cast<int>(year_month_day{week}.year());
      }
      case Frequency::kMonthly: {
        std::chrono::year_month ym = first_.year() / first_.month() + std::chrono::months{step};
        if (r_.by_month.empty() ||
            Contains(r_.by_month, static_cast<int>(static_cast<unsigned>(ym.month())))) {
          AddMonthDays(ym, sys_days{ym / 1}, sys_days{ym / std::chrono::last}, out);
        }
        return static_cast<int>(ym.year());
      }
      case Frequency::kYearly:
      default: {
        std::chrono::year y = first_.year() + std::chrono::years{step};
        std::vector<int> months = r_.by_month;
        if (months.empty()) {
          if (r_.by_month_day.empty() && r_.by_day.empty()) {
            months = {MonthOf(first_)};
          } else {
            months = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
          }
        }
        std::sort(months.begin(), months.end());
        months.erase(std::unique(months.begin(), months.end()), months.end());
        for (int m : months) {
          std::chrono::year_month ym = y / std::chrono::month{static_cast<unsigned>(m)};
          // Ordinals count within the month with BYMONTH, else within the year.
          if (r_.by_month.empty()) {
            AddMonthDays(ym, sys_days{y / 1 / 1}, sys_days{y / 12 / 31}, out);
          } else {
            AddMonthDays(ym, sys_days{ym / 1}, sys_days{ym / std::chrono::last}, out);
          }
        }
        return static_cast<int>(y);
      }
    }
  }

 private:
  static int DaysIn(std::chrono::year_month ym) {
    return static_cast<int>(static_cast<unsigned>((ym / std::chrono::last).day()));
  }
  static int MonthOf(const year_month_day& ymd) {
    return static_cast<int>(static_cast<unsigned>(ymd.month()));
  }
  static int DayOf(const year_month_day& ymd) {
    return static_cast<int>(static_cast<unsigned>(ymd.day()));
  }

  void AddMonthDays(std::chrono::year_month ym, sys_days scope_first, sys_days scope_last,
                    std::vector<sys_days>& out) const {
    const int dim = DaysIn(ym);
    for (int day = 1; day <= dim; ++day) {
      sys_days d{ym / std::chrono::day{static_cast<unsigned>(day)}};
      bool ok = true;
      if (!r_.by_month_day.empty()) ok = MonthDayMatches(r_.by_month_day, day, dim);
      if (ok && !r_.by_day.empty()) ok = ByDayMatches(r_.by_day, d, scope_first, scope_last);
      // Neither BYMONTHDAY nor BYDAY: the first window's day of the month.
      if (r_.by_month_day.empty() && r_.by_day.empty()) ok = day == DayOf(first_);
      if (ok) out.push_back(d);
    }
  }

  const Recurrence& r_;
  sys_days first_day_;
  year_month_day first_;
};

}  // namespace

Expected<Recurrence> ParseRRule(std::string_view text) {
  Recurrence r;
  r.text = std::string(text);
  std::string_view body = Trim(text);
  if (body.size() >= 6 && Upper(body.substr(0, 6)) == "RRULE:") body.remove_prefix(6);
  if (body.empty()) {
    return Error{"empty RRULE: expected parts such as \"FREQ=MONTHLY;BYDAY=1TU\""};
  }
  static const std::vector<std::string> kKnown = {"FREQ",  "INTERVAL",   "COUNT",   "UNTIL",
                                                  "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"};
  static const std::vector<std::string> kUnsupported = {
      "BYSETPOS", "BYHOUR", "BYMINUTE", "BYSECOND", "BYYEARDAY", "BYWEEKNO", "RSCALE", "SKIP"};
  std::vector<Part> parts;
  for (std::string_view written : Split(body, ';')) {
    Part p{std::string(written), "", ""};
    std::size_t eq = written.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == written.size()) {
      return PartError(p, "expected NAME=VALUE, e.g. FREQ=MONTHLY");
    }
    p.name = Upper(written.substr(0, eq));
    p.value = Upper(written.substr(eq + 1));
    if (std::find(kUnsupported.begin(), kUnsupported.end(), p.name) != kUnsupported.end()) {
      return PartError(
          p, fmt::format("{} is not supported (supported parts: {})", p.name, kSupportedParts));
    }
    if (std::find(kKnown.begin(), kKnown.end(), p.name) == kKnown.end()) {
      return PartError(p, fmt::format("unknown part {}{} (supported parts: {})", Quoted(p.name),
                                      DidYouMean(p.name, kKnown), kSupportedParts));
    }
    for (const Part& seen : parts) {
      if (seen.name == p.name) {
        return PartError(p,
                         fmt::format("{} is given twice (also {})", p.name, Quoted(seen.written)));
      }
    }
    parts.push_back(std::move(p));
  }

  const Part* by_day = nullptr;
  const Part* by_month_day = nullptr;
  const Part* count = nullptr;
  const Part* until = nullptr;
  bool has_freq = false;
  for (const Part& p : parts) {
    Status s;
    if (p.name == "FREQ") {
      Expected<Frequency> f = ParseFreq(p);
      if (!f) return f.error();
      r.freq = *f;
      has_freq = true;
    } else if (p.name == "INTERVAL") {
      std::optional<int> v = ParseInt(p.value, false);
      if (!v || *v < 1 || *v > kMaxRRuleInterval) {
        return PartError(
            p, fmt::format("INTERVAL must be a whole number from 1 to {}", kMaxRRuleInterval));
      }
      r.interval = *v;
    } else if (p.name == "COUNT") {
      std::optional<int> v = ParseInt(p.value, false);
      if (!v || *v < 1 || *v > kMaxRRuleCount) {
        return PartError(p,
                         fmt::format("COUNT must be a whole number from 1 to {}", kMaxRRuleCount));
      }
      r.count = *v;
      count = &p;
    } else if (p.name == "UNTIL") {
      s = ParseUntil(p, r);
      until = &p;
    } else if (p.name == "BYDAY") {
      s = ParseByDay(p, r.by_day);
      by_day = &p;
    } else if (p.name == "BYMONTHDAY") {
      s = ParseIntList(p, -31, 31, "1..31 or -31..-1 (counted from the end of the month)",
                       r.by_month_day);
      by_month_day = &p;
    } else if (p.name == "BYMONTH") {
      s = ParseIntList(p, 1, 12, "1..12", r.by_month);
    } else if (p.name == "WKST") {
      if (p.value != "MO") {
        return PartError(p, ParseWeekday(p.value)
                                ? "only WKST=MO is supported: weeks start on Monday (leave WKST "
                                  "out)"
                                : "expected WKST=MO (weeks start on Monday)");
      }
    }
    if (!s) return s.error();
  }
  if (!has_freq) {
    return Error{
        fmt::format("RRULE {}: FREQ is missing (DAILY, WEEKLY, MONTHLY or YEARLY)", Quoted(body))};
  }
  if (count != nullptr && until != nullptr) {
    return Error{fmt::format("RRULE parts {} and {}: give COUNT or UNTIL, not both",
                             Quoted(count->written), Quoted(until->written))};
  }
  if (Status s = CheckCombination(r, by_day, by_month_day); !s) return s.error();
  return r;
}

std::string FormatRRule(const Recurrence& r, std::string_view zone) {
  static constexpr std::array<std::string_view, 4> kFreq = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
  std::string out = fmt::format("FREQ={}", kFreq[static_cast<std::size_t>(r.freq)]);
  if (r.interval != 1) out += fmt::format(";INTERVAL={}", r.interval);
  if (r.count) out += fmt::format(";COUNT={}", *r.count);
  std::optional<std::chrono::sys_seconds> until = r.until;
  if (r.until_date) {
    // The last second of that local day: every occurrence starting that day, and no later one.
    sys_days next = sys_days{*r.until_date} + std::chrono::days{1};
    SysTime midnight{std::chrono::milliseconds{next.time_since_epoch()}};
    if (const date::time_zone* tz = FindZone(zone)) {
      midnight = Resolve(*tz, ToLocal(next, std::chrono::milliseconds{0}));
    }
    until = std::chrono::floor<std::chrono::seconds>(midnight) - std::chrono::seconds{1};
  }
  if (until) out += date::format(";UNTIL=%Y%m%dT%H%M%SZ", *until);
  auto join_ints = [](const std::vector<int>& v) { return fmt::format("{}", fmt::join(v, ",")); };
  if (!r.by_month.empty()) out += ";BYMONTH=" + join_ints(r.by_month);
  if (!r.by_month_day.empty()) out += ";BYMONTHDAY=" + join_ints(r.by_month_day);
  if (!r.by_day.empty()) {
    out += ";BYDAY=";
    for (std::size_t i = 0; i < r.by_day.size(); ++i) {
      if (i > 0) out += ',';
      if (r.by_day[i].ordinal != 0) out += std::to_string(r.by_day[i].ordinal);
      out += kDayNames[r.by_day[i].weekday.c_encoding()];
    }
  }
  return out;
}

Expected<std::vector<Window>> Occurrences(
    const Window& first, const Recurrence& rule,
    std::chrono::sys_time<std::chrono::milliseconds> not_before, std::size_t max) {
  const date::time_zone* tz = FindZone(first.zone);
  if (tz == nullptr) return Error{fmt::format("unknown time zone {}", Quoted(first.zone))};
  if (first.end <= first.start) return Error{"the first window does not end after it starts"};
  std::vector<Window> out;
  if (max == 0) return out;

  // The first window as local days and times of day; every occurrence repeats them.
  const LocalMs local_start = tz->to_local(first.start);
  const LocalMs local_end = tz->to_local(first.end);
  const date::local_days start_day = date::floor<date::days>(local_start);
  const date::local_days end_day = date::floor<date::days>(local_end);
  const std::chrono::milliseconds start_time = local_start - start_day;
  const std::chrono::milliseconds end_time = local_end - end_day;
  const std::chrono::days end_after{(end_day - start_day).count()};
  const Duration length = first.end - first.start;

  std::size_t counted = 0;
  // Counts one occurrence; returns false when no more are wanted.
  auto take = [&](Window w) {
    ++counted;
    w.repeat.reset();
    if (w.end > not_before) out.push_back(std::move(w));
    if (out.size() >= max) return false;
    return !(rule.count && counted >= static_cast<std::size_t>(*rule.count));
  };
  if (!take(first)) return out;

  const sys_days first_day = ToDays(start_day);
  const int last_year =
      static_cast<int>(year_month_day{first_day}.year()) + kMaxRecurrenceScanYears;
  DaySource source(rule, first_day);
  std::vector<sys_days> days;
  for (std::int64_t k = 0;; ++k) {
    if (source.Period(k, days) > last_year) return out;
    for (sys_days d : days) {
      if (d <= first_day) continue;  // the first window is DTSTART; nothing before it counts
      if (rule.until_date && d > sys_days{*rule.until_date}) return out;
      Window w = first;
      w.start = Resolve(*tz, ToLocal(d, start_time));
      if (rule.until && w.start > *rule.until) return out;
      if (w.start > kLatestDrillTime) return out;  // no drill time is later
      w.end = Resolve(*tz, ToLocal(d + end_after, end_time));
      if (w.end <= w.start) w.end = w.start + length;
      if (!take(std::move(w))) return out;
    }
  }
}

}  // namespace firedrill
