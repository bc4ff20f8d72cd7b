#include "orchestrator/alerts/rfc3339.h"

#include <catch2/catch.hpp>
#include <chrono>

namespace firedrill {
namespace {

using namespace std::chrono;

SysTime Utc(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

TEST_CASE("rfc3339 parses a UTC time with Z", "[alerts]") {
  auto t = ParseRfc3339("2026-11-22T07:52:38Z");
  REQUIRE(t.ok());
  CHECK(*t == Utc(2026, 11, 22, 7, 52, 38));
}

TEST_CASE("rfc3339 truncates nanosecond fractions to milliseconds", "[alerts]") {
  auto t = ParseRfc3339("2026-11-22T07:52:38.123999999Z");
  REQUIRE(t.ok());
  CHECK(*t == Utc(2026, 11, 22, 7, 52, 38, 123));
  auto one_digit = ParseRfc3339("2026-11-22T07:52:38.5Z");
  REQUIRE(one_digit.ok());
  CHECK(*one_digit == Utc(2026, 11, 22, 7, 52, 38, 500));
}

TEST_CASE("rfc3339 applies positive and negative offsets", "[alerts]") {
  auto plus = ParseRfc3339("2026-11-22T08:52:38.250+01:00");
  REQUIRE(plus.ok());
  CHECK(*plus == Utc(2026, 11, 22, 7, 52, 38, 250));
  auto minus = ParseRfc3339("2026-11-21T21:22:38-10:30");
  REQUIRE(minus.ok());
  CHECK(*minus == Utc(2026, 11, 22, 7, 52, 38));
}

TEST_CASE("rfc3339 offset crossing midnight and a year boundary", "[alerts]") {
  auto t = ParseRfc3339("2027-01-01T00:30:00+02:00");
  REQUIRE(t.ok());
  CHECK(*t == Utc(2026, 12, 31, 22, 30, 0));
}

TEST_CASE("rfc3339 accepts lowercase t and z and a space separator", "[alerts]") {
  auto lower = ParseRfc3339("2026-11-22t07:52:38z");
  REQUIRE(lower.ok());
  CHECK(*lower == Utc(2026, 11, 22, 7, 52, 38));
  auto space = ParseRfc3339("2026-11-22 07:52:38Z");
  REQUIRE(space.ok());
  CHECK(*space == Utc(2026, 11, 22, 7, 52, 38));
}

TEST_CASE("rfc3339 accepts 29 February only in leap years", "[alerts]") {
  CHECK(ParseRfc3339("2028-02-29T00:00:00Z").ok());
  auto bad = ParseRfc3339("2027-02-29T00:00:00Z");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("no such calendar date"));
}

TEST_CASE("rfc3339 rejects malformed times naming the problem", "[alerts]") {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c :
       {Case{"", "YYYY-MM-DD"}, Case{"2026-11-22", "'T'"}, Case{"2026-11-22T07:52Z", "HH:MM:SS"},
        Case{"2026-11-22T07:52:38", "missing zone offset"},
        Case{"2026-11-22T07:52:38+0100", "+hh:mm"},
        Case{"2026-11-22T07:52:38.Z", "digits after '.'"},
        Case{"2026-11-22T07:52:38Zjunk", "unexpected text"},
        Case{"2026-13-01T00:00:00Z", "no such calendar date"},
        Case{"2026-11-22T24:00:00Z", "time of day out of range"},
        Case{"2026-11-22T07:60:00Z", "time of day out of range"},
        Case{"2026-12-31T23:59:60Z", "leap seconds"},
        Case{"2026-11-22T07:52:38+24:00", "offset out of range"},
        Case{"1700000000", "YYYY-MM-DD"}}) {
    INFO(c.text);
    auto t = ParseRfc3339(c.text);
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.error().message, Catch::Contains(c.why));
  }
}

TEST_CASE("rfc3339 recognizes Go's zero time", "[alerts]") {
  CHECK(IsGoZeroTime("0001-01-01T00:00:00Z"));
  CHECK_FALSE(IsGoZeroTime("2026-11-22T07:52:38Z"));
  CHECK_FALSE(IsGoZeroTime("garbage"));
}

}  // namespace
}  // namespace firedrill
