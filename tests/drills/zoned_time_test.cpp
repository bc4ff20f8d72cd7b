#include "drills/zoned_time.h"

#include <date/date.h>
#include <date/tz.h>

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
  // Outside four-digit years it keeps date's spelling.
  CHECK(FormatUtc(last + 1ms) == ReferenceUtc(last + 1ms));
  SysTime early = std::chrono::sys_days(std::chrono::year(999) / 12 / 31) + 12h;
  CHECK(FormatUtc(early) == ReferenceUtc(early));
  CHECK(FormatUtc(early + 12h) == "1000-01-01T00:00:00.000Z");
  SysTime negative = std::chrono::sys_days(std::chrono::year(-1) / 1 / 1);
  CHECK(FormatUtc(negative) == ReferenceUtc(negative));
}

TEST_CASE("FormatUtc matches date::format on random instants", "[drills]") {
  std::mt19937_64 rng(20261122);
  // Years 1 to 12000, so that both ways of spelling are exercised.
  std::uniform_int_distribution<std::int64_t> any(-62'135'596'800'000, 316'500'000'000'000);
  for (int i = 0; i < 200'000; ++i) {
    SysTime t = Ms(any(rng));
    REQUIRE(FormatUtc(t) == ReferenceUtc(t));
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
