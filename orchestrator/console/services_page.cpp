// The services page: the audit report regrouped per service, with a trend picture per metric.
#include "orchestrator/console/services_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/console/trend_chart.h"
#include "orchestrator/control/form_fields.h"
#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxName = 200;  // bytes of a service or run id shown
constexpr std::size_t kMaxLinkedId = 512;

std::string Text(std::string_view s, std::size_t max = kMaxName) { return Escape(Shorten(s, max)); }

std::string Day(SysTime t) { return FormatUtc(t).substr(0, 10); }

// A link to the run's page; a hostile, enormous run id is shown but not linked.
std::string RunLink(const std::string& run_id, std::string_view text) {
  if (run_id.size() > kMaxLinkedId) return Escape(text);
  return "<a href=\"/console/runs/" + Escape(FormEncode(run_id)) + "\">" + Escape(text) + "</a>";
}

// "2027-Q2" as a number of quarters since year 0, or nullopt for anything else ("unknown").
std::optional<int> QuarterIndex(std::string_view q) {
  if (q.size() != 7 || q[4] != '-' || q[5] != 'Q' || q[6] < '1' || q[6] > '4') return std::nullopt;
  int year = 0;
  for (char c : q.substr(0, 4)) {
    if (c < '0' || c > '9') return std::nullopt;
    year = year * 10 + (c - '0');
  }
  return year * 4 + (q[6] - '1');
}

// The most common value (the smaller on a tie), or nullopt when there is none.
std::optional<Duration> Mode(const std::map<Duration, int>& counts) {
  std::optional<Duration> best;
  int best_count = 0;
  for (const auto& [value, count] : counts) {
    if (count > best_count) {
      best = value;
      best_count = count;
    }
  }
  return best;
}

// One quarter of one service: the audit's figures and what its rows add to them.
struct QuarterView {
  const ServiceQuarter* figures = nullptr;
  std::optional<int> index;         // QuarterIndex
  std::optional<Duration> detect;   // the detect_within most of its drills set
  std::optional<Duration> recover;  // the recover_within most of its drills set
  Duration impact{0};               // of the drills counted
  Duration budget{0};               // their recover_within objectives
  int counted = 0;
  int not_counted = 0;  // drills whose impact the audit does not hold
};

struct ServiceView {
  std::string name;
  std::vector<QuarterView> quarters;  // by quarter, as the report has them
  int runs = 0;
  int drills = 0;
  const AuditRow* last = nullptr;  // the latest drill with a window start
};

struct Judged {
  std::string words;
  std::string_view css;
};

// A quarter's median and p90 against its objective, in words.
Judged JudgeSpread(const Spread& s, const std::optional<Duration>& objective) {
  if (s.count == 0 || !s.median || !s.p90) return {"no measurement", "muted"};
  if (!objective) return {"no objective", ""};
  if (*s.p90 <= *objective) return {"met: p90 within the objective", "verdict-met"};
  if (*s.median <= *objective) {
    return {"partly met: median within, p90 over the objective", "verdict-partial"};
  }
  return {"missed: median over the objective", "verdict-missed"};
}

std::string Cell(const Judged& j) {
  if (j.css.empty()) return "<td>" + Escape(j.words) + "</td>";
  return fmt::format("<td class=\"{}\">{}</td>", j.css, Escape(j.words));
}

std::string SpreadText(const Spread& s) {
  if (s.count == 0 || !s.median || !s.p90) return "—";
  return fmt::format("{} / {} (n={})", FormatDuration(*s.median), FormatDuration(*s.p90), s.count);
}

std::string BudgetCell(const QuarterView& e) {
  std::string note =
      e.not_counted > 0 ? fmt::format("; {} drill(s) not counted", e.not_counted) : std::string();
  if (e.counted == 0) return "<td class=\"muted\">no drill counted" + note + "</td>";
  if (e.budget.count() == 0) {
    return "<td>" + FormatDuration(e.impact) + " (no recover objective to compare)" + note +
           "</td>";
  }
  const double percent =
      100.0 * static_cast<double>(e.impact.count()) / static_cast<double>(e.budget.count());
  const bool over = e.impact > e.budget;
  return fmt::format("<td class=\"{}\">{} of {} ({:.0f}%): {}{}</td>", over ? "bad" : "ok",
                     FormatDuration(e.impact), FormatDuration(e.budget), percent,
                     over ? "over budget" : "within budget", note);
}

