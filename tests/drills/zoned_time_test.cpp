#include "drills/zoned_time.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

using namespace firedrill;
using namespace std::chrono_literals;

TEST_CASE("local times convert through the zone's rules", "[drills]") {
  auto summer = LocalToSys({2027, 7, 1, 12, 0, 0, 0}, "Europe/Copenhagen");
  REQUIRE(summer.ok());
  CHECK(FormatUtc(*summer) == "2027-07-01T10:00:00.000Z");
  CHECK(FormatInZone(*summer, "Europe/Copenhagen") == "2027-07-01 12:00:00 CEST (+02:00)");
}

TEST_CASE("unknown zones and impossible dates are errors", "[drills]") {
  CHECK_FALSE(IsKnownZone("Mars/Olympus_Mons"));
  CHECK(IsKnownZone("Asia/Tokyo"));
  CHECK_FALSE(LocalToSys({2027, 2, 30, 0, 0, 0, 0}, "UTC").ok());
  CHECK_FALSE(LocalToSys({2027, 1, 1, 0, 0, 0, 0}, "Nowhere/City").ok());
}

TEST_CASE("a bare end time is the next such time after the start", "[drills]") {
  auto start = LocalToSys({2027, 1, 1, 22, 0, 0, 0}, "Asia/Tokyo");
  REQUIRE(start.ok());
  auto end = NextLocalTimeAfter(*start, 2, 0, 0, 0, "Asia/Tokyo");
  REQUIRE(end.ok());
  CHECK(*end - *start == 4h);
  auto same_day = NextLocalTimeAfter(*start, 23, 0, 0, 0, "Asia/Tokyo");
  REQUIRE(same_day.ok());
  CHECK(*same_day - *start == 1h);
}

