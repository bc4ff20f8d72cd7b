// Times a drill file may hold: every one must name exactly one instant (daylight saving time is
// never guessed) and lie in a sane range of years.
#include <catch2/catch.hpp>
#include <string>

#include "drills/zoned_time.h"
#include "tests/drills/test_drill.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

// The valid drill with its window replaced.
std::string WithWindow(const std::string& start, const std::string& end,
                       const std::string& zone = "Europe/Copenhagen") {
  std::string text = ReplaceOnce(kValidDrill, "start = 2027-03-04T10:00:00", "start = " + start);
  text = ReplaceOnce(text, "end = 2027-03-04T11:00:00", "end = " + end);
  return ReplaceOnce(text, "zone = \"Europe/Copenhagen\"", "zone = \"" + zone + "\"");
}

}  // namespace

TEST_CASE("a bare end time that does not exist on its day is an error, not the next day",
          "[drills][hostile]") {
  // Copenhagen skips 02:00-03:00 on 2027-03-28: 02:30 that night does not exist.
  LoadResult r = LoadText(WithWindow("2027-03-28T01:00:00", "02:30:00"));
  INFO(Diagnosed(r));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:13:7: [window]: \"end\": "
                                           "2027-03-28T02:30:00 does not exist in "
                                           "Europe/Copenhagen"));
  // The same time of day on an ordinary night is fine, and a window crossing midnight into the
  // gap day ends before the gap.
  LoadResult ordinary = LoadText(WithWindow("2027-03-21T01:00:00", "02:30:00"));
  INFO(Diagnosed(ordinary));
  REQUIRE(ordinary.ok());
  CHECK(ordinary.drill->window.end - ordinary.drill->window.start == 90min);
  LoadResult crossing = LoadText(WithWindow("2027-03-27T23:00:00", "01:30:00"));
  INFO(Diagnosed(crossing));
  REQUIRE(crossing.ok());
  CHECK(crossing.drill->window.end - crossing.drill->window.start == 150min);
}

TEST_CASE("a bare blackout end in a DST gap is an error too", "[drills][hostile]") {
  LoadResult r = LoadText(kValidDrill +
                          "\n[[blackouts]]\nname = \"night\"\nstart = 2027-03-28T01:00:00\n"
                          "end = 02:30:00\n");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:51:7: blackout #1: \"end\": "
                                           "2027-03-28T02:30:00 does not exist"));
}

TEST_CASE("times before 1970 or after 9999 are refused where they are written",
          "[drills][hostile]") {
  SECTION("year 0000") {
    LoadResult r = LoadText(WithWindow("0000-01-01T10:00:00", "0000-01-01T11:00:00"));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:12:9: [window]: \"start\": "));
    CHECK_THAT(Diagnosed(r), Catch::Contains("between 1970-01-01 and 9999-12-31"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:13:7: [window]: \"end\": "));
    CHECK_THAT(Diagnosed(r), !Catch::Contains("00-1"));
  }
  SECTION("an offset that makes it year 10000 in UTC") {
    LoadResult r = LoadText(WithWindow("9999-12-31T22:00:00-01:00", "9999-12-31T23:30:00-01:00"));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:13:7: [window]: \"end\": "));
    CHECK_THAT(Diagnosed(r), Catch::Contains("between 1970-01-01 and 9999-12-31"));
  }
  SECTION("a bare end time that crosses into year 10000") {
    LoadResult r = LoadText(WithWindow("9999-12-31T23:00:00", "01:00:00", "UTC"));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:13:7: [window]: \"end\": "));
  }
  SECTION("1969 and a blackout in year 0001") {
    LoadResult r = LoadText(WithWindow("1969-12-31T10:00:00", "1969-12-31T11:00:00", "UTC") +
                            "\n[[blackouts]]\nname = \"old\"\nstart = 0001-01-01T00:00:00\n"
                            "end = 0001-01-02T00:00:00\n");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:12:9: [window]: \"start\": "));
    CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:50:9: blackout #1: \"start\": "));
  }
  SECTION("the edges of the range are fine") {
    LoadResult first = LoadText(WithWindow("1970-01-04T00:00:00", "1970-01-04T01:00:00", "UTC"));
    INFO(Diagnosed(first));
    CHECK(first.ok());
    LoadResult last = LoadText(WithWindow("9999-12-31T22:00:00", "9999-12-31T23:00:00", "UTC"));
    INFO(Diagnosed(last));
    CHECK(last.ok());
  }
}

TEST_CASE("a repeat rule's UNTIL outside 1970..9999 is refused", "[drills][hostile]") {
  std::string text =
      ReplaceOnce(kValidDrill, "zone = \"Europe/Copenhagen\"",
                  "zone = \"Europe/Copenhagen\"\nrepeat = \"FREQ=DAILY;UNTIL=00000101\"");
  LoadResult r = LoadText(text);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(Diagnosed(r), Catch::Contains("UNTIL=00000101"));
  CHECK_THAT(Diagnosed(r), Catch::Contains("between 1970"));
}

TEST_CASE("durations that would carry a plan past the year 9999 are refused", "[drills][hostile]") {
  std::string text = ReplaceOnce(kValidDrill, "zone = \"Europe/Copenhagen\"",
                                 "zone = \"Europe/Copenhagen\"\ngrace = \"106751991167d\"");
  LoadResult r = LoadText(text);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(Diagnosed(r), Catch::Contains("drill.toml:15:9: [window]: \"grace\""));
}