constexpr char kDefinitions[] =
    "<section id=\"definitions\"><h2>How these are measured</h2><dl>"
    "<dt>TTD (human), TTD (alert), TTR</dt><dd>TTD (human) = the first acknowledgement of "
    "detection − T0; TTD (alert) = the first matching alert after T0 − T0; TTR = the "
    "probe-confirmed recovery − T0 (the team's mark when the drill has no probes), over the "
    "drills the team recovered. T0 = the first fault verified in place.</dd>"
    "<dt>Median and p90</dt><dd>Per service and quarter of the window start (UTC): the median is "
    "the middle value (the mean of the two middle ones for an even count); p90 is the nearest "
    "rank, the value at rank ceil(0.9 n).</dd>"
    "<dt>Objective and verdict</dt><dd>The objective is the drills' detect_within (for TTD) or "
    "recover_within (for TTR); when a quarter's drills set different ones, the one most of them "
    "set. Met: the p90 is within the objective. Partly met: the median is within it, the p90 is "
    "over. Missed: the median is over it.</dd>"
    "<dt>Auto-restored</dt><dd>Drills the team did not recover, restored by firedrill at the "
    "window's end, as a share of the quarter's drills (runs that injected a fault).</dd>"
    "<dt>Error budget consumed</dt><dd>The time the quarter's drills held the service impaired, "
    "T0 to recovered or restored: the TTR of each drill the team recovered, and the whole window "
    "(its start to its end) of each drill auto-restored at the window's end, an upper bound "
    "since T0 comes after the window opens. The budget is the sum of those drills' "
    "recover_within objectives: within budget means the drills together recovered within what "
    "their objectives allow. Aborted, absorbed, inconclusive and unfinished drills are not "
    "counted (the audit does not hold their impact); their number is given.</dd>"
    "<dt>Undrilled</dt><dd>A service of the drills table with no run that injected a fault, or "
    "whose last drill started more than 90 days ago.</dd></dl></section>\n";

// The report regrouped per service (by name): its quarters with their objectives and error
// budget, its last drill; services of the drills table never drilled get an empty view.
std::vector<ServiceView> ViewsOf(const AuditReport& report) {
  struct Acc {
    std::map<Duration, int> detect, recover;  // objective -> drills that set it
    Duration impact{0}, budget{0};
    int counted = 0, not_counted = 0;
  };
  std::map<std::pair<std::string, std::string>, Acc> acc;  // by service and quarter
  std::map<std::string, ServiceView> views;
  for (const AuditRow& r : report.rows) {
    if (r.faults_injected == 0) continue;
    ServiceView& v = views[r.service];
    if (r.window_start && (v.last == nullptr || *r.window_start >= *v.last->window_start)) {
      v.last = &r;
    }
    Acc& a = acc[{r.service, r.quarter}];
    if (r.detect_objective) ++a.detect[*r.detect_objective];
    if (r.recover_objective) ++a.recover[*r.recover_objective];
    // The impact: T0 to recovery, or the whole window when auto-restored at its end.
    std::optional<Duration> impact = r.ttr;
    if (!impact && r.outcome == RunOutcome::kAutoRestored && r.window_start && r.window_end &&
        *r.window_end >= *r.window_start) {
      impact = std::chrono::duration_cast<Duration>(*r.window_end - *r.window_start);
    }
    if (!impact) {
      ++a.not_counted;
      continue;
    }
    ++a.counted;
    a.impact += *impact;
    if (r.recover_objective) a.budget += *r.recover_objective;
  }
  for (const ServiceQuarter& s : report.services) {
    ServiceView& v = views[s.service];
    v.runs += s.runs;
    v.drills += s.drills;
    QuarterView q;
    q.figures = &s;
    q.index = QuarterIndex(s.quarter);
    if (auto it = acc.find({s.service, s.quarter}); it != acc.end()) {
      const Acc& a = it->second;
      q.detect = Mode(a.detect);
      q.recover = Mode(a.recover);
      q.impact = a.impact;
      q.budget = a.budget;
      q.counted = a.counted;
      q.not_counted = a.not_counted;
    }
    v.quarters.push_back(q);
  }
  for (const std::string& s : report.not_drilled) views[s];
  std::vector<ServiceView> out;
  for (auto& [name, v] : views) {
    v.name = name;
    out.push_back(std::move(v));
  }
  return out;
}

std::int64_t DaysBetween(SysTime from, SysTime to) {
  return std::chrono::floor<std::chrono::days>(to - from).count();
}

bool Stale(const ServiceView& v, SysTime now) {
  return v.drills > 0 && v.last != nullptr && *v.last->window_start < now - kUndrilledAfter;
}

