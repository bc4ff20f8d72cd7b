#include "drills/zoned_time.h"

#include <catch2/catch.hpp>

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
