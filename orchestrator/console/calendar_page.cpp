#include "orchestrator/console/calendar_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include "drills/quoted.h"
#include "drills/zone_lookup.h"
#include "drills/zoned_time.h"
#include "orchestrator/control/form_fields.h"
#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

namespace chr = std::chrono;
using chr::sys_days;

// How much of each hostile text a page shows (Shorten): enough to recognise it, never a 1 MB page.
constexpr std::size_t kMaxTitle = 200;
constexpr std::size_t kMaxId = 120;
constexpr std::size_t kMaxService = 100;
constexpr std::size_t kMaxSpanName = 300;
constexpr std::size_t kMaxZone = 64;
constexpr std::size_t kMaxBriefing = 300;
// The most zones the zone form suggests.
constexpr std::size_t kMaxSuggestedZones = 40;

// The years a `day` may name: four digits, and every instant of them is one the zone library and
// FormatUtc handle.
constexpr int kFirstYear = 1000;
constexpr int kLastYear = 9999;
constexpr SysTime kFirstShownInstant{sys_days{chr::year{kFirstYear} / 1 / 1}};
constexpr SysTime kPastLastShownInstant{sys_days{chr::year{kLastYear + 1} / 1 / 1}};

constexpr std::array<const char*, 7> kWeekdays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday"};
constexpr std::array<const char*, 12> kMonths = {"January",   "February", "March",    "April",
                                                 "May",       "June",     "July",     "August",
                                                 "September", "October",  "November", "December"};

const char* WeekdayName(sys_days d) { return kWeekdays[chr::weekday{d}.iso_encoding() - 1]; }

const char* MonthName(chr::month m) { return kMonths[static_cast<unsigned>(m) - 1]; }