// The services never drilled, and those not drilled for kUndrilledAfter.
std::string UndrilledSection(const std::vector<ServiceView>& views, SysTime now) {
  std::string never, stale;
  std::size_t never_n = 0, stale_n = 0;
  for (const ServiceView& v : views) {
    if (v.drills == 0) {
      ++never_n;
      never += "<li>" + Text(v.name) +
               (v.runs > 0 ? fmt::format(" — {} run(s), none injected a fault", v.runs) : "") +
               "</li>";
    } else if (Stale(v, now)) {
      ++stale_n;
      stale += "<li>" + Text(v.name) + ": last drilled " +
               RunLink(v.last->run_id, Day(*v.last->window_start)) +
               fmt::format(", {} days ago</li>", DaysBetween(*v.last->window_start, now));
    }
  }
  std::string h = "<section id=\"undrilled\"><h2>Undrilled services</h2>\n";
  if (never_n == 0 && stale_n == 0) {
    h += "<p class=\"ok\">Every service was drilled in the last 90 days.</p>\n";
  }
  if (never_n > 0) {
    h += fmt::format("<p class=\"bad\">Never drilled ({}):</p><ul class=\"never\">{}</ul>\n",
                     never_n, never);
  }
  if (stale_n > 0) {
    h += fmt::format(
        "<p class=\"bad\">Not drilled for more than 90 days ({}):</p><ul class=\"stale\">{}</ul>\n",
        stale_n, stale);
  }
  return h + "</section>\n";
}

// Every service at a glance: drills, last drill, whether drilled recently, the latest quarter's
// verdicts.
std::string OverviewSection(const std::vector<ServiceView>& views, SysTime now) {
  std::string h =
      "<section id=\"overview\"><h2>Every service</h2><div class=\"scroll\"><table>"
      "<caption class=\"muted\">The latest quarter's verdicts; the sections below have every "
      "quarter.</caption><tr><th>Service</th><th>Drills</th><th>Last drilled (UTC)</th>"
      "<th>Drilled recently</th><th>Latest quarter</th><th>TTD (human)</th><th>TTR</th></tr>";
  std::size_t index = 0;
  for (const ServiceView& v : views) {
    ++index;
    std::string service = index <= kMaxServiceSections
                              ? fmt::format("<a href=\"#svc-{}\">{}</a>", index, Text(v.name))
                              : Text(v.name);
    std::string last = v.last ? RunLink(v.last->run_id, Day(*v.last->window_start))
                              : (v.drills > 0 ? "date unknown" : "never");
    std::string status;
    if (v.drills == 0) {
      status = "<td class=\"bad\">no: never drilled</td>";
    } else if (v.last == nullptr) {
      status = "<td>unknown (no window recorded)</td>";
    } else if (Stale(v, now)) {
      status = fmt::format("<td class=\"bad\">no: last drilled {} days ago</td>",
                           DaysBetween(*v.last->window_start, now));
    } else {
      status = fmt::format("<td class=\"ok\">yes: {} days ago</td>",
                           std::max<std::int64_t>(DaysBetween(*v.last->window_start, now), 0));
    }
    // The latest dated quarter ("unknown" sorts after the years).
    const QuarterView* latest = v.quarters.empty() ? nullptr : &v.quarters.back();
    for (auto it = v.quarters.rbegin(); it != v.quarters.rend(); ++it) {
      if (it->index) {
        latest = &*it;
        break;
      }
    }
    std::string verdicts = "<td>—</td><td>—</td><td>—</td>";
    if (latest != nullptr) {
      verdicts = "<td>" + Text(latest->figures->quarter, 20) + "</td>" +
                 Cell(JudgeSpread(latest->figures->ttd_human, latest->detect)) +
                 Cell(JudgeSpread(latest->figures->ttr, latest->recover));
    }
    h += "<tr><td>" + service + "</td><td>" + std::to_string(v.drills) + "</td><td>" + last +
         "</td>" + status + verdicts + "</tr>";
  }
  return h + "</table></div></section>\n";
}

