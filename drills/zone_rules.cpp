#include "drills/zone_rules.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "drills/quoted.h"
#include "drills/zone_lookup.h"

namespace firedrill {
namespace {

using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using std::chrono::year_month_day;

// A change of offset as the tz database has it.
struct Change {
  sys_seconds at;
  seconds from;
  seconds to;
  bool daylight;
  std::string abbrev;
};

// Changes scanned at most; a century of twice-yearly changes is 200.
constexpr int kMaxChanges = 10000;

// The system's compiled zone files list each change up to 2037 and leave later years to a rule
// the tz library does not read (it shows no change after 2037): compare only up to there.
constexpr sys_days kListedUntil = std::chrono::year{2038} / 1 / 1;

// The ordinals a change on `day` can be written with: -1 when it is the month's last such weekday
// (tried first: "last Sunday" is how most zones' rules are written, and a day 22-28 is also a
// fourth), and its nth weekday (n <= 4, since a fifth one is missing in most months).
std::vector<int> Ordinals(const year_month_day& day) {
  std::vector<int> out;
  const unsigned d = static_cast<unsigned>(day.day());
  const unsigned last = static_cast<unsigned>((day.year() / day.month() / std::chrono::last).day());
  if (d + 7 > last) out.push_back(-1);
  if (d <= 28) out.push_back(static_cast<int>((d - 1) / 7 + 1));
  return out;
}

YearlyOffsetChange Describe(const Change& c, int ordinal) {
  const sys_seconds local{c.at.time_since_epoch() + c.from};
  const sys_days day = std::chrono::floor<std::chrono::days>(local);
  const year_month_day ymd{day};
  return YearlyOffsetChange{
      ymd.month(), std::chrono::weekday{day}, ordinal, local - day, c.from, c.to, c.daylight,
      c.abbrev};
}

sys_seconds InstantIn(const YearlyOffsetChange& c, std::chrono::year y) {
  return sys_seconds{sys_days{ChangeDay(c, y)}} + c.at - c.from;
}

// True iff `a` and `b`, recurring every year, give exactly `actual` between `from` and `to`.
bool Reproduces(const YearlyOffsetChange& a, const YearlyOffsetChange& b,
                const std::vector<Change>& actual, sys_seconds from, sys_seconds to) {
  if (a.from != b.to || b.from != a.to) return false;
  std::vector<std::pair<sys_seconds, const YearlyOffsetChange*>> model;
  const auto first_year = year_month_day{std::chrono::floor<std::chrono::days>(from)}.year();
  const auto last_year = year_month_day{std::chrono::floor<std::chrono::days>(to)}.year();
  for (auto y = first_year - std::chrono::years{1}; y <= last_year + std::chrono::years{1}; ++y) {
    for (const YearlyOffsetChange* c : {&a, &b}) {
      sys_seconds t = InstantIn(*c, y);
      if (t > from && t <= to) model.emplace_back(t, c);
    }
  }
  std::sort(model.begin(), model.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  if (model.size() != actual.size()) return false;
  for (std::size_t i = 0; i < model.size(); ++i) {
    if (model[i].first != actual[i].at || model[i].second->from != actual[i].from ||
        model[i].second->to != actual[i].to) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::chrono::year_month_day ChangeDay(const YearlyOffsetChange& change, std::chrono::year year) {
  if (change.ordinal < 0) {
    return year_month_day{
        sys_days{year / change.month / std::chrono::weekday_last{change.weekday}}};
  }
  return year_month_day{
      sys_days{year / change.month / change.weekday[static_cast<unsigned>(change.ordinal)]}};
}

Expected<ZoneRules> YearlyZoneRules(std::string_view zone, SysTime from, SysTime to) {
  const date::time_zone* tz = FindZone(zone);
  if (tz == nullptr) return Error{fmt::format("unknown time zone {}", Quoted(zone))};
  const sys_seconds begin = std::chrono::floor<seconds>(from);
  const sys_seconds end = std::min(std::chrono::ceil<seconds>(to), sys_seconds{kListedUntil});
  date::sys_info info = tz->get_info(begin);
  ZoneRules rules{info.offset, info.abbrev, {}};

  // The offset changes in (begin, end]; a new abbreviation alone changes nothing for a calendar.
  std::vector<Change> changes;
  while (info.end <= end) {
    date::sys_info next = tz->get_info(info.end);
    if (next.offset != info.offset) {
      changes.push_back(
          {info.end, info.offset, next.offset, next.save != std::chrono::minutes{0}, next.abbrev});
    }
    if (changes.size() > static_cast<std::size_t>(kMaxChanges) || next.end <= info.end) {
      return Error{fmt::format("{} changes its offset too often to describe", zone)};
    }
    info = next;
  }
  if (changes.empty()) return rules;
  if (changes.size() < 2) {
    return Error{fmt::format("{} changes its offset only once in the period, on {}", zone,
                             date::format("%F", changes[0].at))};
  }
  for (int first_ordinal : Ordinals(year_month_day{
           std::chrono::floor<std::chrono::days>(changes[0].at + changes[0].from)})) {
    for (int second_ordinal : Ordinals(year_month_day{
             std::chrono::floor<std::chrono::days>(changes[1].at + changes[1].from)})) {
      YearlyOffsetChange a = Describe(changes[0], first_ordinal);
      YearlyOffsetChange b = Describe(changes[1], second_ordinal);
      if (Reproduces(a, b, changes, begin, end)) {
        rules.changes = {std::move(a), std::move(b)};
        return rules;
      }
    }
  }
  return Error{
      fmt::format("the offset changes of {} between {} and {} do not follow one yearly "
                  "rule",
                  zone, date::format("%F", begin), date::format("%F", end))};
}

}  // namespace firedrill