std::string IsoDate(sys_days d) {
  chr::year_month_day ymd{d};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

// "Sun 29 Mar".
std::string DayShort(sys_days d) {
  chr::year_month_day ymd{d};
  return fmt::format("{:.3} {} {:.3}", WeekdayName(d), static_cast<unsigned>(ymd.day()),
                     MonthName(ymd.month()));
}

// "Sunday 29 March 2026".
std::string DayLong(sys_days d) {
  chr::year_month_day ymd{d};
  return fmt::format("{} {} {} {}", WeekdayName(d), static_cast<unsigned>(ymd.day()),
                     MonthName(ymd.month()), static_cast<int>(ymd.year()));
}

// The zone to show times in; nullptr means UTC.
const date::time_zone* ZoneOf(std::string_view zone) { return FindZone(zone); }

// The zones of one page, each looked up once (an unknown name costs the zone library an
// exception, and a month may list thousands of items).
class ZoneCache {
 public:
  const date::time_zone* Get(std::string_view zone) {
    auto it = zones_.find(zone);
    if (it == zones_.end()) it = zones_.emplace(std::string(zone), ZoneOf(zone)).first;
    return it->second;
  }

 private:
  std::map<std::string, const date::time_zone*, std::less<>> zones_;
};

// An instant as a wall clock reads it in one zone.
struct WallClock {
  sys_days day;  // the local date, as a civil day
  chr::minutes minute_of_day{0};
  std::string abbrev;  // "CEST", "UTC", "-03"
};

bool Showable(SysTime t) { return t >= kFirstShownInstant && t < kPastLastShownInstant; }

// Only for Showable instants.
WallClock ToWallClock(SysTime t, const date::time_zone* tz) {
  chr::seconds offset{0};
  std::string abbrev = "UTC";
  if (tz != nullptr) {
    date::sys_info info = tz->get_info(t);
    offset = info.offset;
    abbrev = info.abbrev;
  }
  const SysTime local = t + offset;  // the wall clock's reading, written as if it were UTC
  const sys_days day = chr::floor<chr::days>(local);
  return WallClock{day, chr::floor<chr::minutes>(local - day), std::move(abbrev)};
}

std::string Hm(const WallClock& w) {
  return fmt::format("{:02}:{:02}", w.minute_of_day.count() / 60, w.minute_of_day.count() % 60);
}

// "09:00–10:00 CET"; "01:30 CET–03:30 CEST" across a change of offset; with the dates when
// `with_date` or when the end is on a later day: "Sat 28 Mar 23:00–Sun 29 Mar 01:00 CET".
std::string RangeText(SysTime start, SysTime end, const date::time_zone* tz, bool with_date) {
  if (!Showable(start) || !Showable(end)) return FormatUtc(start) + " – " + FormatUtc(end);
  const WallClock s = ToWallClock(start, tz);
  const WallClock e = ToWallClock(end, tz);
  const bool two_days = s.day != e.day;
  std::string text = (with_date || two_days ? DayShort(s.day) + " " : std::string()) + Hm(s);
  if (s.abbrev != e.abbrev) text += " " + s.abbrev;
  text += "–";
  if (two_days) text += DayShort(e.day) + " ";
  return text + Hm(e) + " " + e.abbrev;
}

// "Thu 26 Mar 09:00 CET".
std::string MomentText(SysTime t, const date::time_zone* tz) {
  if (!Showable(t)) return FormatUtc(t);
  const WallClock w = ToWallClock(t, tz);
  return DayShort(w.day) + " " + Hm(w) + " " + w.abbrev;
}

// The calendar's own URL for a view, a day and (when the viewer chose one) a zone.
std::string CalendarUrl(bool month, sys_days day, const CalendarQuery& q) {
  std::string url =
      fmt::format("/console/calendar?view={}&day={}", month ? "month" : "week", IsoDate(day));
  if (q.zone_given) url += "&zone=" + FormEncode(q.zone);
  return url;
}

std::string TodayUrl(bool month, const CalendarQuery& q) {
  std::string url = fmt::format("/console/calendar?view={}", month ? "month" : "week");
  if (q.zone_given) url += "&zone=" + FormEncode(q.zone);
  return url;
}

std::string DrillUrl(std::string_view drill_id) {
  return "/console/drills/" + FormEncode(drill_id);
}

// A link within the console: `href` is a path this file built (ids percent-encoded).
std::string Link(std::string_view href, std::string_view html, std::string_view attrs = "") {
  return fmt::format("<a href=\"{}\"{}{}>{}</a>", Escape(href), attrs.empty() ? "" : " ", attrs,
                     html);
}

std::string Text(std::string_view text, std::size_t max) { return Escape(Shorten(text, max)); }

struct OutcomeLook {
  const char* words;
  const char* css;  // colours only what the words already say
};

OutcomeLook LookOf(RunOutcome o) {
  switch (o) {
    case RunOutcome::kRecoveredByTeam:
      return {"recovered by the team", "outcome-good"};
    case RunOutcome::kAbsorbed:
      return {"absorbed by the system", "outcome-good"};
    case RunOutcome::kAutoRestored:
      return {"auto-restored at the window's end (the team did not recover)", "outcome-bad"};
    case RunOutcome::kAborted:
      return {"aborted", "outcome-bad"};
    case RunOutcome::kInconclusive:
      return {"inconclusive (no effect was observed)", "outcome-neutral"};
    case RunOutcome::kInterrupted:
      return {"interrupted (its process died)", "outcome-bad"};
    case RunOutcome::kRestoreIncomplete:
      return {"restore incomplete (manual action needed)", "outcome-bad"};
    case RunOutcome::kRefused:
      return {"refused at preflight", "outcome-neutral"};
    case RunOutcome::kNotInjected:
      return {"ended before any fault was injected", "outcome-neutral"};
    case RunOutcome::kInProgress:
      break;
  }
  return {"in progress", "outcome-neutral"};
}

// One thing to list in the days it touches, rendered once.
struct Item {
  int order = 0;  // spans first, then drills and runs by start
  SysTime start;
  SysTime end;  // exclusive; after start
  std::string html;
};

// The second line of a drill or run: its times in the drill's own zone, when that is not the
// viewer's.
std::string DrillZoneLine(SysTime start, SysTime end, std::string_view zone,
                          std::string_view viewer_zone, ZoneCache& zones) {
  if (zone.empty() || zone == viewer_zone) return "";
  return "<span class=\"line\">In " + Text(zone, kMaxZone) + ": " +
         Escape(RangeText(start, end, zones.Get(zone), true)) + "</span>";
}

std::string NameLine(std::string_view title, std::string_view drill_id, std::string_view service,
                     std::string_view href) {
  std::string name = Text(title.empty() ? drill_id : title, kMaxTitle);
  std::string html = Link(href, "<strong>" + name + "</strong>");
  html += " <span class=\"muted\">(drill " + Text(drill_id, kMaxId);
  if (!service.empty()) html += ", service " + Text(service, kMaxService);
  return html + ")</span>";
}

Item EntryItem(const CalendarEntry& e, const date::time_zone* viewer_tz,
               std::string_view viewer_zone, ZoneCache& zones) {
  const bool running = e.state == "running";
  std::string h = fmt::format("<li class=\"item drill {}\">", running ? "running" : "scheduled");
  h += NameLine(e.title, e.drill_id, e.service, DrillUrl(e.drill_id));
  h += "<span class=\"line\"><span class=\"when\">" +
       Escape(RangeText(e.start, e.end, viewer_tz, false)) + "</span> · " +
       (running ? "<strong>running now</strong>" : std::string("scheduled")) + "</span>";
  h += DrillZoneLine(e.start, e.end, e.zone, viewer_zone, zones);
  if (e.announce_by) {
    h += "<span class=\"line\">Announce by " + Escape(MomentText(*e.announce_by, viewer_tz)) +
         "</span>";
  }
  if (!e.briefing.empty()) {
    const bool missing = e.briefing.rfind("required, not", 0) == 0;
    h += fmt::format("<span class=\"line{}\">Briefing: {}</span>", missing ? " bad" : "",
                     Text(e.briefing, kMaxBriefing));
  }
  h += "<span class=\"line\">" +
       Link(DrillUrl(e.drill_id) + "/invite.ics", "Calendar invite (.ics)",
            "type=\"text/calendar\"") +
       "</span></li>";
  return Item{1, e.start, std::max(e.end, e.start + chr::milliseconds(1)), std::move(h)};
}

Item RunItem(const CalendarRun& r, const date::time_zone* viewer_tz, std::string_view viewer_zone,
             ZoneCache& zones) {
  const OutcomeLook look = LookOf(r.outcome);
  std::string h = fmt::format("<li class=\"item run {}\">", look.css);
  h += NameLine(r.title, r.drill_id, r.service, "/console/runs/" + FormEncode(r.run_id));
  h += fmt::format("<span class=\"line\">Run {}: <strong>{}</strong></span>",
                   Text(r.run_id, kMaxId), look.words);
  h += "<span class=\"line\"><span class=\"when\">" +
       Escape(RangeText(r.start, std::max(r.end, r.start), viewer_tz, false)) + "</span></span>";
  h += DrillZoneLine(r.start, std::max(r.end, r.start), r.zone, viewer_zone, zones);
  h += "</li>";
  return Item{1, r.start, std::max(r.end, r.start + chr::milliseconds(1)), std::move(h)};
}

std::string SpanWhen(const CalendarSpan& s, const date::time_zone* tz) {
  if (!s.end) return "from " + MomentText(s.start, tz) + ", no end known yet";
  return RangeText(s.start, *s.end, tz, true);
}

std::string SpanLabel(const CalendarSpan& s) {
  return s.kind == "freeze" ? "Freeze (no drill may inject)" : "Blackout (no drill may run)";
}

Item SpanItem(const CalendarSpan& s, const date::time_zone* viewer_tz) {
  std::string h = fmt::format("<li class=\"item blackout {}\"><strong>{}:</strong> {}",
                              s.kind == "freeze" ? "freeze" : "declared", SpanLabel(s),
                              Text(s.name, kMaxSpanName));
  h += "<span class=\"line\">" + Escape(SpanWhen(s, viewer_tz)) + "</span></li>";
  const SysTime end = s.end ? std::max(*s.end, s.start + chr::milliseconds(1)) : SysTime::max();
  return Item{0, s.start, end, std::move(h)};
}

sys_days PeriodEnd(const CalendarQuery& q) {
  if (!q.month) return q.first_day + chr::days(7);
  chr::year_month_day first{q.first_day};
  return sys_days{first.year() / first.month() / 1 + chr::months(1)};
}

// The first day of the period before (`step` -1) or after (+1) the one shown.
sys_days Neighbour(const CalendarQuery& q, int step) {
  if (!q.month) return q.first_day + chr::days(7 * step);
  chr::year_month_day first{q.first_day};
  return sys_days{first.year() / first.month() / 1 + chr::months(step)};
}

bool DayInRange(sys_days d) {
  const int y = static_cast<int>(chr::year_month_day{d}.year());
  return y >= kFirstYear && y <= kLastYear;
}

std::string PeriodTitle(const CalendarQuery& q, sys_days end) {
  chr::year_month_day first{q.first_day};
  if (q.month)
    return fmt::format("{} {}", MonthName(first.month()), static_cast<int>(first.year()));
  return fmt::format("Week of {} to {}", DayLong(q.first_day), DayLong(end - chr::days(1)));
}

std::string Navigation(const CalendarQuery& q, sys_days end, std::optional<sys_days> today) {
  const char* unit = q.month ? "month" : "week";
  std::string h = "<nav class=\"calnav\" aria-label=\"Calendar periods\"><ul>";
  const sys_days prev = Neighbour(q, -1);
  const sys_days next = Neighbour(q, 1);
  if (DayInRange(prev)) {
    h += "<li>" +
         Link(CalendarUrl(q.month, prev, q),
              fmt::format("<span aria-hidden=\"true\">&larr;</span> Previous {}", unit),
              "rel=\"prev\" data-zone-link") +
         "</li>";
  }
  h +=
      "<li>" + Link(TodayUrl(q.month, q), fmt::format("This {}", unit), "data-zone-link") + "</li>";
  if (DayInRange(next)) {
    h += "<li>" +
         Link(CalendarUrl(q.month, next, q),
              fmt::format("Next {} <span aria-hidden=\"true\">&rarr;</span>", unit),
              "rel=\"next\" data-zone-link") +
         "</li>";
  }
  // Switching keeps today in view when it is shown, else the period's first day.
  const sys_days anchor = today && *today >= q.first_day && *today < end ? *today : q.first_day;
  h += "</ul><ul class=\"views\" aria-label=\"View\">";
  h += "<li>" +
       Link(CalendarUrl(false, anchor, q), "Week",
            q.month ? "data-zone-link" : "data-zone-link aria-current=\"page\"") +
       "</li>";
  h += "<li>" +
       Link(CalendarUrl(true, anchor, q), "Month",
            q.month ? "data-zone-link aria-current=\"page\"" : "data-zone-link") +
       "</li>";
  return h + "</ul></nav>\n";
}

std::string ZoneForm(const CalendarData& data, const CalendarQuery& q, ZoneCache& cache) {
  std::set<std::string> zones = {"UTC", q.zone};
  for (const CalendarEntry& e : data.upcoming) {
    if (zones.size() >= kMaxSuggestedZones) break;
    if (cache.Get(e.zone) != nullptr) zones.insert(e.zone);
  }
  std::string h = fmt::format(
      "<form class=\"zone\" method=\"get\" action=\"/console/calendar\">"
      "<input type=\"hidden\" name=\"view\" value=\"{}\">"
      "<input type=\"hidden\" name=\"day\" value=\"{}\">"
      "<label for=\"calendar-zone\">Time zone</label> "
      "<input id=\"calendar-zone\" type=\"text\" name=\"zone\" value=\"{}\" "
      "list=\"calendar-zones\" "
      "autocomplete=\"off\" spellcheck=\"false\" maxlength=\"128\" required "
      "aria-describedby=\"calendar-zone-help\"> "
      "<button type=\"submit\">Show</button>"
      "<datalist id=\"calendar-zones\">",
      q.month ? "month" : "week", IsoDate(q.first_day), Text(q.zone, kMaxZone));
  for (const std::string& z : zones) h += "<option value=\"" + Text(z, kMaxZone) + "\">";
  h += "</datalist><p id=\"calendar-zone-help\" class=\"muted\">An IANA name such as "
       "Europe/Copenhagen or America/New_York.</p></form>\n";
  return h;
}

// What holds now: a freeze, or a blackout in force, said before the days.
std::string InForce(const CalendarData& data, const date::time_zone* tz, SysTime now) {
  std::string h;
  for (const CalendarSpan& s : data.spans) {
    if (s.start > now || (s.end && *s.end <= now)) continue;
    h += fmt::format("<p class=\"{}\" role=\"status\"><strong>{} in force:</strong> {} ({})</p>\n",
                     s.kind == "freeze" ? "message" : "notice", SpanLabel(s),
                     Text(s.name, kMaxSpanName), Escape(SpanWhen(s, tz)));
  }
  return h;
}

}  // namespace

