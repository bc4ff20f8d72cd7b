// The calendar's loader on a real state directory: scheduled drills (recurring ones expanded),
// blackouts, the freeze and past runs of a month, read from the tables the daemon keeps; and the
// runs table's query by time that it uses.
#include "orchestrator/daemon/console_data.h"

#include <catch2/catch.hpp>
#include <string>

#include "drills/zoned_time.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/freeze_table.h"
#include "orchestrator/store/run_table.h"
#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/typed_event.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Monday 1 March 2027; the calendar shows March in UTC.
const SysTime kConsoleNow = SysTime(std::chrono::sys_days(std::chrono::year(2027) / 3 / 1));
const SysTime kFrom = kConsoleNow;
const SysTime kTo = SysTime(std::chrono::sys_days(std::chrono::year(2027) / 4 / 1));

std::string ConsoleDrillText(const std::string& id, const std::string& title, SysTime start,
                             Duration length, const std::string& top = "",
                             const std::string& window = "") {
  return "id = \"" + id + "\"\ntitle = \"" + title +
         "\"\nservice = \"checkout\"\nowner = \"Lead <lead@example.com>\"\nplaybook = \"p\"\n" +
         top + "[window]\nstart = " + FormatUtc(start) + "\nend = " + FormatUtc(start + length) +
         "\nzone = \"Europe/Copenhagen\"\n" + window +
         "[announce]\nlead = \"72h\"\nattendees = [\"team@example.com\"]\n"
         "[targets.here]\nlocal = true\n[[faults]]\nkind = \"command\"\ntarget = \"here\"\n"
         "inject = \"true\"\nrestore = \"true\"\n";
}

struct ConsoleDataFixture {
  testing::TempDir tmp;
  Database db = Open(tmp.path());

