// The one reader of timestamps (ReadTimestamp) and the rule sets on it: RFC 3339 (the network),
// ParseUtc (firedrill's records) and the --from/--to forms (ReadTimestamp itself).
#include "drills/timestamp.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace firedrill {
namespace {

using namespace std::chrono;

SysTime Utc(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

SysTime At(const char* text) {
  auto t = ParseUtc(text);
  REQUIRE(t);
  return *t;
}

TEST_CASE("rfc3339 parses a UTC time with Z", "[drills][timestamp]") {
  auto t = ParseRfc3339("2026-11-22T07:52:38Z");
  REQUIRE(t.ok());
  CHECK(*t == Utc(2026, 11, 22, 7, 52, 38));
}

TEST_CASE("rfc3339 truncates nanosecond fractions to milliseconds", "[drills][timestamp]") {
  auto t = ParseRfc3339("2026-11-22T07:52:38.123999999Z");
  REQUIRE(t.ok());
  CHECK(*t == Utc(2026, 11, 22, 7, 52, 38, 123));
  auto one_digit = ParseRfc3339("2026-11-22T07:52:38.5Z");
  REQUIRE(one_digit.ok());
  CHECK(*one_digit == Utc(2026, 11, 22, 7, 52, 38, 500));
}

TEST_CASE("rfc3339 applies positive and negative offsets", "[drills][timestamp]") {
  auto plus = ParseRfc3339("2026-11-22T08:52:38.250+01:00");
  REQUIRE(plus.ok());
  CHECK(*plus == Utc(2026, 11, 22, 7, 52, 38, 250));
  auto minus = ParseRfc3339("2026-11-21T21:22:38-10:30");
  REQUIRE(minus.ok());
  CHECK(*minus == Utc(2026, 11, 22, 7, 52, 38));
}

TEST_CASE("rfc3339 offset crossing midnight and a year boundary", "[drills][timestamp]") {
  auto t = ParseRfc3339("2027-01-01T00:30:00+02:00");
  REQUIRE(t.ok());
  CHECK(*t == Utc(2026, 12, 31, 22, 30, 0));
}

TEST_CASE("rfc3339 accepts lowercase t and z and a space separator", "[drills][timestamp]") {
  auto lower = ParseRfc3339("2026-11-22t07:52:38z");
  REQUIRE(lower.ok());
  CHECK(*lower == Utc(2026, 11, 22, 7, 52, 38));
  auto space = ParseRfc3339("2026-11-22 07:52:38Z");
  REQUIRE(space.ok());
  CHECK(*space == Utc(2026, 11, 22, 7, 52, 38));
}

TEST_CASE("rfc3339 accepts 29 February only in leap years", "[drills][timestamp]") {
  CHECK(ParseRfc3339("2028-02-29T00:00:00Z").ok());
  auto bad = ParseRfc3339("2027-02-29T00:00:00Z");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("no such calendar date"));
}

TEST_CASE("rfc3339 rejects malformed times naming the problem", "[drills][timestamp]") {
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

TEST_CASE("ParseUtc reads firedrill's UTC forms and rejects anything else", "[drills][timestamp]") {
  CHECK(FormatUtc(At("2027-06-01T10:02:03.456Z")) == "2027-06-01T10:02:03.456Z");
  CHECK(FormatUtc(At("2027-06-01T10:02:03Z")) == "2027-06-01T10:02:03.000Z");
  CHECK(FormatUtc(At("2027-06-01")) == "2027-06-01T00:00:00.000Z");
  for (const char* bad : {"", "2027-6-01", "2027-02-30", "2027-06-01T25:00:00Z",
                          "2027-06-01T10:00:00", "2027-06-01T10:00:00.1Z", "yesterday"}) {
    INFO(bad);
    CHECK(!ParseUtc(bad));
  }
}

TEST_CASE("ParseUtc refuses the forms only people and other systems write", "[drills][timestamp]") {
  for (const char* bad :
       {"2027-06-01t10:00:00Z", "2027-06-01 10:00:00Z", "2027-06-01T10:00:00z", "2027-06-01T10:00Z",
        "2027-06-01T10:00:00+00:00", "2027-06-01T10:00:00.0000Z", "2027-06-01T10:00:00,000Z",
        "2027-06-01T10:00:60Z", "-027-06-01", "2027-06-01T-1:00:00Z"}) {
    INFO(bad);
    auto t = ParseUtc(bad);
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.error().message, Catch::StartsWith(std::string("bad UTC time \"") + bad));
  }
}

TEST_CASE("ReadTimestamp says what was written", "[drills][timestamp]") {
  auto day = ReadTimestamp("2027-06-01");
  REQUIRE(day.ok());
  CHECK(day->date_only);
  CHECK(!day->offset);
  CHECK(day->at == Utc(2027, 6, 1, 0, 0, 0));

  auto full = ReadTimestamp("2027-06-01t10:02:03,12345-0130");
  REQUIRE(full.ok());
  CHECK_FALSE(full->date_only);
  CHECK(full->separator == 't');
  CHECK((full->year == 2027 && full->month == 6 && full->day == 1));
  CHECK((full->hour == 10 && full->minute == 2 && full->second == 3));
  CHECK(full->has_seconds);
  CHECK(full->fraction_mark == ',');
  CHECK(full->fraction_digits == 5);
  CHECK(full->millisecond == 123);
  REQUIRE(full->offset);
  CHECK(*full->offset == -90min);
  CHECK_FALSE(full->offset_colon);
  CHECK(full->zone_letter == 0);
  CHECK(full->at == Utc(2027, 6, 1, 11, 32, 3, 123));

  auto short_time = ReadTimestamp("2027-06-01 10:02");
  REQUIRE(short_time.ok());
  CHECK_FALSE(short_time->has_seconds);
  CHECK(!short_time->offset);  // none written: read as UTC
  CHECK(short_time->at == Utc(2027, 6, 1, 10, 2, 0));

  auto zulu = ReadTimestamp("2027-06-01T10:02:03Z");
  REQUIRE(zulu.ok());
  CHECK(zulu->zone_letter == 'Z');
  REQUIRE(zulu->offset);
  CHECK(*zulu->offset == 0min);
}

TEST_CASE("ReadTimestamp names the problem and quotes at most 64 characters",
          "[drills][timestamp]") {
  auto bad = ReadTimestamp("2027-06-01T10:00x", "--from");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "--from \"2027-06-01T10:00x\": expected 'Z' or a zone offset after the time");
  std::string long_text = "2027-06-01T10:00:00Z" + std::string(100, 'x');
  auto long_bad = ReadTimestamp(long_text);
  REQUIRE_FALSE(long_bad.ok());
  CHECK(long_bad.error().message ==
        "bad time \"" + long_text.substr(0, 64) + "...\": unexpected text after the zone offset");
  for (const char* text :
       {"2027-06-01T10:00:", "2027-06-01T10:00:00.", "2027-06-01T10:00+1", "2027-06-01T10:00+01:0",
        "2027-06-01T24:00", "2027-06-01T10:00+24:00", "+027-06-01", "-027-06-01",
        "2027-06-01T-1:00", "2027-06-01T1:00", "2027-06-01T10:00.5"}) {
    INFO(text);
    CHECK_FALSE(ReadTimestamp(text).ok());
  }
}