SysTime StartOfLocalDay(sys_days day, std::string_view zone) {
  const date::time_zone* tz = ZoneOf(zone);
  const SysTime utc{day};
  if (tz == nullptr || !Showable(utc)) return utc;
  const date::local_seconds local{day.time_since_epoch()};
  const date::local_info info = tz->get_info(local);
  if (info.result == date::local_info::nonexistent) {
    // The clocks jump over midnight: the day begins when they land.
    return SysTime{info.second.begin.time_since_epoch()};
  }
  // Unique, or twice (the clocks fall back over midnight): the earlier one.
  return SysTime{local.time_since_epoch() - info.first.offset};
}

Expected<CalendarQuery> ParseCalendarQuery(std::string_view query, SysTime now) {
  auto fields = ParseFormFields(query);
  if (!fields) {
    return Error(ErrorCode::kInvalidInput, "calendar query: " + fields.error().message);
  }
  auto field = [&](const char* name) -> std::string {
    auto it = fields->find(name);
    return it == fields->end() ? std::string() : it->second;
  };
  CalendarQuery q;
  const std::string view = field("view");
  if (view == "month") {
    q.month = true;
  } else if (!view.empty() && view != "week") {
    return Error(
        ErrorCode::kInvalidInput,
        fmt::format("calendar parameter view={}: the calendar shows week or month", Quoted(view)));
  }
  if (const std::string zone = field("zone"); !zone.empty()) {
    if (!IsKnownZone(zone)) {
      return Error(ErrorCode::kInvalidInput,
                   fmt::format("calendar parameter zone={}: not a known IANA time zone (such as "
                               "Europe/Copenhagen)",
                               Quoted(zone)));
    }
    q.zone = zone;
    q.zone_given = true;
  }
  sys_days day;
  if (const std::string text = field("day"); !text.empty()) {
    auto digits = [&](std::size_t from, std::size_t n) {
      int v = 0;
      for (std::size_t i = from; i < from + n; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        v = v * 10 + (text[i] - '0');
      }
      return v;
    };
    const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-';
    const int y = shaped ? digits(0, 4) : -1;
    const int m = shaped ? digits(5, 2) : -1;
    const int d = shaped ? digits(8, 2) : -1;
    const chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(std::max(m, 0))},
                                  chr::day{static_cast<unsigned>(std::max(d, 0))}};
    if (y < 0 || m < 0 || d < 0 || !ymd.ok()) {
      return Error(
          ErrorCode::kInvalidInput,
          fmt::format("calendar parameter day={}: not a date written YYYY-MM-DD", Quoted(text)));
    }
    if (y < kFirstYear || y > kLastYear) {
      return Error(ErrorCode::kInvalidInput,
                   fmt::format("calendar parameter day={}: the calendar shows the years {} to {}",
                               Quoted(text), kFirstYear, kLastYear));
    }
    day = sys_days{ymd};
  } else {
    const SysTime clamped =
        std::clamp(now, kFirstShownInstant, kPastLastShownInstant - chr::days(1));
    day = ToWallClock(clamped, ZoneOf(q.zone)).day;
  }
  if (q.month) {
    chr::year_month_day ymd{day};
    q.first_day = sys_days{ymd.year() / ymd.month() / 1};
  } else {
    q.first_day = day - chr::days(chr::weekday{day}.iso_encoding() - 1);
  }
  q.from = StartOfLocalDay(q.first_day, q.zone);
  q.to = StartOfLocalDay(PeriodEnd(q), q.zone);
  return q;
}

