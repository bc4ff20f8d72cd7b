// console_render_bench [N] [--reps R] [--dir DIR] [--html DIR]: server time to
// render the console's pages over N recorded drills (issue 14's goal: the calendar, the services
// page and the audit page with 10,000 drills in the records, at most 100 ms each).
//
// Records N drill runs (default 10,000) as the engine writes them (the drills and runs tables;
// in the event log: run-started with the drill's text and drill facts, the announcement,
// injections, a probe red and green, an alert, acks, restores, run-ended: 70% recovered by the
// team, 20% auto-restored, 10% aborted by a guard), spread over 20 services and the two years
// 2026-2027, with a postmortem for every third run; one service stops being drilled after the
// first year (stale) and two services on the drills table never ran. Then, R times each
// (default 5), over one open read-only database as the daemon holds it:
//   services          AuditCache (all time) + ServicesHtml, in ConsolePage
//   audit, quarter    AuditCache (2027-Q2) + FilterAudit + AuditHtml, in ConsolePage
//   audit, all time   AuditCache (all time) + FilterAudit + AuditHtml, in ConsolePage
// (the daemon's cache, warm: the first page after a start derives every run, and is timed once
// before these)
//   calendar, month   LoadCalendar (2027-06) + CalendarHtml, in ConsolePage
//   calendar, week    LoadCalendar (the week of "now") + CalendarHtml, in ConsolePage
// and prints min / median / max in ms of the load, the render and both, the page size and the
// machine's load average; then where LoadAudit's time goes (the read pass over the event log,
// grouping it by run, deriving every run's facts and row, building the report), each alone on
// this thread. Works in a temporary directory removed at the end, or in DIR, kept and reused;
// with --html, writes the first rendering of each page and the stylesheet into that directory.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/recorded_runs.h"
#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/console/audit_page.h"
#include "orchestrator/console/calendar_page.h"
#include "orchestrator/console/console_layout.h"
#include "orchestrator/console/services_page.h"
#include "orchestrator/daemon/console_data.h"
#include "orchestrator/report/audit.h"
#include "orchestrator/report/audit_loader.h"
#include "orchestrator/report/drill_facts.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace firedrill;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultDrills = 10'000;
constexpr int kDefaultReps = 5;
constexpr int kServices = 20;
constexpr int kDays = 730;                    // 2026-01-01 .. 2027-12-31
constexpr int kStaleService = kServices - 1;  // drilled in the first year only
constexpr std::size_t kBatchEvents = 20'000;

const SysTime kFirstDay{std::chrono::sys_days(std::chrono::year(2026) / 1 / 1)};
const SysTime kNow = SysTime(std::chrono::sys_days(std::chrono::year(2028) / 1 / 1)) + 9h;

std::string ServiceName(int s) { return fmt::format("svc{:02}", s); }

// The drill file of service `s`'s drills; its objectives differ between services.
std::string DrillText(const std::string& id, int s, const std::string& day) {
  const std::string service = ServiceName(s);
  return fmt::format(R"(id = "{0}"
title = "{1} loses its web process"
service = "{1}"
owner = "{1}-team@example.com"
playbook = "https://wiki.example.com/runbooks/{1}/web-down"
hypothesis = "The {1}Down alert pages on-call within {3}m; {1} is back within {4}m."

[objectives]
detect_within = "{3}m"
recover_within = "{4}m"

[window]
start = {2}T08:00:00Z
end = {2}T09:00:00Z
zone = "Europe/Copenhagen"

[announce]
lead = "72h"
attendees = ["{1}-team@example.com"]

[targets.web]
local = true

[[faults]]
id = "stop-web"
kind = "command"
target = "web"
delay = "2m"
inject = "systemctl stop {1}-web"
check = "! systemctl is-active --quiet {1}-web"
restore = "systemctl start {1}-web"

[[faults]]
id = "slow-cache"
kind = "command"
target = "web"
delay = "3m"
inject = "touch /run/{1}/cache-off"
restore = "rm -f /run/{1}/cache-off"

[[probes]]
name = "http"
kind = "tcp"
target = "web"
host = "127.0.0.1"
port = 8080

[[guards]]
name = "down-too-long"
kind = "probe"
probe = "http"
max_red = "40m"
)",
                     id, service, day, 3 + s % 3 * 2, 10 + s % 4 * 5);
}

