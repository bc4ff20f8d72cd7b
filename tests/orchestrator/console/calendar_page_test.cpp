// The calendar page: its query (views, days, zones, errors), where each drill, run, blackout and
// freeze lands in the viewer's zone across daylight saving time changes, what it says in words,
// its links, and hostile text.
#include "orchestrator/console/calendar_page.h"

#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "drills/zoned_time.h"
#include "tests/support/test_text.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;
namespace chr = std::chrono;

SysTime AtMinute(const char* utc) {
  // "2026-03-28T23:15Z": the tests' instants, all in UTC.
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  REQUIRE(std::sscanf(utc, "%d-%d-%dT%d:%dZ", &y, &mo, &d, &h, &mi) == 5);
  return SysTime{chr::sys_days{chr::year{y} / mo / d}} + chr::hours{h} + chr::minutes{mi};
}

chr::sys_days Day(int y, unsigned m, unsigned d) { return chr::sys_days{chr::year{y} / m / d}; }

CalendarQuery Query(const std::string& text, SysTime now = AtMinute("2026-03-25T12:00Z")) {
  auto q = ParseCalendarQuery(text, now);
  INFO((q ? std::string() : q.error().message));
  REQUIRE(q.ok());
  return *q;
}

ConsoleViewer CalendarViewer() { return ConsoleViewer{"alice", Role::kAuditor, "csrf-token"}; }

CalendarEntry Entry(const std::string& id, SysTime start, SysTime end,
                    const std::string& zone = "Europe/Copenhagen") {
  CalendarEntry e;
  e.drill_id = id;
  e.title = "Checkout loses its database";
  e.service = "checkout";
  e.zone = zone;
  e.state = "scheduled";
  e.start = start;
  e.end = end;
  e.announce_by = start - 72h;
  e.briefing = "required, not recorded";
  return e;
}

// The list item of one day: from its opening tag to the end of the item.
std::string DayCell(const std::string& html, const std::string& iso) {
  const std::size_t at = html.find("id=\"day-" + iso + "\"");
  if (at == std::string::npos) return "";
  const std::size_t begin = html.rfind("<li", at);
  const std::size_t end = html.find("</li>\n", at);
  return html.substr(begin, end - begin);
}

using firedrill::testing::Count;

}  // namespace

TEST_CASE("the calendar query defaults to the week of now in UTC", "[console][calendar]") {
  const CalendarQuery q = Query("", AtMinute("2026-03-25T12:00Z"));  // a Wednesday
  CHECK_FALSE(q.month);
  CHECK(q.first_day == Day(2026, 3, 23));
  CHECK(q.zone == "UTC");
  CHECK_FALSE(q.zone_given);
  CHECK(q.from == AtMinute("2026-03-23T00:00Z"));
  CHECK(q.to == AtMinute("2026-03-30T00:00Z"));
}

TEST_CASE("the calendar's days are local midnights in the viewer's zone across DST",
          "[console][calendar]") {
  // The week in which Copenhagen falls back: it begins at 00:00 CEST and ends at 00:00 CET.
  CalendarQuery q = Query("view=week&day=2026-10-25&zone=Europe%2FCopenhagen");
  CHECK(q.zone == "Europe/Copenhagen");
  CHECK(q.zone_given);
  CHECK(q.first_day == Day(2026, 10, 19));
  CHECK(q.from == AtMinute("2026-10-18T22:00Z"));
  CHECK(q.to == AtMinute("2026-10-25T23:00Z"));
  // The month in which it springs forward: from 00:00 CET to 00:00 CEST.
  q = Query("view=month&day=2026-03-15&zone=Europe/Copenhagen");
  CHECK(q.month);
  CHECK(q.first_day == Day(2026, 3, 1));
  CHECK(q.from == AtMinute("2026-02-28T23:00Z"));
  CHECK(q.to == AtMinute("2026-03-31T22:00Z"));
  // Without a day, today is the viewer's today: Monday already in Copenhagen, Sunday in UTC.
  CHECK(Query("zone=Europe/Copenhagen", AtMinute("2026-03-29T23:30Z")).first_day ==
        Day(2026, 3, 30));
  CHECK(Query("", AtMinute("2026-03-29T23:30Z")).first_day == Day(2026, 3, 23));
  CHECK(Query("view=month", AtMinute("2026-03-31T22:30Z")).first_day == Day(2026, 3, 1));
  CHECK(Query("view=month&zone=Europe/Copenhagen", AtMinute("2026-03-31T22:30Z")).first_day ==
        Day(2026, 4, 1));
}

