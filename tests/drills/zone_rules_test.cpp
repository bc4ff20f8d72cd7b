#include "drills/zone_rules.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "drills/zoned_time.h"

using namespace firedrill;
using namespace std::chrono_literals;

namespace {

SysTime Utc(int y, int mo, int d) {
  return SysTime{std::chrono::sys_days{std::chrono::year{y} / mo / d}};
}

ZoneRules Rules(const char* zone, SysTime from, SysTime to) {
  Expected<ZoneRules> r = YearlyZoneRules(zone, from, to);
  INFO(zone << ": " << (r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

void CheckChange(const YearlyOffsetChange& c, unsigned month, std::chrono::weekday weekday,
                 int ordinal, std::chrono::seconds at, std::chrono::seconds from,
                 std::chrono::seconds to, bool daylight, const char* abbrev) {
  CHECK(c.month == std::chrono::month{month});
  CHECK(c.weekday == weekday);
  CHECK(c.ordinal == ordinal);
  CHECK(c.at == at);
  CHECK(c.from == from);
  CHECK(c.to == to);
  CHECK(c.daylight == daylight);
  CHECK(c.abbrev == abbrev);
}

}  // namespace

TEST_CASE("European summer time is the last Sunday of March and of October",
          "[drills][zone_rules]") {
  ZoneRules r = Rules("Europe/Copenhagen", Utc(2027, 1, 5), Utc(2077, 1, 5));
  CHECK(r.offset == 1h);
  CHECK(r.abbrev == "CET");
  REQUIRE(r.changes.size() == 2);
  CheckChange(r.changes[0], 3, std::chrono::Sunday, -1, 2h, 1h, 2h, true, "CEST");
  CheckChange(r.changes[1], 10, std::chrono::Sunday, -1, 3h, 2h, 1h, false, "CET");
  CHECK(ChangeDay(r.changes[0], std::chrono::year{2027}) == std::chrono::year{2027} / 3 / 28);
  CHECK(ChangeDay(r.changes[1], std::chrono::year{1970}) == std::chrono::year{1970} / 10 / 25);
  // A short period still gives "last Sunday", not the "fourth Sunday" 2027 also fits.
  ZoneRules one_year = Rules("Europe/Copenhagen", Utc(2027, 1, 5), Utc(2028, 1, 5));
  REQUIRE(one_year.changes.size() == 2);
  CHECK(one_year.changes[0].ordinal == -1);
}

TEST_CASE("US and southern-hemisphere rules use nth Sundays", "[drills][zone_rules]") {
  ZoneRules ny = Rules("America/New_York", Utc(2027, 6, 1), Utc(2040, 1, 1));
  CHECK(ny.offset == -4h);
  REQUIRE(ny.changes.size() == 2);
  CheckChange(ny.changes[0], 11, std::chrono::Sunday, 1, 2h, -4h, -5h, false, "EST");
  CheckChange(ny.changes[1], 3, std::chrono::Sunday, 2, 2h, -5h, -4h, true, "EDT");

  ZoneRules sydney = Rules("Australia/Sydney", Utc(2027, 1, 1), Utc(2040, 1, 1));
  REQUIRE(sydney.changes.size() == 2);
  CheckChange(sydney.changes[0], 4, std::chrono::Sunday, 1, 3h, 11h, 10h, false, "AEST");
  CheckChange(sydney.changes[1], 10, std::chrono::Sunday, 1, 2h, 10h, 11h, true, "AEDT");
}

TEST_CASE("a zone without changes is one fixed offset", "[drills][zone_rules]") {
  ZoneRules utc = Rules("UTC", Utc(2027, 1, 1), Utc(2127, 1, 1));
  CHECK(utc.offset == 0s);
  CHECK(utc.changes.empty());
  ZoneRules tokyo = Rules("Asia/Tokyo", Utc(2027, 1, 1), Utc(2127, 1, 1));
  CHECK(tokyo.offset == 9h);
  CHECK(tokyo.abbrev == "JST");
  CHECK(tokyo.changes.empty());
}

TEST_CASE("changes that follow no single yearly rule are refused", "[drills][zone_rules]") {
  // The United States moved its DST dates in 2007.
  Expected<ZoneRules> r = YearlyZoneRules("America/New_York", Utc(2005, 1, 10), Utc(2009, 1, 1));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("do not follow one yearly rule"));
  CHECK_FALSE(YearlyZoneRules("Nowhere/Special", Utc(2027, 1, 1), Utc(2028, 1, 1)).ok());
}