// Which of the three rule sets takes which form: RFC 3339 (ParseRfc3339: alerts, the daemon API,
// blackouts), the records (ParseUtc) and --from/--to (everything ReadTimestamp reads).
TEST_CASE("the three rule sets differ where they should", "[drills][timestamp]") {
  struct Case {
    const char* text;
    bool rfc3339, records, cli;
  };
  for (const Case& c : {
           Case{"2027-06-01T10:00:00.000Z", true, true, true},
           Case{"2027-06-01T10:00:00Z", true, true, true},
           Case{"2027-06-01", false, true, true},
           Case{"2027-06-01T10:00Z", false, false, true},
           Case{"2027-06-01T10:00", false, false, true},
           Case{"2027-06-01T10:00:00", false, false, true},
           Case{"2027-06-01t10:00:00z", true, false, true},
           Case{"2027-06-01 10:00:00Z", true, false, true},
           Case{"2027-06-01T10:00:00.5Z", true, false, true},
           Case{"2027-06-01T10:00:00.123456789Z", true, false, true},
           Case{"2027-06-01T10:00:00,123Z", false, false, true},
           Case{"2027-06-01T12:00:00+02:00", true, false, true},
           Case{"2027-06-01T12:00:00+0200", false, false, true},
           Case{"2027-06-01T12:00+02:00", false, false, true},
           Case{"2027-02-29", false, false, false},
           Case{"2027-06-01T10:00:60Z", false, false, false},
       }) {
    INFO(c.text);
    CHECK(ParseRfc3339(c.text).ok() == c.rfc3339);
    CHECK(ParseUtc(c.text).ok() == c.records);
    CHECK(ReadTimestamp(c.text).ok() == c.cli);
  }
  // Where they agree on a form, they agree on the instant.
  CHECK(*ParseRfc3339("2027-06-01T12:00:00+02:00") ==
        ReadTimestamp("2027-06-01T12:00:00+02:00")->at);
  CHECK(*ParseUtc("2027-06-01T10:00:00.250Z") == *ParseRfc3339("2027-06-01T10:00:00.250Z"));
}

}  // namespace
}  // namespace firedrill