TEST_CASE("a day whose midnight the clocks skip begins when they land", "[console][calendar]") {
  // Cuba and Chile move their clocks forward at midnight.
  CHECK(StartOfLocalDay(Day(2026, 3, 8), "America/Havana") == AtMinute("2026-03-08T05:00Z"));
  CHECK(StartOfLocalDay(Day(2026, 3, 7), "America/Havana") == AtMinute("2026-03-07T05:00Z"));
  CHECK(StartOfLocalDay(Day(2026, 9, 6), "America/Santiago") == AtMinute("2026-09-06T04:00Z"));
  CHECK(StartOfLocalDay(Day(2026, 9, 7), "America/Santiago") == AtMinute("2026-09-07T03:00Z"));
  CHECK(StartOfLocalDay(Day(2026, 9, 6), "UTC") == AtMinute("2026-09-06T00:00Z"));
  // A drill at 00:30 local that day would not exist; one at 01:30 -03 is on Sunday the 6th.
  CalendarQuery q = Query("view=week&day=2026-09-06&zone=America/Santiago");
  CalendarData data;
  data.upcoming.push_back(Entry("chile", AtMinute("2026-09-06T04:30Z"),
                                AtMinute("2026-09-06T05:30Z"), "America/Santiago"));
  const std::string html = CalendarHtml(CalendarViewer(), data, q, AtMinute("2026-09-01T00:00Z"));
  CHECK_THAT(DayCell(html, "2026-09-06"), Catch::Contains("01:30–02:30 -03"));
  CHECK_THAT(DayCell(html, "2026-09-05"), !Catch::Contains("chile"));
}

TEST_CASE("a bad calendar query names the parameter and its value", "[console][calendar]") {
  auto error = [](const std::string& text) {
    auto q = ParseCalendarQuery(text, AtMinute("2026-03-25T12:00Z"));
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().code == ErrorCode::kInvalidInput);
    return q.error().message;
  };
  CHECK_THAT(error("view=year"), Catch::Contains("view=\"year\""));
  CHECK_THAT(error("view=year"), Catch::Contains("week or month"));
  CHECK_THAT(error("day=2026-02-30"), Catch::Contains("day=\"2026-02-30\""));
  CHECK_THAT(error("day=29.03.2026"), Catch::Contains("YYYY-MM-DD"));
  CHECK_THAT(error("day=2026-3-29"), Catch::Contains("day=\"2026-3-29\""));
  CHECK_THAT(error("day=%2B026-03-29"), Catch::Contains("day=\"+026-03-29\""));
  CHECK_THAT(error("day=0999-12-31"), Catch::Contains("years 1000 to 9999"));
  CHECK_THAT(error("zone=Mars%2FOlympus_Mons"), Catch::Contains("zone=\"Mars/Olympus_Mons\""));
  CHECK_THAT(error("zone=..%2F..%2Fetc%2Fpasswd"), Catch::Contains("not a known IANA time zone"));
  CHECK_THAT(error("day=%ZZ"), Catch::Contains("calendar query"));
  // A hostile value is quoted short and on one line.
  const std::string long_view = error("view=" + std::string(5000, 'x') + "%0A");
  CHECK(long_view.size() < 300);
  CHECK(long_view.find('\n') == std::string::npos);
  // Unknown parameters are left alone; empty ones mean the default.
  CHECK(ParseCalendarQuery("view=&day=&zone=&utm_source=mail", AtMinute("2026-03-25T12:00Z")).ok());
}

