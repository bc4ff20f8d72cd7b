#include "orchestrator/daemon/console_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/blackout_table.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/freeze_table.h"
#include "orchestrator/store/read_snapshot.h"
#include "orchestrator/store/run_table.h"
#include "orchestrator/store/schedule_table.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

// The most windows of one repeating drill listed: a rule repeats at most daily, so a calendar
// needs one per day shown; this bounds a caller asking for years.
constexpr std::size_t kMaxOccurrences = 400;

// Every outcome the runs table may name (OutcomeName).
constexpr std::array<RunOutcome, 10> kOutcomes = {
    RunOutcome::kInProgress,       RunOutcome::kRefused,      RunOutcome::kNotInjected,
    RunOutcome::kRecoveredByTeam,  RunOutcome::kAbsorbed,     RunOutcome::kAutoRestored,
    RunOutcome::kAborted,          RunOutcome::kInconclusive, RunOutcome::kInterrupted,
    RunOutcome::kRestoreIncomplete};

std::optional<RunOutcome> OutcomeNamed(std::string_view name) {
  for (RunOutcome o : kOutcomes) {
    if (OutcomeName(o) == name) return o;
  }
  return std::nullopt;
}

std::string BriefingWords(const Drill* drill,
                          const std::optional<std::pair<std::string, SysTime>>& briefing) {
  std::string recorded;
  if (briefing) {
    recorded = fmt::format("recorded by {} at {}", briefing->first,
                           FormatInZone(briefing->second, drill ? drill->window.zone : "UTC"));
  }
  if (drill == nullptr) {
    return briefing ? recorded
                    : "not recorded (whether one is required is unknown: the drill text no "
                      "longer loads)";
  }
  if (drill->briefing_required) return "required, " + (briefing ? recorded : "not recorded");
  return briefing ? "not required; " + recorded : "not required";
}

// Adds the windows of schedule `rec` that overlap [from, to) to `out`.
Status AddSchedule(Database& db, const ScheduleRecord& rec, SysTime from, SysTime to,
                   CalendarData& out) {
  const LoadResult loaded = LoadDrillText(rec.drill_source, rec.drill_file, DrillFaultCatalog());
  const Drill* drill = loaded.ok() ? &*loaded.drill : nullptr;
  std::vector<std::pair<WindowSpan, std::string>> windows;
  if (rec.next_start < to && rec.next_end > from) {
    windows.push_back({{rec.next_start, rec.next_end}, std::string(ScheduleStateName(rec.state))});
  }
  if (drill != nullptr && drill->window.repeat) {
    // The occurrences after the current one; those before it have run (or were let go).
    const auto days = std::chrono::ceil<std::chrono::days>(to - from).count();
    const std::size_t max = std::min<std::size_t>(
        kMaxOccurrences, static_cast<std::size_t>(std::max<long>(days, 0)) + 2);
    for (const WindowSpan& w : UpcomingWindows(*drill, std::max(from, rec.next_end), max)) {
      if (w.start >= to) break;
      if (w.start < rec.next_end) continue;
      windows.push_back({w, "scheduled"});
    }
  }
  if (windows.empty()) return Status::Ok();

  CalendarEntry base;
  base.drill_id = rec.drill_id;
  if (drill != nullptr) {
    base.title = drill->title;
    base.service = drill->service;
    base.zone = drill->window.zone;
  } else {
    auto known = DrillTable(db).GetDrill(rec.drill_id);
    if (!known) return known.error();
    if (*known) {
      base.title = (*known)->title;
      base.service = (*known)->service;
      base.zone = (*known)->zone;
    }
  }
  auto briefing = LatestBriefing(db, rec.drill_id, rec.announced);
  if (!briefing) return briefing.error();
  base.briefing = BriefingWords(drill, *briefing);
  for (auto& [w, state] : windows) {
    CalendarEntry e = base;
    e.state = std::move(state);
    e.start = w.start;
    e.end = w.end;
    if (drill != nullptr) e.announce_by = w.start - drill->announce.lead;
    out.upcoming.push_back(std::move(e));
  }
  return Status::Ok();
}

std::string FreezeName(const FreezeRecord& r) {
  return r.reason + (r.cause == "incident" ? " (a real incident; frozen by " + r.by + ")"
                                           : " (frozen by hand by " + r.by + ")");
}

}  // namespace

Expected<CalendarData> LoadCalendar(Database& db, SysTime from, SysTime to, SysTime now) {
  ReadSnapshot snapshot(db);
  if (Status st = snapshot.Begin(); !st) return st.error();
  CalendarData data;

  auto schedules = ScheduleTable(db).MayOverlap(from, to, "");
  if (!schedules) return schedules.error();
  for (const ScheduleRecord& rec : *schedules) {
    if (Status st = AddSchedule(db, rec, from, to, data); !st) return st.error();
  }
  std::sort(data.upcoming.begin(), data.upcoming.end(),
            [](const CalendarEntry& a, const CalendarEntry& b) {
              return std::tie(a.start, a.drill_id) < std::tie(b.start, b.drill_id);
            });

  auto blackouts = BlackoutTable(db).Current(from);
  if (!blackouts) return blackouts.error();
  for (const Blackout& b : *blackouts) {
    if (b.start < to) data.spans.push_back(CalendarSpan{"blackout", b.name, b.start, b.end});
  }
  auto freeze = FreezeTable(db).Current();
  if (!freeze) return freeze.error();
  if (const auto& f = *freeze; f && f->started < to && (!f->thaw_at || *f->thaw_at > from)) {
    data.spans.push_back(CalendarSpan{"freeze", FreezeName(*f), f->started, f->thaw_at});
  }

  std::set<std::string> running;
  for (const CalendarEntry& e : data.upcoming) {
    if (e.state == "running") running.insert(e.drill_id);
  }
  auto runs = RunTable(db).Overlapping(from, to);
  if (!runs) return runs.error();
  for (const RunListing& l : *runs) {
    const RunRecord& r = l.run;
    if (!r.ended && running.count(r.drill_id) != 0) continue;  // shown as its running window
    RunOutcome outcome = RunOutcome::kInProgress;
    if (r.ended) {
      std::optional<RunOutcome> named = OutcomeNamed(r.outcome);
      if (!named || *named == RunOutcome::kInProgress) {
        // Ended without an outcome the table knows: derived from this run's events alone.
        auto events = LoadRunEvents(db, r.drill_id, r.run_id);
        if (!events) return events.error();
        if (!events->empty()) {
          named = DeriveRunFacts(*events, nullptr, TimelineDetail::kNone, DrillDetail::kFactsOnly)
                      .outcome;
        }
      }
      outcome = named.value_or(RunOutcome::kInProgress);
    }
    data.past.push_back(CalendarRun{r.run_id, r.drill_id, l.title, l.service, l.zone, r.started,
                                    r.ended ? *r.ended : std::max(now, r.started), outcome});
  }
  return data;
}

}  // namespace firedrill
