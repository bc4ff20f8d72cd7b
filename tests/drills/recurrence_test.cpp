#include "drills/recurrence.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "tests/drills/test_drill.h"
#include "tests/support/drill_load.h"

using namespace firedrill;
using namespace std::chrono_literals;

namespace {

SysTime Local(std::string_view zone, int y, int mo, int d, int h, int mi = 0) {
  Expected<SysTime> t = LocalToSys(LocalDateTime{y, mo, d, h, mi, 0, 0}, zone);
  INFO((t.ok() ? "" : t.error().message));
  REQUIRE(t.ok());
  return *t;
}

SysTime Utc(int y, int mo, int d, int h, int mi = 0) { return Local("UTC", y, mo, d, h, mi); }

Window MakeWindow(SysTime start, SysTime end, std::string zone) {
  Window w;
  w.start = start;
  w.end = end;
  w.zone = std::move(zone);
  w.grace = 7min;
  return w;
}

Recurrence Rule(std::string_view text) {
  Expected<Recurrence> r = ParseRRule(text);
  INFO(text << ": " << (r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

std::string ParseError(std::string_view text) {
  Expected<Recurrence> r = ParseRRule(text);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

std::vector<Window> Expand(const Window& first, std::string_view rule, std::size_t max = 100,
                           SysTime not_before = SysTime{}) {
  Expected<std::vector<Window>> got = Occurrences(first, Rule(rule), not_before, max);
  INFO((got.ok() ? "" : got.error().message));
  REQUIRE(got.ok());
  return *got;
}

// "START/END" of each occurrence in UTC, to compare whole series at once.
std::vector<std::string> Utc(const std::vector<Window>& windows) {
  std::vector<std::string> out;
  for (const Window& w : windows) out.push_back(FormatUtc(w.start) + "/" + FormatUtc(w.end));
  return out;
}

}  // namespace

TEST_CASE("the first Tuesday of every quarter stays 10:00-11:00 Copenhagen time across DST",
          "[drills][recurrence]") {
  const char* kZone = "Europe/Copenhagen";
  Window first = MakeWindow(Local(kZone, 2027, 1, 5, 10), Local(kZone, 2027, 1, 5, 11), kZone);
  std::vector<Window> got = Expand(first, "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", 6);
  // Winter (CET, +01:00) at 09:00Z, summer (CEST, +02:00) at 08:00Z.
  CHECK(Utc(got) == std::vector<std::string>{
                        "2027-01-05T09:00:00.000Z/2027-01-05T10:00:00.000Z",
                        "2027-04-06T08:00:00.000Z/2027-04-06T09:00:00.000Z",
                        "2027-07-06T08:00:00.000Z/2027-07-06T09:00:00.000Z",
                        "2027-10-05T08:00:00.000Z/2027-10-05T09:00:00.000Z",
                        "2028-01-04T09:00:00.000Z/2028-01-04T10:00:00.000Z",
                        "2028-04-04T08:00:00.000Z/2028-04-04T09:00:00.000Z",
                    });
  for (const Window& w : got) {
    CHECK(w.zone == kZone);
    CHECK(w.grace == 7min);
    CHECK_FALSE(w.repeat.has_value());
  }
  CHECK(FormatInZone(got[1].start, kZone) == "2027-04-06 10:00:00 CEST (+02:00)");
}

TEST_CASE("weekly on Monday and Wednesday stops after COUNT occurrences", "[drills][recurrence]") {
  const char* kZone = "America/New_York";
  // Monday 2027-03-08 09:00 EST; New York springs forward on Sunday 2027-03-14.
  Window first = MakeWindow(Local(kZone, 2027, 3, 8, 9), Local(kZone, 2027, 3, 8, 9, 30), kZone);
  std::vector<Window> got = Expand(first, "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5");
  CHECK(Utc(got) == std::vector<std::string>{
                        "2027-03-08T14:00:00.000Z/2027-03-08T14:30:00.000Z",
                        "2027-03-10T14:00:00.000Z/2027-03-10T14:30:00.000Z",
                        "2027-03-15T13:00:00.000Z/2027-03-15T13:30:00.000Z",
                        "2027-03-17T13:00:00.000Z/2027-03-17T13:30:00.000Z",
                        "2027-03-22T13:00:00.000Z/2027-03-22T13:30:00.000Z",
                    });

  SECTION("the first window counts even when it is not one of the rule's days (DTSTART)") {
    Window tuesday =
        MakeWindow(Local(kZone, 2027, 3, 9, 9), Local(kZone, 2027, 3, 9, 9, 30), kZone);
    std::vector<Window> series = Expand(tuesday, "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3");
    REQUIRE(series.size() == 3);
    CHECK(FormatInZone(series[0].start, kZone) == "2027-03-09 09:00:00 EST (-05:00)");
    CHECK(FormatInZone(series[1].start, kZone) == "2027-03-10 09:00:00 EST (-05:00)");
    CHECK(FormatInZone(series[2].start, kZone) == "2027-03-15 09:00:00 EDT (-04:00)");
  }
  SECTION("every second week, on days on both sides of the first") {
    // Wednesday 2027-03-03: that week's Friday, then Monday and Friday two weeks on.
    Window wednesday = MakeWindow(Utc(2027, 3, 3, 9), Utc(2027, 3, 3, 10), "UTC");
    std::vector<Window> series = Expand(wednesday, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", 5);
    REQUIRE(series.size() == 5);
    CHECK(FormatUtc(series[1].start) == "2027-03-05T09:00:00.000Z");
    CHECK(FormatUtc(series[2].start) == "2027-03-15T09:00:00.000Z");
    CHECK(FormatUtc(series[3].start) == "2027-03-19T09:00:00.000Z");
    CHECK(FormatUtc(series[4].start) == "2027-03-29T09:00:00.000Z");
  }
}

TEST_CASE("monthly on the last Friday", "[drills][recurrence]") {
  Window first = MakeWindow(Utc(2027, 1, 29, 14), Utc(2027, 1, 29, 15), "UTC");
  std::vector<Window> got = Expand(first, "FREQ=MONTHLY;BYDAY=-1FR", 4);
  REQUIRE(got.size() == 4);
  CHECK(FormatUtc(got[1].start) == "2027-02-26T14:00:00.000Z");
  CHECK(FormatUtc(got[2].start) == "2027-03-26T14:00:00.000Z");
  CHECK(FormatUtc(got[3].start) == "2027-04-30T14:00:00.000Z");
}

TEST_CASE("a day of the month that a month lacks skips that month", "[drills][recurrence]") {
  Window first = MakeWindow(Utc(2027, 1, 31, 8), Utc(2027, 1, 31, 9), "UTC");
  std::vector<std::string> want = {"2027-01-31T08:00:00.000Z", "2027-03-31T08:00:00.000Z",
                                   "2027-05-31T08:00:00.000Z", "2027-07-31T08:00:00.000Z",
                                   "2027-08-31T08:00:00.000Z", "2027-10-31T08:00:00.000Z",
                                   "2027-12-31T08:00:00.000Z"};
  for (const char* rule : {"FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY"}) {
    INFO(rule);
    std::vector<std::string> starts;
    for (const Window& w : Expand(first, rule, want.size())) starts.push_back(FormatUtc(w.start));
    CHECK(starts == want);
  }
  SECTION("a negative day counts from the end of each month") {
    std::vector<Window> got = Expand(first, "FREQ=MONTHLY;BYMONTHDAY=-1", 14);
    REQUIRE(got.size() == 14);
    CHECK(FormatUtc(got[1].start) == "2027-02-28T08:00:00.000Z");
    CHECK(FormatUtc(got[3].start) == "2027-04-30T08:00:00.000Z");
    CHECK(FormatUtc(got[13].start) == "2028-02-29T08:00:00.000Z");
  }
}

TEST_CASE("yearly series: same date, an ordinal weekday in a month, a leap day",
          "[drills][recurrence]") {
  Window june = MakeWindow(Utc(2027, 6, 15, 12), Utc(2027, 6, 15, 13), "UTC");
  std::vector<Window> got = Expand(june, "FREQ=YEARLY", 3);
  REQUIRE(got.size() == 3);
  CHECK(FormatUtc(got[2].start) == "2029-06-15T12:00:00.000Z");

  // The fourth Thursday of November.
  Window thanksgiving = MakeWindow(Utc(2027, 11, 25, 15), Utc(2027, 11, 25, 16), "UTC");
  got = Expand(thanksgiving, "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", 3);
  REQUIRE(got.size() == 3);
  CHECK(FormatUtc(got[1].start) == "2028-11-23T15:00:00.000Z");
  CHECK(FormatUtc(got[2].start) == "2029-11-22T15:00:00.000Z");

  Window leap = MakeWindow(Utc(2028, 2, 29, 9), Utc(2028, 2, 29, 10), "UTC");
  got = Expand(leap, "FREQ=YEARLY", 2);
  REQUIRE(got.size() == 2);
  CHECK(FormatUtc(got[1].start) == "2032-02-29T09:00:00.000Z");
}

TEST_CASE("UNTIL includes an occurrence starting on that day or at that instant",
          "[drills][recurrence]") {
  const char* kZone = "Europe/Copenhagen";
  Window first = MakeWindow(Local(kZone, 2027, 5, 1, 10), Local(kZone, 2027, 5, 1, 11), kZone);
  CHECK(Expand(first, "FREQ=DAILY;UNTIL=20270505").size() == 5);
  // 10:00 CEST is 08:00Z.
  CHECK(Expand(first, "FREQ=DAILY;UNTIL=20270505T080000Z").size() == 5);
  CHECK(Expand(first, "FREQ=DAILY;UNTIL=20270505T075959Z").size() == 4);
  // An UNTIL before the first window still leaves the first window (DTSTART).
  CHECK(Expand(first, "FREQ=DAILY;UNTIL=20270101").size() == 1);
}

TEST_CASE("a local time the clocks skip moves forward by the gap", "[drills][recurrence]") {
  const char* kZone = "America/New_York";
  // 2027-03-14: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day.
  Window first =
      MakeWindow(Local(kZone, 2027, 3, 13, 2, 30), Local(kZone, 2027, 3, 13, 4, 0), kZone);
  std::vector<Window> got = Expand(first, "FREQ=DAILY", 3);
  CHECK(Utc(got) == std::vector<std::string>{
                        "2027-03-13T07:30:00.000Z/2027-03-13T09:00:00.000Z",
                        "2027-03-14T07:30:00.000Z/2027-03-14T08:00:00.000Z",  // 03:30-04:00 EDT
                        "2027-03-15T06:30:00.000Z/2027-03-15T08:00:00.000Z",
                    });
  CHECK(FormatInZone(got[1].start, kZone) == "2027-03-14 03:30:00 EDT (-04:00)");

  SECTION("an occurrence the shift would end before it starts keeps the first window's length") {
    Window hour =
        MakeWindow(Local(kZone, 2027, 3, 13, 2, 30), Local(kZone, 2027, 3, 13, 3, 30), kZone);
    std::vector<Window> series = Expand(hour, "FREQ=DAILY", 2);
    REQUIRE(series.size() == 2);
    // 02:30 becomes 03:30 EDT, the same instant as the end 03:30 EDT.
    CHECK(FormatUtc(series[1].start) == "2027-03-14T07:30:00.000Z");
    CHECK(series[1].end - series[1].start == 1h);
  }
}

TEST_CASE("a local time that happens twice is the earlier instant", "[drills][recurrence]") {
  const char* kZone = "America/New_York";
  // 2027-11-07: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice.
  Window first =
      MakeWindow(Local(kZone, 2027, 11, 6, 1, 30), Local(kZone, 2027, 11, 6, 1, 45), kZone);
  std::vector<Window> got = Expand(first, "FREQ=DAILY", 3);
  CHECK(Utc(got) == std::vector<std::string>{
                        "2027-11-06T05:30:00.000Z/2027-11-06T05:45:00.000Z",
                        "2027-11-07T05:30:00.000Z/2027-11-07T05:45:00.000Z",  // EDT, the first
                        "2027-11-08T06:30:00.000Z/2027-11-08T06:45:00.000Z",
                    });
}

TEST_CASE("a window crossing midnight ends on the next local day", "[drills][recurrence]") {
  const char* kZone = "Europe/Copenhagen";
  // Mondays 23:00-01:30; Copenhagen springs forward on Sunday 2027-03-28.
  Window first = MakeWindow(Local(kZone, 2027, 3, 22, 23), Local(kZone, 2027, 3, 23, 1, 30), kZone);
  std::vector<Window> got = Expand(first, "FREQ=WEEKLY", 2);
  CHECK(Utc(got) == std::vector<std::string>{
                        "2027-03-22T22:00:00.000Z/2027-03-23T00:30:00.000Z",
                        "2027-03-29T21:00:00.000Z/2027-03-29T23:30:00.000Z",
                    });
  CHECK(FormatInZone(got[1].end, kZone) == "2027-03-30 01:30:00 CEST (+02:00)");
}

TEST_CASE("occurrences that ended by not_before are left out but still count",
          "[drills][recurrence]") {
  const char* kZone = "Europe/Copenhagen";
  Window first = MakeWindow(Local(kZone, 2027, 1, 5, 10), Local(kZone, 2027, 1, 5, 11), kZone);
  // During the third occurrence (2027-07-06 08:00-09:00Z): it is still returned.
  std::vector<Window> got =
      Expand(first, "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", 2, Utc(2027, 7, 6, 8, 30));
  REQUIRE(got.size() == 2);
  CHECK(FormatUtc(got[0].start) == "2027-07-06T08:00:00.000Z");
  CHECK(FormatUtc(got[1].start) == "2027-10-05T08:00:00.000Z");
  // The end is exclusive: an occurrence ending exactly at not_before is over.
  got = Expand(first, "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", 1, Utc(2027, 7, 6, 9));
  REQUIRE(got.size() == 1);
  CHECK(FormatUtc(got[0].start) == "2027-10-05T08:00:00.000Z");
  // COUNT=3 ends with the third occurrence, whatever not_before skipped.
  CHECK(Expand(first, "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU;COUNT=3", 10, Utc(2027, 7, 6, 8, 30))
            .size() == 1);
  CHECK(Expand(first, "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU;COUNT=3", 10, Utc(2027, 8, 1, 0)).empty());
  CHECK(Expand(first, "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", 0).empty());
}

TEST_CASE("a rule that never matches again ends after the scan limit", "[drills][recurrence]") {
  Window first = MakeWindow(Utc(2027, 1, 31, 8), Utc(2027, 1, 31, 9), "UTC");
  for (const char* rule :
       {"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"}) {
    INFO(rule);
    std::vector<Window> got = Expand(first, rule, 5);
    REQUIRE(got.size() == 1);  // the first window only
    CHECK(got[0].start == first.start);
  }
}

TEST_CASE("expansion refuses an unknown zone and an empty first window", "[drills][recurrence]") {
  Window first = MakeWindow(Utc(2027, 1, 31, 8), Utc(2027, 1, 31, 9), "Mars/Olympus_Mons");
  Expected<std::vector<Window>> got = Occurrences(first, Rule("FREQ=DAILY"), SysTime{}, 3);
  REQUIRE_FALSE(got.ok());
  CHECK_THAT(got.error().message, Catch::Contains("Mars/Olympus_Mons"));
  first.zone = "UTC";
  first.end = first.start;
  CHECK_FALSE(Occurrences(first, Rule("FREQ=DAILY"), SysTime{}, 3).ok());
}

TEST_CASE("a rule parses case-insensitively, with or without RRULE:, and formats canonically",
          "[drills][recurrence]") {
  Recurrence r = Rule("rrule:byday=1tu;Interval=3;FREQ=monthly;WKST=MO");
  CHECK(r.freq == Frequency::kMonthly);
  CHECK(r.interval == 3);
  CHECK(r.by_day == std::vector<ByDay>{{std::chrono::Tuesday, 1}});
  CHECK(r.text == "rrule:byday=1tu;Interval=3;FREQ=monthly;WKST=MO");
  CHECK(FormatRRule(r, "Europe/Copenhagen") == "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU");
  CHECK(FormatRRule(Rule("FREQ=YEARLY;BYDAY=-1SU,+2MO,FR;BYMONTH=3,10;BYMONTHDAY=-7;COUNT=4"),
                    "UTC") == "FREQ=YEARLY;COUNT=4;BYMONTH=3,10;BYMONTHDAY=-7;BYDAY=-1SU,2MO,FR");
  // An UNTIL date is the last second of that day in the zone, in UTC (CEST is +02:00).
  CHECK(FormatRRule(Rule("FREQ=DAILY;UNTIL=20270505"), "Europe/Copenhagen") ==
        "FREQ=DAILY;UNTIL=20270505T215959Z");
  CHECK(FormatRRule(Rule("FREQ=DAILY;UNTIL=20270505T080000Z"), "Europe/Copenhagen") ==
        "FREQ=DAILY;UNTIL=20270505T080000Z");
  Recurrence until = Rule("FREQ=WEEKLY;UNTIL=20271231");
  REQUIRE(until.until_date.has_value());
  CHECK(*until.until_date == std::chrono::year{2027} / 12 / 31);
}

TEST_CASE("rule errors name the offending part", "[drills][recurrence]") {
  struct Case {
    const char* rule;
    const char* message;
  };
  std::vector<Case> cases = {
      {"FREQ=MONTHLY;BYDAY=9TU", "RRULE part \"BYDAY=9TU\": ordinal must be 1..5 or -5..-1"},
      {"FREQ=MONTHLY;BYDAY=MO,-6FR",
       "RRULE part \"BYDAY=MO,-6FR\": -6FR: ordinal must be 1..5 or -5..-1"},
      {"FREQ=YEARLY;BYDAY=54MO", "RRULE part \"BYDAY=54MO\": ordinal must be 1..53 or -53..-1"},
      {"FREQ=WEEKLY;BYDAY=1MO",
       "RRULE part \"BYDAY=1MO\": an ordinal (1MO) needs FREQ=MONTHLY "
       "or FREQ=YEARLY"},
      {"FREQ=MONTHLY;BYDAY=0TU", "RRULE part \"BYDAY=0TU\": \"0TU\": the ordinal"},
      {"FREQ=MONTHLY;BYDAY=TUE", "RRULE part \"BYDAY=TUE\": \"TUE\": expected a weekday"},
      {"FREQ=MONTHLY;BYSETPOS=-1", "RRULE part \"BYSETPOS=-1\": BYSETPOS is not supported"},
      {"FREQ=DAILY;BYHOUR=9", "RRULE part \"BYHOUR=9\": BYHOUR is not supported"},
      {"FREQ=SECONDLY", "RRULE part \"FREQ=SECONDLY\": not supported: a drill repeats DAILY"},
      {"FREQ=MONHTLY", "unknown frequency \"MONHTLY\" (did you mean \"MONTHLY\"?)"},
      {"FRQ=DAILY", "RRULE part \"FRQ=DAILY\": unknown part \"FRQ\" (did you mean \"FREQ\"?)"},
      {"BYDAY=MO", "FREQ is missing"},
      {"FREQ=DAILY;COUNT=3;UNTIL=20270101",
       "RRULE parts \"COUNT=3\" and \"UNTIL=20270101\": give COUNT or UNTIL, not both"},
      {"FREQ=DAILY;FREQ=WEEKLY", "RRULE part \"FREQ=WEEKLY\": FREQ is given twice"},
      {"FREQ=DAILY;COUNT=0", "RRULE part \"COUNT=0\": COUNT must be a whole number from 1"},
      {"FREQ=DAILY;INTERVAL=-2", "RRULE part \"INTERVAL=-2\": INTERVAL must be"},
      {"FREQ=DAILY;UNTIL=20270101T100000", "a date-time UNTIL must be in UTC"},
      {"FREQ=DAILY;UNTIL=20270230", "RRULE part \"UNTIL=20270230\": 20270230 is not a valid date"},
      {"FREQ=DAILY;UNTIL=2027-01-01", "expected a date YYYYMMDD"},
      {"FREQ=MONTHLY;BYMONTHDAY=32", "RRULE part \"BYMONTHDAY=32\": \"32\": values must be 1..31"},
      {"FREQ=MONTHLY;BYMONTHDAY=1,,2", "values must be 1..31"},
      {"FREQ=YEARLY;BYMONTH=13", "RRULE part \"BYMONTH=13\": \"13\": values must be 1..12"},
      {"FREQ=WEEKLY;BYMONTHDAY=1", "RRULE part \"BYMONTHDAY=1\": not allowed with FREQ=WEEKLY"},
      {"FREQ=WEEKLY;WKST=SU", "RRULE part \"WKST=SU\": only WKST=MO is supported"},
      {"FREQ=DAILY;", "RRULE part \"\": expected NAME=VALUE"},
      {"DAILY", "RRULE part \"DAILY\": expected NAME=VALUE"},
      {"", "empty RRULE"},
      {"RRULE:", "empty RRULE"},
  };
  for (const Case& c : cases) {
    INFO(c.rule);
    CHECK_THAT(ParseError(c.rule), Catch::Contains(c.message));
  }
}

namespace {

// A valid drill whose window repeats with `repeat` (a TOML line, or "").
std::string RepeatingDrill(const std::string& repeat_line) {
  return R"(id = "quarterly"
title = "Quarterly database drill"
service = "checkout"
owner = "lead@example.com"
playbook = "runbook.md"

[window]
start = 2027-01-05T10:00:00
end = 2027-01-05T11:00:00
zone = "Europe/Copenhagen"
)" + repeat_line +
         R"(

[targets.db]
local = true

[[faults]]
kind = "network.block"
target = "db"
port = 5432
)";
}

using firedrill::testing::AllErrors;
using firedrill::testing::LoadText;

}  // namespace

TEST_CASE("the drill file's window may repeat", "[drills][recurrence]") {
  LoadResult r = LoadText(RepeatingDrill("repeat = \"FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU\""));
  INFO(AllErrors(r));
  REQUIRE(r.ok());
  const Window& w = r.drill->window;
  REQUIRE(w.repeat.has_value());
  CHECK(w.repeat->text == "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU");
  Expected<std::vector<Window>> next = Occurrences(w, *w.repeat, w.start, 2);
  REQUIRE(next.ok());
  REQUIRE(next->size() == 2);
  CHECK(FormatUtc((*next)[1].start) == "2027-04-06T08:00:00.000Z");

  LoadResult once = LoadText(RepeatingDrill(""));
  REQUIRE(once.ok());
  CHECK_FALSE(once.drill->window.repeat.has_value());
}

TEST_CASE("a bad repeat is reported at its position", "[drills][recurrence]") {
  SECTION("a rule the parser refuses") {
    LoadResult r = LoadText(RepeatingDrill("repeat = \"FREQ=MONTHLY;BYDAY=9TU\""));
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].ToString() ==
          "drill.toml:11:10: [window]: repeat: RRULE part \"BYDAY=9TU\": ordinal must be 1..5 or "
          "-5..-1");
  }
  SECTION("not a string") {
    LoadResult r = LoadText(RepeatingDrill("repeat = 3"));
    CHECK_THAT(AllErrors(r), Catch::Contains("drill.toml:11:10: "));
    CHECK_THAT(AllErrors(r), Catch::Contains("\"repeat\" must be a string"));
  }
  SECTION("a rule that never repeats") {
    LoadResult r = LoadText(RepeatingDrill("repeat = \"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\""));
    CHECK_THAT(AllErrors(r), Catch::Contains("gives no occurrence after this window"));
    r = LoadText(RepeatingDrill("repeat = \"FREQ=DAILY;COUNT=1\""));
    CHECK_THAT(AllErrors(r), Catch::Contains("gives no occurrence after this window"));
  }
  SECTION("occurrences that overlap") {
    std::string text = RepeatingDrill("repeat = \"FREQ=DAILY\"");
    text.replace(text.find("end = 2027-01-05T11:00:00"), 25, "end = 2027-01-06T11:00:00");
    LoadResult r = LoadText(text);
    CHECK_THAT(AllErrors(r), Catch::Contains("before this window ends"));
  }
}