TEST_CASE("a drill appears on its local day in the viewer's zone and its own",
          "[console][calendar]") {
  // Saturday 23:15 UTC is already Sunday 00:15 in Copenhagen, and Saturday 19:15 in New York.
  CalendarData data;
  data.upcoming.push_back(
      Entry("checkout-db", AtMinute("2026-03-28T23:15Z"), AtMinute("2026-03-28T23:45Z")));
  const SysTime now = AtMinute("2026-03-20T12:00Z");

  std::string html =
      CalendarHtml(CalendarViewer(), data, Query("day=2026-03-28&zone=Europe/Copenhagen"), now);
  std::string sunday = DayCell(html, "2026-03-29");
  CHECK_THAT(sunday, Catch::Contains("Checkout loses its database"));
  CHECK_THAT(sunday, Catch::Contains("00:15–00:45 CET"));
  CHECK_THAT(sunday, !Catch::Contains("In Europe/Copenhagen"));  // the viewer's zone already
  CHECK_THAT(DayCell(html, "2026-03-28"), !Catch::Contains("checkout-db"));

  html = CalendarHtml(CalendarViewer(), data, Query("day=2026-03-28"), now);
  CHECK_THAT(DayCell(html, "2026-03-28"), Catch::Contains("23:15–23:45 UTC"));
  CHECK_THAT(DayCell(html, "2026-03-28"),
             Catch::Contains("In Europe/Copenhagen: Sun 29 Mar 00:15–00:45 CET"));
  CHECK_THAT(DayCell(html, "2026-03-29"), !Catch::Contains("checkout-db"));

  html = CalendarHtml(CalendarViewer(), data, Query("day=2026-03-28&zone=America/New_York"), now);
  CHECK_THAT(DayCell(html, "2026-03-28"), Catch::Contains("19:15–19:45 EDT"));
}

TEST_CASE("a window across the spring-forward gap says both offsets", "[console][calendar]") {
  // 00:30 to 01:30 UTC on 29 March 2026: 01:30 CET to 03:30 CEST, one hour by the clock's jump.
  CalendarData data;
  data.upcoming.push_back(
      Entry("gap", AtMinute("2026-03-29T00:30Z"), AtMinute("2026-03-29T01:30Z")));
  const std::string html =
      CalendarHtml(CalendarViewer(), data, Query("day=2026-03-29&zone=Europe/Copenhagen"),
                   AtMinute("2026-03-20T12:00Z"));
  CHECK_THAT(DayCell(html, "2026-03-29"), Catch::Contains("01:30 CET–03:30 CEST"));
  // A window across midnight is on both days, with the day of its end.
  data.upcoming[0] = Entry("night", AtMinute("2026-03-24T22:30Z"), AtMinute("2026-03-25T00:30Z"));
  const std::string night =
      CalendarHtml(CalendarViewer(), data, Query("day=2026-03-24&zone=Europe/Copenhagen"),
                   AtMinute("2026-03-20T12:00Z"));
  CHECK_THAT(DayCell(night, "2026-03-24"), Catch::Contains("23:30–Wed 25 Mar 01:30 CET"));
  CHECK_THAT(DayCell(night, "2026-03-25"), Catch::Contains("23:30–Wed 25 Mar 01:30 CET"));
  CHECK_THAT(DayCell(night, "2026-03-26"), !Catch::Contains("night"));
}