// Drill i: its service, day and how its run went. `facts`: the drill facts of each service (they
// do not depend on the day or the id).
bench::RecordedRun RunOf(int i, int drills, const std::vector<json::object>& facts) {
  const int s = i % kServices;
  int day_index = static_cast<int>(static_cast<long long>(i) * kDays / drills);
  if (s == kStaleService) day_index /= 2;  // its drills all fall in the first year
  const SysTime day = kFirstDay + std::chrono::days(day_index);
  bench::RecordedRun r;
  r.index = i;
  r.service = ServiceName(s);
  r.drill_id = fmt::format("{}-drill-{}", r.service, i);
  r.start = day + 8h;
  r.source = DrillText(r.drill_id, s, FormatUtc(day).substr(0, 10));
  r.drill_facts = facts[static_cast<std::size_t>(s)];
  r.announced = true;
  r.variant = (i / kServices) % 10;  // 0..6 team, 7..8 auto-restored, 9 aborted
  // The teams get faster over the two years, with some spread.
  const int quarter = day_index / 91;
  r.ttd = std::chrono::seconds(60 + (i * 37) % 400 - quarter * 5);
  r.ttr = std::chrono::seconds(600 + (i * 53) % 1500 - quarter * 40);
  r.max_red = 40min;
  return r;
}

bool Populate(const fs::path& dir, int drills, std::int64_t& events_written) {
  std::vector<json::object> facts;
  for (int s = 0; s < kServices; ++s) {
    LoadResult loaded =
        LoadDrillText(DrillText("probe", s, "2026-01-01"), "probe.toml", BuiltinFaults());
    if (!loaded.ok()) {
      fmt::print(stderr, "console_render_bench: the bench's drill does not load: {}\n",
                 loaded.diagnostics.front().ToString());
      return false;
    }
    facts.push_back(DrillFactsJson(*loaded.drill));
  }
  bench::RecordedRunsLayout layout;
  layout.batch_events = kBatchEvents;
  layout.runs_table = true;
  layout.postmortem_every = 3;
  // Services on the drills table that never ran: listed as never drilled.
  layout.idle_services = 2;
  layout.idle_window_start = kFirstDay;
  layout.idle_window_end = kFirstDay + 1h;
  layout.program = "console_render_bench";
  return bench::WriteRecordedRuns(
      dir, drills, [&](int i) { return std::optional(RunOf(i, drills, facts)); }, layout,
      events_written);
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(in >> one >> five >> fifteen)) return "unknown";
  return fmt::format("{} {} {} (1, 5, 15 min; {} cores)", one, five, fifteen,
                     sysconf(_SC_NPROCESSORS_ONLN));
}

struct Figures {
  std::vector<double> load, render, total;
  std::size_t bytes = 0;
  std::size_t runs = 0;
};

// "min / median / max".
std::string Spread3(std::vector<double> v) {
  if (v.empty()) return "—";
  std::sort(v.begin(), v.end());
  return fmt::format("{:7.1f} {:7.1f} {:7.1f}", v.front(), v[v.size() / 2], v.back());
}

std::size_t Count(const AuditReport& r) { return r.rows.size(); }
std::size_t Count(const CalendarData& d) { return d.past.size() + d.upcoming.size(); }