namespace {

// The spellings FormatUtc and FormatInZone had when they went through date::format: theirs must
// stay the same byte for byte.
std::string ReferenceUtc(SysTime t) { return date::format("%FT%TZ", t); }

std::string ReferenceInZone(SysTime t, const date::time_zone* tz) {
  date::zoned_time<std::chrono::seconds> zt{tz, date::floor<std::chrono::seconds>(t)};
  return date::format("%F %T %Z (%Ez)", zt);
}

SysTime Ms(std::int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("FormatUtc spells edge instants as before", "[drills]") {
  CHECK(FormatUtc(Ms(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatUtc(Ms(1)) == "1970-01-01T00:00:00.001Z");
  CHECK(FormatUtc(Ms(-1)) == "1969-12-31T23:59:59.999Z");
  CHECK(FormatUtc(Ms(1'234)) == "1970-01-01T00:00:01.234Z");
  CHECK(FormatUtc(Ms(10)) == "1970-01-01T00:00:00.010Z");
  CHECK(FormatUtc(std::chrono::sys_days(std::chrono::year(2028) / 2 / 29) + 23h + 59min + 59s +
                  999ms) == "2028-02-29T23:59:59.999Z");
  SysTime last =
      std::chrono::sys_days(std::chrono::year(9999) / 12 / 31) + 23h + 59min + 59s + 999ms;
  CHECK(FormatUtc(last) == "9999-12-31T23:59:59.999Z");
  // Past four-digit years, ISO 8601's expanded form (date::format wrote "10000-…" and "00-1-…").
  CHECK(FormatUtc(last + 1ms) == "+10000-01-01T00:00:00.000Z");
  SysTime early = std::chrono::sys_days(std::chrono::year(999) / 12 / 31) + 12h;
  CHECK(FormatUtc(early) == ReferenceUtc(early));
  CHECK(FormatUtc(early + 12h) == "1000-01-01T00:00:00.000Z");
  SysTime negative = std::chrono::sys_days(std::chrono::year(-1) / 1 / 1);
  CHECK(FormatUtc(negative) == "-0001-01-01T00:00:00.000Z");
}

TEST_CASE("FormatUtc matches date::format on random instants in years 0 to 9999", "[drills]") {
  std::mt19937_64 rng(20261122);
  // Years 0 to 9999, where date::format writes four digits: both of FormatUtc's ways are used.
  std::uniform_int_distribution<std::int64_t> any(-62'167'219'200'000, 253'402'300'799'999);
  for (int i = 0; i < 200'000; ++i) {
    SysTime t = Ms(any(rng));
    REQUIRE(FormatUtc(t) == ReferenceUtc(t));
  }
}

TEST_CASE("FormatUtc and date::format name the same instant in any year", "[drills]") {
  // Beyond 0000-9999 the spellings differ only in the year's sign and width; date's own civil
  // calendar (years -32767..32767) checks the date and time of day.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> any(-900'000'000'000'000, 900'000'000'000'000);
  for (int i = 0; i < 100'000; ++i) {
    SysTime t = Ms(any(rng));
    std::string ours = FormatUtc(t);
    std::string theirs = ReferenceUtc(t);
    INFO(t.time_since_epoch().count() << " " << ours << " " << theirs);
    REQUIRE(ours.substr(ours.size() - 20) == theirs.substr(theirs.size() - 20));
    auto year = static_cast<int>(
        std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(t)}.year());
    REQUIRE(ours.substr(0, ours.size() - 20) == (year < 0      ? fmt::format("-{:04}", -year)
                                                 : year > 9999 ? fmt::format("+{}", year)
                                                               : fmt::format("{:04}", year)));
  }
}

TEST_CASE("FormatInZone matches date::format in every zone", "[drills]") {
  CHECK(FormatInZone(Ms(0), "America/New_York") == "1969-12-31 19:00:00 EST (-05:00)");
  CHECK(FormatInZone(Ms(999), "Asia/Kolkata") == "1970-01-01 05:30:00 IST (+05:30)");
  CHECK(FormatInZone(Ms(0), "Nowhere/City") == "1970-01-01T00:00:00.000Z");
  std::mt19937_64 rng(7);
  // 1850 (local mean times with seconds in their offsets) to 2200 (rules beyond the tables).
  std::uniform_int_distribution<std::int64_t> any(-3'786'825'600'000, 7'258'118'400'000);
  const date::tzdb& db = date::get_tzdb();
  for (const date::time_zone& zone : db.zones) {
    std::string name(zone.name());
    for (int i = 0; i < 60; ++i) {
      SysTime t = Ms(any(rng));
      INFO(name << " " << t.time_since_epoch().count());
      REQUIRE(FormatInZone(t, name) == ReferenceInZone(t, &zone));
    }
  }
  // Either side of a transition, to the second.
  auto spring = LocalToSys({2027, 3, 28, 1, 59, 59, 999}, "Europe/Copenhagen");
  REQUIRE(spring.ok());
  const date::time_zone* cph = date::locate_zone("Europe/Copenhagen");
  for (auto d : {-1000ms, 0ms, 1ms, 1000ms, 3600000ms}) {
    CHECK(FormatInZone(*spring + d, "Europe/Copenhagen") == ReferenceInZone(*spring + d, cph));
  }
}

TEST_CASE("a bare time that falls in the DST gap of its day is an error, not the next day",
          "[drills][hostile]") {
  auto start = LocalToSys({2027, 3, 28, 1, 0, 0, 0}, "Europe/Copenhagen");
  REQUIRE(start.ok());
  auto end = NextLocalTimeAfter(*start, 2, 30, 0, 0, "Europe/Copenhagen");
  REQUIRE_FALSE(end.ok());
  CHECK_THAT(end.error().message,
             Catch::Contains("2027-03-28T02:30:00 does not exist in Europe/Copenhagen"));
  // From the evening before, 02:30 is still that night's, which does not exist either.
  auto evening = LocalToSys({2027, 3, 27, 22, 0, 0, 0}, "Europe/Copenhagen");
  REQUIRE(evening.ok());
  CHECK_FALSE(NextLocalTimeAfter(*evening, 2, 30, 0, 0, "Europe/Copenhagen").ok());
  // A time repeated when the clocks go back is ambiguous, as it is written in full.
  auto autumn = LocalToSys({2027, 10, 30, 23, 0, 0, 0}, "Europe/Copenhagen");
  REQUIRE(autumn.ok());
  auto twice = NextLocalTimeAfter(*autumn, 2, 30, 0, 0, "Europe/Copenhagen");
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.error().message, Catch::Contains("happens twice"));
}

TEST_CASE("FormatUtc writes any instant as an ISO 8601 date-time, signed beyond 0000-9999",
          "[drills][hostile]") {
  using std::chrono::sys_days;
  using std::chrono::year;
  CHECK(FormatUtc(sys_days(year(0) / 1 / 1)) == "0000-01-01T00:00:00.000Z");
  CHECK(FormatUtc(sys_days(year(-1) / 12 / 28) + 23h + 9min + 40s) == "-0001-12-28T23:09:40.000Z");
  CHECK(FormatUtc(sys_days(year(10000) / 1 / 1)) == "+10000-01-01T00:00:00.000Z");
  CHECK(FormatUtc(sys_days(year(999) / 3 / 1) + 1ms) == "0999-03-01T00:00:00.001Z");
  CHECK(FormatUtc(SysTime::max()) == "+292278994-08-17T07:12:55.807Z");
  CHECK(FormatUtc(SysTime::min()) == "-292275055-05-16T16:47:04.192Z");
  // Outside the years a zone can be looked up in, FormatInZone falls back to UTC.
  CHECK(FormatInZone(SysTime::max(), "Europe/Copenhagen") == FormatUtc(SysTime::max()));
  CHECK(FormatInZone(SysTime::min(), "America/New_York") == FormatUtc(SysTime::min()));
}