TEST_CASE("a drill's item says its announce-by deadline and briefing and links to it",
          "[console][calendar]") {
  CalendarData data;
  CalendarEntry e =
      Entry("checkout-db", AtMinute("2026-03-27T09:00Z"), AtMinute("2026-03-27T10:00Z"));
  data.upcoming.push_back(e);
  e.start = AtMinute("2026-03-28T09:00Z");
  e.end = AtMinute("2026-03-28T10:00Z");
  e.announce_by = e.start - 2h;
  e.state = "running";
  e.briefing = "required, recorded by bob at 2026-03-25 10:00:00 CET (+01:00)";
  data.upcoming.push_back(e);
  const std::string html =
      CalendarHtml(CalendarViewer(), data, Query("day=2026-03-27&zone=Europe/Copenhagen"),
                   AtMinute("2026-03-25T12:00Z"));
  const std::string friday = DayCell(html, "2026-03-27");
  CHECK_THAT(friday, Catch::Contains("10:00–11:00 CET"));
  CHECK_THAT(friday, Catch::Contains("Announce by Tue 24 Mar 10:00 CET</span>"));
  CHECK_THAT(friday,
             Catch::Contains("<span class=\"line bad\">Briefing: required, not recorded</span>"));
  CHECK_THAT(friday, Catch::Contains("scheduled"));
  CHECK_THAT(friday, Catch::Contains("<a href=\"/console/drills/checkout-db\">"));
  CHECK_THAT(friday, Catch::Contains("<a href=\"/console/drills/checkout-db/invite.ics\""));
  const std::string saturday = DayCell(html, "2026-03-28");
  CHECK_THAT(saturday, Catch::Contains("Announce by Sat 28 Mar 08:00 CET</span>"));
  CHECK_THAT(saturday, Catch::Contains("running now"));
  CHECK_THAT(saturday, Catch::Contains("Briefing: required, recorded by bob at 2026-03-25"));
  CHECK_THAT(saturday, !Catch::Contains("line bad"));
}

TEST_CASE("a month shows every day in its weekday's column", "[console][calendar]") {
  CalendarData data;
  data.upcoming.push_back(
      Entry("early", AtMinute("2026-03-01T09:00Z"), AtMinute("2026-03-01T10:00Z")));
  data.upcoming.push_back(
      Entry("late", AtMinute("2026-03-31T09:00Z"), AtMinute("2026-03-31T10:00Z")));
  data.upcoming.push_back(
      Entry("april", AtMinute("2026-04-01T09:00Z"), AtMinute("2026-04-01T10:00Z")));
  const CalendarQuery q = Query("view=month&day=2026-03-10&zone=Europe/Copenhagen");
  const std::string html = CalendarHtml(CalendarViewer(), data, q, AtMinute("2026-03-10T12:00Z"));
  CHECK_THAT(html, Catch::Contains("<h2 id=\"period\">March 2026</h2>"));
  CHECK(Count(html, "id=\"day-2026-03-") == 31);
  CHECK(Count(html, "id=\"day-") == 31);
  // 1 March 2026 is a Sunday: six blank cells before it, five after the 31st (a Tuesday).
  CHECK(Count(html, "class=\"day empty pad\"") == 11);
  CHECK(html.find("class=\"day empty pad\"") < html.find("id=\"day-2026-03-01\""));
  CHECK_THAT(DayCell(html, "2026-03-01"), Catch::Contains("drill early"));
  CHECK_THAT(DayCell(html, "2026-03-31"), Catch::Contains("drill late"));
  CHECK_THAT(html, !Catch::Contains("drill april"));
  // Today is marked in words and for assistive technology, not by its border alone.
  CHECK_THAT(DayCell(html, "2026-03-10"), Catch::Contains("aria-current=\"date\""));
  CHECK_THAT(DayCell(html, "2026-03-10"), Catch::Contains("(today)"));
  // Days with nothing are marked empty (folded away on a phone), days with a drill are not.
  CHECK_THAT(DayCell(html, "2026-03-02"), Catch::StartsWith("<li class=\"day empty\""));
  CHECK_THAT(DayCell(html, "2026-03-01"), Catch::StartsWith("<li class=\"day\""));
}