  static Database Open(const fs::path& dir) {
    auto db = Database::Open(dir, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    return std::move(*db);
  }

  void Schedule(const std::string& text) {
    auto out =
        ScheduleDrill(db, tmp.path(), ScheduleRequest{"d.toml", text, "lead", "", kConsoleNow});
    INFO((out ? std::string() : out.error().message));
    REQUIRE(out.ok());
  }

  void Run(const std::string& run_id, const std::string& drill_id, SysTime started,
           std::optional<SysTime> ended, const std::string& outcome) {
    RunTable runs(db);
    REQUIRE(
        runs.Begin(RunRecord{run_id, drill_id, started, ProcessStamp{}, std::nullopt, ""}).ok());
    if (ended) REQUIRE(runs.End(run_id, *ended, outcome).ok());
  }

  CalendarData Load(SysTime now = kConsoleNow + 48h) {
    auto data = LoadCalendar(db, kFrom, kTo, now);
    INFO((data ? std::string() : data.error().message));
    REQUIRE(data.ok());
    return std::move(*data);
  }
};

std::vector<const CalendarEntry*> EntriesOf(const CalendarData& data, const std::string& id) {
  std::vector<const CalendarEntry*> out;
  for (const CalendarEntry& e : data.upcoming) {
    if (e.drill_id == id) out.push_back(&e);
  }
  return out;
}

const CalendarRun* RunOf(const CalendarData& data, const std::string& run_id) {
  for (const CalendarRun& r : data.past) {
    if (r.run_id == run_id) return &r;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("the calendar loads a scheduled drill with its announce-by and briefing",
          "[daemon][calendar]") {
  ConsoleDataFixture f;
  f.Schedule(ConsoleDrillText("alpha", "Alpha drill", kConsoleNow + 96h, 1h,
                              "briefing_required = true\n"));
  f.Schedule(ConsoleDrillText("plain", "Plain drill", kConsoleNow + 120h, 1h));
  f.Schedule(ConsoleDrillText("april", "Next month", kConsoleNow + 40 * 24h, 1h));
  f.Schedule(ConsoleDrillText("gone", "Cancelled", kConsoleNow + 150h, 1h));
  REQUIRE(CancelSchedule(f.db, f.tmp.path(), "gone", "not needed", "lead", kConsoleNow).ok());

  CalendarData data = f.Load();
  REQUIRE(data.upcoming.size() == 2);
  const CalendarEntry& a = data.upcoming[0];
  CHECK(a.drill_id == "alpha");
  CHECK(a.title == "Alpha drill");
  CHECK(a.service == "checkout");
  CHECK(a.zone == "Europe/Copenhagen");
  CHECK(a.state == "scheduled");
  CHECK(a.start == kConsoleNow + 96h);
  CHECK(a.end == kConsoleNow + 97h);
  CHECK(a.announce_by == kConsoleNow + 24h);  // the start minus the 72h lead
  CHECK(a.briefing == "required, not recorded");
  CHECK(data.upcoming[1].drill_id == "plain");
  CHECK(data.upcoming[1].briefing == "not required");
  CHECK(EntriesOf(data, "april").empty());
  CHECK(EntriesOf(data, "gone").empty());

  // A briefing recorded since the announcement counts; one from before it does not.
  REQUIRE(EventLog(f.db).Append(NewEvent{"alpha", "briefed", "bob", "{}", kConsoleNow - 1h}).ok());
  CHECK(f.Load().upcoming[0].briefing == "required, not recorded");
  REQUIRE(EventLog(f.db)
              .Append(NewEvent{"alpha", "briefed", "alice", "{\"note\":\"playbook\"}",
                               kConsoleNow + 2h})
              .ok());
  data = f.Load();
  CHECK(data.upcoming[0].briefing ==
        "required, recorded by alice at " + FormatInZone(kConsoleNow + 2h, "Europe/Copenhagen"));
  REQUIRE(
      EventLog(f.db).Append(NewEvent{"plain", "briefed", "carol", "{}", kConsoleNow + 3h}).ok());
  CHECK_THAT(f.Load().upcoming[1].briefing, Catch::StartsWith("not required; recorded by carol"));
}

TEST_CASE("the calendar expands a recurring drill into each occurrence of the span",
          "[daemon][calendar]") {
  ConsoleDataFixture f;
  // Mondays and Thursdays 10:00 in Copenhagen from Thursday 4 March; summer time from the 28th.
  f.Schedule(ConsoleDrillText("weekly", "Weekly", kConsoleNow + 3 * 24h + 9h, 1h, "",
                              "repeat = \"FREQ=WEEKLY;BYDAY=MO,TH\"\n"));
  CalendarData data = f.Load();
  auto weekly = EntriesOf(data, "weekly");
  REQUIRE(weekly.size() == 8);
  const int days[] = {4, 8, 11, 15, 18, 22, 25, 29};
  for (std::size_t i = 0; i < weekly.size(); ++i) {
    INFO(i);
    const SysTime day = SysTime(std::chrono::sys_days(std::chrono::year(2027) / 3 / days[i]));
    const SysTime start = day + (days[i] == 29 ? 8h : 9h);  // still 10:00 local in CEST
    CHECK(weekly[i]->start == start);
    CHECK(weekly[i]->end == start + 1h);
    CHECK(weekly[i]->announce_by == start - 72h);
    CHECK(weekly[i]->state == "scheduled");
  }
  // A narrower span lists only its occurrences.
  auto week = LoadCalendar(f.db, kConsoleNow + 7 * 24h, kConsoleNow + 14 * 24h, kConsoleNow);
  REQUIRE(week.ok());
  REQUIRE(week->upcoming.size() == 2);
  CHECK(week->upcoming[0].start == kConsoleNow + 7 * 24h + 9h);
  CHECK(week->upcoming[1].start == kConsoleNow + 10 * 24h + 9h);

  // Running: the current window says so, the later ones are still scheduled, and the open run of
  // that window is not listed a second time.
  REQUIRE(ScheduleTable(f.db).SetState("weekly", ScheduleState::kRunning).ok());
  f.Run("weekly-1", "weekly", kConsoleNow + 3 * 24h + 9h, std::nullopt, "");
  data = f.Load(kConsoleNow + 3 * 24h + 9h + 10min);
  weekly = EntriesOf(data, "weekly");
  REQUIRE(weekly.size() == 8);
  CHECK(weekly[0]->state == "running");
  CHECK(weekly[1]->state == "scheduled");
  CHECK(data.past.empty());
}

TEST_CASE("the calendar loads the blackouts and the freeze of its span", "[daemon][calendar]") {
  ConsoleDataFixture f;
  f.Schedule(ConsoleDrillText("alpha", "Alpha", kConsoleNow + 96h, 1h));
  REQUIRE(AddBlackout(f.db,
                      Blackout{"Release 4.2", kConsoleNow + 9 * 24h, kConsoleNow + 10 * 24h, {}},
                      "lead", kConsoleNow)
              .ok());
  REQUIRE(AddBlackout(f.db,
                      Blackout{"May holiday", kConsoleNow + 70 * 24h, kConsoleNow + 71 * 24h, {}},
                      "lead", kConsoleNow)
              .ok());
  CalendarData data = f.Load();
  REQUIRE(data.spans.size() == 1);
  CHECK(data.spans[0].kind == "blackout");
  CHECK(data.spans[0].name == "Release 4.2");
  CHECK(data.spans[0].start == kConsoleNow + 9 * 24h);
  CHECK(data.spans[0].end == kConsoleNow + 10 * 24h);

  FreezeRecord freeze;
  freeze.cause = "manual";
  freeze.reason = "incident review";
  freeze.by = "lead";
  freeze.started = kConsoleNow + 20 * 24h;
  REQUIRE(FreezeTable(f.db).Begin(freeze).ok());
  data = f.Load();
  REQUIRE(data.spans.size() == 2);
  CHECK(data.spans[1].kind == "freeze");
  CHECK(data.spans[1].name == "incident review (frozen by hand by lead)");
  CHECK(data.spans[1].start == kConsoleNow + 20 * 24h);
  CHECK_FALSE(data.spans[1].end.has_value());
  // Once it has ended it no longer holds, and is not shown.
  REQUIRE(FreezeTable(f.db).End(freeze.id, kConsoleNow + 21 * 24h, "lead", "done").ok());
  CHECK(f.Load().spans.size() == 1);
}

TEST_CASE("the calendar loads the runs of its span with their outcome", "[daemon][calendar]") {
  ConsoleDataFixture f;
  f.Schedule(ConsoleDrillText("alpha", "Alpha drill", kConsoleNow + 96h, 1h));
  f.Run("alpha-1", "alpha", kConsoleNow - 30min, kConsoleNow + 30min,
        "auto-restored");  // across the start
  f.Run("alpha-0", "alpha", kConsoleNow - 48h, kConsoleNow - 47h,
        "recovered-by-team");                                              // before it
  f.Run("alpha-edge", "alpha", kConsoleNow - 1h, kConsoleNow, "aborted");  // ends as it begins
  f.Run("alpha-2", "alpha", kConsoleNow + 24h, kConsoleNow + 25h, "recovered-by-team");
  f.Run("alpha-late", "alpha", kTo, kTo + 1h, "recovered-by-team");  // after it
  f.Run("manual-1", "manual", kConsoleNow + 36h, std::nullopt, "");  // goes on, by hand
  // Ended without an outcome in the table: derived from that run's own events.
  f.Run("alpha-3", "alpha", kConsoleNow + 26h, kConsoleNow + 26h + 1min, "in-progress");
  REQUIRE(AppendTyped(f.db, "alpha", EventKind::kRunStarted, "orchestrator",
                      RunStarted{.run = "alpha-3"})
              .ok());
  REQUIRE(AppendTyped(f.db, "alpha", EventKind::kPreflightRefused, "orchestrator",
                      PreflightRefused{.reasons = {"a freeze holds"}, .run = "alpha-3"})
              .ok());

  const SysTime now = kConsoleNow + 48h;
  CalendarData data = f.Load(now);
  REQUIRE(data.past.size() == 4);
  CHECK(data.past[0].run_id == "alpha-1");  // by start
  const CalendarRun* r = RunOf(data, "alpha-1");
  CHECK(r->drill_id == "alpha");
  CHECK(r->title == "Alpha drill");
  CHECK(r->service == "checkout");
  CHECK(r->zone == "Europe/Copenhagen");
  CHECK(r->start == kConsoleNow - 30min);
  CHECK(r->end == kConsoleNow + 30min);
  CHECK(r->outcome == RunOutcome::kAutoRestored);
  CHECK(RunOf(data, "alpha-2")->outcome == RunOutcome::kRecoveredByTeam);
  CHECK(RunOf(data, "alpha-3")->outcome == RunOutcome::kRefused);
  r = RunOf(data, "manual-1");
  REQUIRE(r != nullptr);
  CHECK(r->outcome == RunOutcome::kInProgress);
  CHECK(r->title.empty());  // not in the drills table
  CHECK(r->end == now);
  CHECK(RunOf(data, "alpha-0") == nullptr);
  CHECK(RunOf(data, "alpha-edge") == nullptr);
  CHECK(RunOf(data, "alpha-late") == nullptr);

  // The runs table's query on its own: the same runs, with the names joined.
  auto listed = RunTable(f.db).Overlapping(kFrom, kTo);
  REQUIRE(listed.ok());
  std::vector<std::string> ids;
  for (const RunListing& l : *listed) ids.push_back(l.run.run_id);
  CHECK(ids == std::vector<std::string>{"alpha-1", "alpha-2", "alpha-3", "manual-1"});
  CHECK((*listed)[0].title == "Alpha drill");
  CHECK((*listed)[0].run.outcome == "auto-restored");
  CHECK_FALSE((*listed)[3].run.ended.has_value());
  CHECK((*listed)[3].title.empty());
}

TEST_CASE("a schedule whose drill text no longer loads still shows its window",
          "[daemon][calendar]") {
  ConsoleDataFixture f;
  ScheduleRecord r;
  r.drill_id = "broken";
  r.drill_file = "broken.toml";
  r.drill_source = "id = \"broken\"\n[[faults]]\nkind = \"plugin-not-installed\"\n";
  r.announced = kConsoleNow;
  r.next_start = kConsoleNow + 50h;
  r.next_end = kConsoleNow + 51h;
  REQUIRE(ScheduleTable(f.db).Put(r).ok());
  CalendarData data = f.Load();
  REQUIRE(data.upcoming.size() == 1);
  CHECK(data.upcoming[0].drill_id == "broken");
  CHECK(data.upcoming[0].start == kConsoleNow + 50h);
  CHECK_FALSE(data.upcoming[0].announce_by.has_value());
  CHECK_THAT(data.upcoming[0].briefing, Catch::Contains("unknown"));
}

TEST_CASE("the calendar of an empty state directory is empty", "[daemon][calendar]") {
  ConsoleDataFixture f;
  CalendarData data = f.Load();
  CHECK(data.upcoming.empty());
  CHECK(data.past.empty());
  CHECK(data.spans.empty());
}

}  // namespace firedrill