// Times `reps` rounds of load (returns the report) then render (returns the page).
template <typename Load, typename Render>
std::optional<Figures> Time(int reps, Load load, Render render, const std::optional<fs::path>& html,
                            const char* file) {
  Figures f;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    auto report = load();
    auto t1 = Clock::now();
    if (!report) {
      fmt::print(stderr, "console_render_bench: {}\n", report.error().ToString());
      return std::nullopt;
    }
    std::string page = render(*report);
    auto t2 = Clock::now();
    f.load.push_back(Ms(t1 - t0));
    f.render.push_back(Ms(t2 - t1));
    f.total.push_back(Ms(t2 - t0));
    f.bytes = page.size();
    f.runs = Count(*report);
    if (html && i == 0) std::ofstream(*html / file) << page;
  }
  return f;
}

void PrintRow(const char* what, const Figures& f) {
  fmt::print("{:<22} {:>6} {} | {} | {} | {:>6}\n", what, f.runs, Spread3(f.load),
             Spread3(f.render), Spread3(f.total), f.bytes / 1024);
}

// Where LoadAudit's time goes, each phase alone on this thread: the read pass over the event
// log, the same pass grouping copies of the events by run, every run's facts and audit row, and
// the report built from the rows.
void Breakdown(Database& db) {
  std::int64_t events = 0;
  auto t = Clock::now();
  Status st = EventLog(db).ForEach([&](const Event&) { return ++events > 0; });
  const double read = Ms(Clock::now() - t);
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::vector<Event>> runs;
  t = Clock::now();
  st = EventLog(db).ForEach([&](const Event& e) {
    auto [it, fresh] = index.try_emplace(RunIdOf(e), runs.size());
    if (fresh) runs.emplace_back();
    runs[it->second].push_back(e);
    return true;
  });
  const double group = Ms(Clock::now() - t);
  if (!st) return;
  t = Clock::now();
  std::vector<AuditRow> rows;
  rows.reserve(runs.size());
  for (const std::vector<Event>& run : runs) {
    RunFacts f = DeriveRunFacts(run, nullptr, TimelineDetail::kNone, DrillDetail::kFactsOnly);
    rows.push_back(AuditRun(f, false));
  }
  const double derive = Ms(Clock::now() - t);
  t = Clock::now();
  AuditReport report = BuildAudit(std::move(rows), {}, {});
  const double build = Ms(Clock::now() - t);
  fmt::print(
      "LoadAudit's phases alone, one thread: read pass over {} events {:.1f} ms; the same pass "
      "grouping them by run {:.1f} ms; facts and rows of {} runs {:.1f} ms; report {:.1f} ms\n",
      events, read, group, report.rows.size(), derive, build);
}

}  // namespace