TEST_CASE("each occurrence of a recurring drill appears on its day", "[console][calendar]") {
  CalendarData data;
  for (unsigned d : {2u, 5u, 9u, 12u}) {  // Mondays and Thursdays at 10:00 Copenhagen
    const SysTime start = SysTime{Day(2026, 3, d)} + 9h;
    data.upcoming.push_back(Entry("weekly", start, start + 1h));
  }
  const SysTime start = SysTime{Day(2026, 3, 30)} + 8h;  // after the change: still 10:00 local
  data.upcoming.push_back(Entry("weekly", start, start + 1h));
  const std::string html = CalendarHtml(CalendarViewer(), data,
                                        Query("view=month&day=2026-03-01&zone=Europe/Copenhagen"),
                                        AtMinute("2026-03-01T00:00Z"));
  for (const char* day : {"2026-03-02", "2026-03-05", "2026-03-09", "2026-03-12", "2026-03-30"}) {
    INFO(day);
    CHECK_THAT(DayCell(html, day),
               Catch::Contains("drill weekly") && Catch::Contains("10:00–11:00"));
  }
  CHECK(Count(html, "drill weekly") == 5);
}

TEST_CASE("blackouts and the freeze are listed on each day they cover", "[console][calendar]") {
  CalendarData data;
  data.spans.push_back(CalendarSpan{"blackout", "Release freeze 4.2", AtMinute("2026-03-24T16:00Z"),
                                    AtMinute("2026-03-26T08:00Z")});
  data.spans.push_back(CalendarSpan{"freeze",
                                    "checkout incident (a real incident; frozen by alertmanager)",
                                    AtMinute("2026-03-27T03:00Z"), std::nullopt});
  const CalendarQuery q = Query("day=2026-03-25&zone=Europe/Copenhagen");
  const std::string html = CalendarHtml(CalendarViewer(), data, q, AtMinute("2026-03-25T12:00Z"));
  for (const char* day : {"2026-03-24", "2026-03-25", "2026-03-26"}) {
    INFO(day);
    CHECK_THAT(DayCell(html, day),
               Catch::Contains("Blackout (no drill may run):</strong> Release freeze 4.2"));
    CHECK_THAT(DayCell(html, day), Catch::Contains("Tue 24 Mar 17:00–Thu 26 Mar 09:00 CET"));
  }
  CHECK_THAT(DayCell(html, "2026-03-23"), !Catch::Contains("Release freeze"));
  CHECK_THAT(DayCell(html, "2026-03-27"), !Catch::Contains("Release freeze"));
  // A freeze with no end is on every day from its start.
  for (const char* day : {"2026-03-27", "2026-03-28", "2026-03-29"}) {
    INFO(day);
    CHECK_THAT(DayCell(html, day), Catch::Contains("Freeze (no drill may inject)"));
    CHECK_THAT(DayCell(html, day), Catch::Contains("from Fri 27 Mar 04:00 CET, no end known yet"));
  }
  CHECK_THAT(DayCell(html, "2026-03-26"), !Catch::Contains("Freeze"));
  // What holds now is said above the days.
  const std::size_t days = html.find("<ol class=\"calendar");
  CHECK(html.find("Blackout (no drill may run) in force:") < days);
  CHECK(html.find("Freeze (no drill may inject) in force") == std::string::npos);
  const std::string later = CalendarHtml(CalendarViewer(), data, q, AtMinute("2026-03-28T12:00Z"));
  CHECK(later.find("<p class=\"message\" role=\"status\"><strong>Freeze (no drill may inject) in "
                   "force:</strong> checkout incident") < later.find("<ol class=\"calendar"));
}