std::string CalendarHtml(const ConsoleViewer& /*viewer*/, const CalendarData& data,
                         const CalendarQuery& q, SysTime now) {
  ZoneCache zones;
  const date::time_zone* tz = zones.Get(q.zone);
  const sys_days end = PeriodEnd(q);
  const std::size_t n = static_cast<std::size_t>((end - q.first_day).count());
  // bounds[i] is the first instant of day i; bounds[n] the end of the period.
  std::vector<SysTime> bounds;
  bounds.reserve(n + 1);
  for (std::size_t i = 0; i <= n; ++i) {
    bounds.push_back(StartOfLocalDay(q.first_day + chr::days(i), q.zone));
  }
  std::optional<sys_days> today;
  if (Showable(now)) today = ToWallClock(now, tz).day;

  std::vector<Item> items;
  for (const CalendarSpan& s : data.spans) items.push_back(SpanItem(s, tz));
  for (const CalendarEntry& e : data.upcoming) items.push_back(EntryItem(e, tz, q.zone, zones));
  for (const CalendarRun& r : data.past) items.push_back(RunItem(r, tz, q.zone, zones));
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return std::tie(a.order, a.start, a.end, a.html) < std::tie(b.order, b.start, b.end, b.html);
  });
  // Each day's items, by index into `items`: an item touching several days is listed in each.
  std::vector<std::vector<std::size_t>> days(n);
  std::size_t shown = 0;
  for (std::size_t k = 0; k < items.size(); ++k) {
    const Item& it = items[k];
    if (it.start >= bounds[n] || it.end <= bounds[0]) continue;
    ++shown;
    // The first day that ends after the start, up to the last that begins before the end.
    auto first = std::upper_bound(bounds.begin() + 1, bounds.end(), it.start);
    for (auto b = first; b != bounds.end() && *(b - 1) < it.end; ++b) {
      days[static_cast<std::size_t>(b - bounds.begin() - 1)].push_back(k);
    }
  }

  std::string h = "<h1>Calendar</h1>\n";
  h += fmt::format(
      "<p>Times in <strong>{}</strong>{}; each drill's own zone is shown beside them "
      "when it differs.</p>\n",
      Text(q.zone, kMaxZone), q.zone_given ? "" : " (the default; choose your zone below)");
  h += InForce(data, tz, now);
  h += Navigation(q, end, today);
  h += ZoneForm(data, q, zones);
  h += fmt::format("<h2 id=\"period\">{}</h2>\n", Escape(PeriodTitle(q, end)));
  if (shown == 0) {
    h += fmt::format("<p class=\"muted\">No drill, run, blackout or freeze in this {}.</p>\n",
                     q.month ? "month" : "week");
  }
  h += fmt::format("<ol class=\"calendar {}\" aria-labelledby=\"period\">\n",
                   q.month ? "month" : "week");
  // A month starts in its weekday's column; the cells before it and after its end are blank.
  const unsigned lead = q.month ? chr::weekday{q.first_day}.iso_encoding() - 1 : 0;
  for (unsigned i = 0; i < lead; ++i) h += "<li class=\"day empty pad\" aria-hidden=\"true\"></li>";
  for (std::size_t i = 0; i < n; ++i) {
    const sys_days d = q.first_day + chr::days(i);
    const bool is_today = today && *today == d;
    std::string cls = "day";
    if (is_today) cls += " today";
    if (days[i].empty() && !is_today) cls += " empty";
    h += fmt::format(
        "<li class=\"{}\" id=\"day-{}\"{}><h3 class=\"date\"><time datetime=\"{}\">{}"
        "</time>{}</h3>",
        cls, IsoDate(d), is_today ? " aria-current=\"date\"" : "", IsoDate(d), DayShort(d),
        is_today ? " (today)" : "");
    if (!days[i].empty()) {
      h += "<ul class=\"items\">";
      for (std::size_t k : days[i]) h += items[k].html;
      h += "</ul>";
    }
    h += "</li>\n";
  }
  const std::size_t cells = lead + n;
  for (std::size_t i = cells; i % 7 != 0; ++i) {
    h += "<li class=\"day empty pad\" aria-hidden=\"true\"></li>";
  }
  h += "</ol>\n";
  return h;
}

}  // namespace firedrill