int main(int argc, char** argv) {
  int drills = kDefaultDrills;
  int reps = kDefaultReps;
  std::optional<fs::path> keep, html;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    std::string_view value = i + 1 < argc ? argv[i + 1] : "";
    bool ok = true;
    if (a == "--dir" && i + 1 < argc) {
      keep = argv[++i];
    } else if (a == "--html" && i + 1 < argc) {
      html = argv[++i];
    } else if (a == "--reps" && i + 1 < argc) {
      ++i;
      ok = std::from_chars(value.data(), value.data() + value.size(), reps).ec == std::errc() &&
           reps > 0;
    } else {
      ok = std::from_chars(a.data(), a.data() + a.size(), drills).ec == std::errc() && drills > 0;
    }
    if (!ok) {
      fmt::print(stderr, "usage: console_render_bench [N] [--reps R] [--dir DIR] [--html DIR]\n");
      return 2;
    }
  }
  const fs::path dir =
      keep ? *keep : fs::temp_directory_path() / fmt::format("console_render_bench.{}", getpid());
  if (keep && fs::exists(*keep / Database::kFileName)) {
    fmt::print("using the records already in {}\n", keep->string());
  } else {
    std::int64_t events = 0;
    auto t = Clock::now();
    if (!Populate(dir, drills, events)) return 1;
    fmt::print("recorded {} drills of {} services over 2026-2027, {} events, in {:.1f} s\n", drills,
               kServices, events, Ms(Clock::now() - t) / 1000.0);
  }
  if (html) {
    fs::create_directories(*html);
    std::ofstream(*html / "console.css") << ConsoleCss();
  }
  std::fflush(stdout);

  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db) {
    fmt::print(stderr, "console_render_bench: {}\n", db.error().ToString());
    return 1;
  }
  const ConsoleViewer viewer{"bench", Role::kAuditor, "csrf"};
  const std::string verification = "(the records' verification is not part of this figure)";
  fmt::print("load average before: {}\n", LoadAverage());

  // The console holds an AuditCache: its first page after the daemon starts derives every run
  // (as LoadAudit does); every later page reads only the events appended since, none here.
  AuditCache cache;
  {
    auto t = Clock::now();
    auto first = cache.Report(*db, dir, {});
    if (!first) return 1;
    fmt::print(
        "the first services or audit page after the daemon starts (AuditCache, cold, {} "
        "runs): {:.1f} ms\n",
        first->rows.size(), Ms(Clock::now() - t));
  }
  auto load = [&](const AuditPeriod& period) {
    return [&cache, &db, &dir, period] { return cache.Report(*db, dir, period); };
  };
  auto services = Time(
      reps, load({}),
      [&](const AuditReport& r) {
        return ConsolePage(viewer, "Services", kNavServices, ServicesHtml(viewer, r, kNow));
      },
      html, "services.html");
  auto quarter_query = ParseAuditQuery("from=2027-04-01&to=2027-06-30");
  if (!quarter_query) return 1;
  auto audit_quarter = Time(
      reps, load(AuditPeriodOf(*quarter_query)),
      [&](const AuditReport& r) {
        return ConsolePage(
            viewer, "Audit", kNavAudit,
            AuditHtml(viewer, FilterAudit(r, ""), *quarter_query, verification, true));
      },
      html, "audit-quarter.html");
  const AuditQuery all_time;
  auto audit_all = Time(
      reps, load({}),
      [&](const AuditReport& r) {
        return ConsolePage(viewer, "Audit", kNavAudit,
                           AuditHtml(viewer, FilterAudit(r, ""), all_time, verification, true));
      },
      html, "audit-all.html");
  // The calendar (LoadCalendar reads the runs table, not the event log): the month of 2027-06,
  // about 420 runs, and the week of kNow.
  auto month_query = ParseCalendarQuery("view=month&day=2027-06-15", kNow);
  auto week_query = ParseCalendarQuery("", kNow);
  if (!month_query || !week_query) return 1;
  auto calendar = [&](const CalendarQuery& q) {
    return [&db, q] { return LoadCalendar(*db, q.from, q.to, kNow); };
  };
  auto calendar_month = Time(
      reps, calendar(*month_query),
      [&](const CalendarData& d) {
        return ConsolePage(viewer, "Calendar", kNavCalendar,
                           CalendarHtml(viewer, d, *month_query, kNow));
      },
      html, "calendar-month.html");
  auto calendar_week = Time(
      reps, calendar(*week_query),
      [&](const CalendarData& d) {
        return ConsolePage(viewer, "Calendar", kNavCalendar,
                           CalendarHtml(viewer, d, *week_query, kNow));
      },
      html, "calendar-week.html");
  if (!services || !audit_quarter || !audit_all || !calendar_month || !calendar_week) return 1;

  fmt::print("\n{} repetitions; times in ms as min median max; the goal is <= 100 ms a page\n",
             reps);
  fmt::print("{:<22} {:>6} {:^23} | {:^23} | {:^23} | {:>6}\n", "page", "runs", "load",
             "render (HTML)", "load + render", "KiB");
  PrintRow("services (all time)", *services);
  PrintRow("audit (2027-Q2)", *audit_quarter);
  PrintRow("audit (all time)", *audit_all);
  PrintRow("calendar (month)", *calendar_month);
  PrintRow("calendar (week)", *calendar_week);
  fmt::print("load average after: {}\n\n", LoadAverage());
  Breakdown(*db);
  if (!keep) fs::remove_all(dir);
  return 0;
}