TEST_CASE("past runs link to their page and say their outcome in words", "[console][calendar]") {
  CalendarData data;
  data.past.push_back(CalendarRun{"checkout-db-1774605600000", "checkout-db",
                                  "Checkout loses its database", "checkout", "Europe/Copenhagen",
                                  AtMinute("2026-03-27T09:00Z"), AtMinute("2026-03-27T09:42Z"),
                                  RunOutcome::kAutoRestored});
  data.past.push_back(CalendarRun{"search-1", "search", "", "search", "America/New_York",
                                  AtMinute("2026-03-26T14:00Z"), AtMinute("2026-03-26T14:20Z"),
                                  RunOutcome::kRecoveredByTeam});
  data.past.push_back(CalendarRun{"refused-1", "refused", "Refused", "", "UTC",
                                  AtMinute("2026-03-25T14:00Z"), AtMinute("2026-03-25T14:00Z"),
                                  RunOutcome::kRefused});
  const std::string html =
      CalendarHtml(CalendarViewer(), data, Query("day=2026-03-27&zone=Europe/Copenhagen"),
                   AtMinute("2026-03-28T12:00Z"));
  const std::string friday = DayCell(html, "2026-03-27");
  CHECK_THAT(friday, Catch::Contains("<li class=\"item run outcome-bad\">"));
  CHECK_THAT(friday, Catch::Contains("<strong>auto-restored at the window's end (the team did not "
                                     "recover)</strong>"));
  CHECK_THAT(friday, Catch::Contains("<a href=\"/console/runs/checkout-db-1774605600000\">"));
  CHECK_THAT(friday, Catch::Contains("10:00–10:42 CET"));
  const std::string thursday = DayCell(html, "2026-03-26");
  CHECK_THAT(thursday, Catch::Contains("<li class=\"item run outcome-good\">"));
  CHECK_THAT(thursday, Catch::Contains("<strong>recovered by the team</strong>"));
  CHECK_THAT(thursday, Catch::Contains("<strong>search</strong>"));  // no title: the id
  CHECK_THAT(thursday, Catch::Contains("In America/New_York: Thu 26 Mar 10:00–10:20 EDT"));
  // A run that ended as it began still shows, on its day.
  CHECK_THAT(DayCell(html, "2026-03-25"), Catch::Contains("refused at preflight"));
}

TEST_CASE("the calendar navigates by links that carry the view and the chosen zone",
          "[console][calendar]") {
  const SysTime now = AtMinute("2026-03-25T12:00Z");
  std::string html =
      CalendarHtml(CalendarViewer(), {}, Query("day=2026-03-25&zone=Europe/Copenhagen"), now);
  CHECK_THAT(html, Catch::Contains("<a href=\"/console/calendar?view=week&amp;day=2026-03-16&amp;"
                                   "zone=Europe%2FCopenhagen\" rel=\"prev\" data-zone-link>"));
  CHECK_THAT(html, Catch::Contains("<a href=\"/console/calendar?view=week&amp;day=2026-03-30&amp;"
                                   "zone=Europe%2FCopenhagen\" rel=\"next\" data-zone-link>"));
  CHECK_THAT(html, Catch::Contains("<a href=\"/console/calendar?view=week&amp;zone=Europe%2F"
                                   "Copenhagen\" data-zone-link>This week</a>"));
  CHECK_THAT(html, Catch::Contains("<a href=\"/console/calendar?view=month&amp;day=2026-03-25&amp;"
                                   "zone=Europe%2FCopenhagen\" data-zone-link>Month</a>"));
  CHECK_THAT(html, Catch::Contains("data-zone-link aria-current=\"page\">Week</a>"));
  CHECK_THAT(html, Catch::Contains("<h2 id=\"period\">Week of Monday 23 March 2026 to Sunday 29 "
                                   "March 2026</h2>"));
  CHECK_THAT(html, Catch::Contains("No drill, run, blackout or freeze in this week."));
  // The zone form keeps the view and the period, and works without script.
  CHECK_THAT(html,
             Catch::Contains("<form class=\"zone\" method=\"get\" action=\"/console/calendar\">"
                             "<input type=\"hidden\" name=\"view\" value=\"week\">"
                             "<input type=\"hidden\" name=\"day\" value=\"2026-03-23\">"));
  CHECK_THAT(html, Catch::Contains("name=\"zone\" value=\"Europe/Copenhagen\""));
  CHECK_THAT(html, Catch::Contains("<button type=\"submit\">Show</button>"));

  // Without a chosen zone the links carry none, so that the console script adds the browser's.
  html = CalendarHtml(CalendarViewer(), {}, Query("view=month&day=2026-01-20"), now);
  CHECK_THAT(html, Catch::Contains("<a href=\"/console/calendar?view=month&amp;day=2025-12-01\" "
                                   "rel=\"prev\" data-zone-link>"));
  CHECK_THAT(html, Catch::Contains("<a href=\"/console/calendar?view=month&amp;day=2026-02-01\" "
                                   "rel=\"next\" data-zone-link>"));
  CHECK_THAT(html, Catch::Contains("<a href=\"/console/calendar?view=week&amp;day=2026-01-01\" "
                                   "data-zone-link>Week</a>"));
  CHECK_THAT(html, Catch::Contains("the default; choose your zone below"));
  CHECK(html.find("zone=") == std::string::npos);
  std::regex zone_links("<a href=\"[^\"]*\"[^>]*data-zone-link[^>]*>");
  CHECK(std::distance(std::sregex_iterator(html.begin(), html.end(), zone_links),
                      std::sregex_iterator()) == 5);
}

