// The console's calendar: upcoming drill windows (recurring ones expanded), blackouts and the
// freeze, announce-by deadlines, briefing status and past runs by outcome, a week or a month at a
// time, in the viewer's time zone and each drill's own. Pure functions from typed facts to HTML;
// the daemon loads the facts (daemon/console_data.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/console/console_layout.h"
#include "orchestrator/report/run_facts.h"

namespace firedrill {

/// One upcoming window of a scheduled (or running) drill; a repeating drill has one per
/// occurrence.
struct CalendarEntry {
  std::string drill_id, title, service, zone;  ///< zone: the drill's IANA zone
  std::string state;                           ///< "scheduled" or "running"
  SysTime start, end;
  std::optional<SysTime> announce_by;  ///< window start minus the drill's `announce.lead`
  std::string briefing;                ///< in words, e.g. "required, not recorded"
};

/// One run of a drill, from its start to its end (or to now while it goes on).
struct CalendarRun {
  std::string run_id, drill_id, title, service, zone;
  SysTime start, end;
  RunOutcome outcome = RunOutcome::kInProgress;
};

/// A period in which drills may not run.
struct CalendarSpan {
  std::string kind;  ///< "blackout" or "freeze"
  std::string name;  ///< the blackout's name, or what the freeze is for
  SysTime start;
  std::optional<SysTime> end;  ///< unset: no end known (a freeze still held by an incident)
};

/// What the calendar shows. Order does not matter: the page sorts.
struct CalendarData {
  std::vector<CalendarEntry> upcoming;
  std::vector<CalendarRun> past;
  std::vector<CalendarSpan> spans;
};

/// Which days the calendar shows, and in which zone.
struct CalendarQuery {
  bool month = false;  ///< a month (else a week, Monday to Sunday)
  /// The first day shown: the Monday of the week, or the 1st of the month.
  std::chrono::sys_days first_day;
  std::string zone = "UTC";  ///< the viewer's IANA zone
  SysTime from, to;          ///< the UTC span shown, [from, to): local midnights in `zone`
  bool zone_given = false;   ///< `zone` came from the query (links then carry it on)
};

/// Parses `?view=week|month&day=YYYY-MM-DD&zone=Area/City` (the query without '?'). Every field
/// is optional: the week view, the day of `now` in the zone, zone UTC; other fields are ignored.
/// Fails (ErrorCode::kInvalidInput), naming the offending parameter and value, on an unknown
/// view, a malformed date or one outside the years 1000 to 9999, an unknown zone, or a malformed
/// query (ParseFormFields).
Expected<CalendarQuery> ParseCalendarQuery(std::string_view query, SysTime now);

/// Returns the first instant of local day `day` in `zone` (UTC for an unknown zone): its
/// midnight, or the moment the clocks jump past midnight when daylight saving time skips it.
SysTime StartOfLocalDay(std::chrono::sys_days day, std::string_view zone);

/// Returns the page's <main> content (not the whole document: ConsolePage wraps it): the period
/// and zone, navigation links (previous, today, next, week or month; `data-zone-link`, so the
/// console script adds the browser's zone when none was chosen), a GET form to choose the zone, a
/// freeze or blackout in force said above the days, then one list item per day of `query` holding
/// what touches that local day: drill windows (links to the drill and its .ics invite, times in
/// the viewer's and the drill's zone, announce-by, briefing), blackouts and the freeze, and runs
/// with their outcome in words. Everything from `data` is escaped and shortened. Works without
/// script; the same for every viewer (it offers no actions, only links).
std::string CalendarHtml(const ConsoleViewer& viewer, const CalendarData& data,
                         const CalendarQuery& query, SysTime now);

}  // namespace firedrill