// One service: its pictures over quarters [first, last] (none without dated quarters), then
// every quarter's figures as a table.
std::string ServiceSection(const ServiceView& v, std::size_t index, std::optional<int> first,
                           std::optional<int> last) {
  std::string h =
      fmt::format("<section id=\"svc-{}\" class=\"service\"><h2>{}</h2>", index, Text(v.name));
  if (v.drills == 0) {
    return h +
           "<p class=\"bad\">Never drilled: no run of this service injected a fault.</p>"
           "</section>\n";
  }
  h += "<p>" + std::to_string(v.drills) + " drill(s); last drilled " +
       (v.last ? RunLink(v.last->run_id, Day(*v.last->window_start)) : "at an unknown date") +
       ".</p>";
  const std::string table_id = fmt::format("svc-{}-table", index);
  if (first && last) {
    std::vector<TrendPoint> ttd, ttr;
    for (const QuarterView& q : v.quarters) {
      if (!q.index || *q.index < *first) continue;
      ttd.push_back({*q.index, &q.figures->ttd_human, q.detect,
                     JudgeSpread(q.figures->ttd_human, q.detect).words});
      ttr.push_back(
          {*q.index, &q.figures->ttr, q.recover, JudgeSpread(q.figures->ttr, q.recover).words});
    }
    h += "<div class=\"trends\"><figure><figcaption>Time to detect, TTD (human)</figcaption>" +
         TrendSvg("TTD (human)", v.name, *first, *last, ttd, fmt::format("svc-{}-ttd", index),
                  table_id) +
         "</figure><figure><figcaption>Time to recover, TTR</figcaption>" +
         TrendSvg("TTR", v.name, *first, *last, ttr, fmt::format("svc-{}-ttr", index), table_id) +
         "</figure></div>";
    h += "<p class=\"muted\">In each picture, per quarter: the left (dark) bar is the median, "
         "the right (light) bar the p90, the dashed line the objective; \"none\" marks a "
         "quarter without a measurement. The table below has the same figures.</p>";
  }
  h += fmt::format(
      "<div class=\"scroll\"><table id=\"{}\"><caption>{} per quarter</caption><tr>"
      "<th>Quarter</th><th>Drills (runs)</th><th>TTD (human) median / p90</th>"
      "<th>Detect objective</th><th>TTD verdict</th><th>TTD (alert) median / p90</th>"
      "<th>TTR median / p90</th><th>Recover objective</th><th>TTR verdict</th>"
      "<th>Auto-restored</th><th>Error budget consumed</th></tr>",
      table_id, Text(v.name));
  for (const QuarterView& q : v.quarters) {
    const ServiceQuarter& f = *q.figures;
    h += "<tr><td>" + Text(f.quarter, 20) + "</td>" +
         fmt::format("<td>{} ({})</td>", f.drills, f.runs) + "<td>" + SpreadText(f.ttd_human) +
         "</td><td>" + (q.detect ? FormatDuration(*q.detect) : std::string("none")) + "</td>" +
         Cell(JudgeSpread(f.ttd_human, q.detect)) + "<td>" + SpreadText(f.ttd_alert) + "</td><td>" +
         SpreadText(f.ttr) + "</td><td>" +
         (q.recover ? FormatDuration(*q.recover) : std::string("none")) + "</td>" +
         Cell(JudgeSpread(f.ttr, q.recover)) +
         fmt::format("<td>{} of {} ({:.0f}%)</td>", f.auto_restored, f.drills,
                     f.auto_restored_share * 100.0) +
         BudgetCell(q) + "</tr>";
  }
  return h + "</table></div></section>\n";
}

}  // namespace

std::string ServicesHtml(const ConsoleViewer& /*viewer*/, const AuditReport& report, SysTime now) {
  const std::vector<ServiceView> views = ViewsOf(report);
  // The quarters the pictures span: the same for every service, so that they line up.
  std::optional<int> first, last;
  int drills = 0;
  for (const ServiceView& v : views) {
    drills += v.drills;
    for (const QuarterView& q : v.quarters) {
      if (!q.index) continue;
      first = first ? std::min(*first, *q.index) : *q.index;
      last = last ? std::max(*last, *q.index) : *q.index;
    }
  }
  if (first && *last - *first >= kTrendQuarters) *first = *last - kTrendQuarters + 1;

  std::string h = "<h1>Services</h1>\n";
  h += fmt::format(
      "<p>{} service(s), {} drill(s) in the records, as of {} (UTC): time to detect and to "
      "recover per quarter against the objectives, the share auto-restored, the error budget "
      "the drills consumed, and when each was last drilled. The definitions are <a "
      "href=\"#definitions\">at the end</a>; the <a href=\"/console/audit\">audit</a> has every "
      "run.</p>\n",
      views.size(), drills, FormatUtc(now));
  // The services that have gone undrilled first: what a sprint review acts on.
  h += UndrilledSection(views, now);
  h += OverviewSection(views, now);
  for (std::size_t i = 0; i < views.size() && i < kMaxServiceSections; ++i) {
    h += ServiceSection(views[i], i + 1, first, last);
  }
  if (views.size() > kMaxServiceSections) {
    h += fmt::format(
        "<p class=\"notice\">{} more service(s) are listed in the overview only: filter the <a "
        "href=\"/console/audit\">audit</a> by service for their figures.</p>\n",
        views.size() - kMaxServiceSections);
  }
  h += kDefinitions;
  return h;
}

}  // namespace firedrill