TEST_CASE("hostile drill text is escaped and shortened on the calendar", "[console][calendar]") {
  const std::string script = "<script>alert(1)</script>";
  const std::string attr = "\"><img src=x onerror=alert(1)>";
  const std::string js = "javascript:alert(1)";
  const std::string rlo =
      "\xE2\x80\xAE"
      "gnp.exe";
  const std::string huge(1 << 20, 'A');
  CalendarData data;
  CalendarEntry e = Entry(attr, AtMinute("2026-03-27T09:00Z"), AtMinute("2026-03-27T10:00Z"), js);
  e.title = script;
  e.service = js;
  e.briefing = "required, recorded by " + script + " at noon";
  data.upcoming.push_back(e);
  e.drill_id = js;
  e.title = huge;
  e.service = rlo;
  e.zone = attr;
  data.upcoming.push_back(e);
  data.past.push_back(CalendarRun{js, script, huge, attr, rlo, AtMinute("2026-03-26T09:00Z"),
                                  AtMinute("2026-03-26T10:00Z"), RunOutcome::kAborted});
  data.spans.push_back(CalendarSpan{"blackout", rlo + script + huge, AtMinute("2026-03-25T00:00Z"),
                                    AtMinute("2026-03-25T06:00Z")});
  data.spans.push_back(CalendarSpan{attr, attr, AtMinute("2026-03-24T00:00Z"), std::nullopt});
  const std::string html =
      CalendarHtml(CalendarViewer(), data, Query("day=2026-03-25"), AtMinute("2026-03-25T12:00Z"));

  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("\xE2\x80\xAE") == std::string::npos);
  CHECK_THAT(html, Catch::Contains("\\u202E"));  // written visibly instead
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(html.find("style=") == std::string::npos);
  // No tag gained an attribute from the text (an event handler, a second href).
  CHECK_FALSE(std::regex_search(html, std::regex("<[a-z][^>]*\\sonerror")));
  // Every link stays in the console: the ids are percent-encoded into its paths.
  std::regex href("href=\"([^\"]*)\"");
  int links = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator();
       ++it, ++links) {
    const std::string url = (*it)[1];
    INFO(url);
    CHECK(url.rfind("/console/", 0) == 0);
    CHECK(url.find(':') == std::string::npos);
  }
  CHECK(links > 5);
  CHECK_THAT(html, Catch::Contains("href=\"/console/drills/javascript%3Aalert%281%29\""));
  CHECK_THAT(html, Catch::Contains("/console/drills/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29"
                                   "%3E/invite.ics"));
  // A megabyte title makes a small page: each text is shortened, saying how long it was.
  CHECK(html.size() < 40'000);
  CHECK_THAT(html, Catch::Contains("… (1048576 bytes)"));
}

}  // namespace firedrill
