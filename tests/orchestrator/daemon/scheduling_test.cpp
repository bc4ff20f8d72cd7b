// Scheduling on a real state directory: what is checked, recorded and written.
#include "orchestrator/daemon/scheduling.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/schedule_table.h"
#include "plugins/plugin_registry.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const SysTime kNow = SysTime(std::chrono::sys_days(std::chrono::year(2027) / 3 / 1));

std::string DrillText(const std::string& id, SysTime start, Duration length,
                      const std::string& target = "[targets.here]\nlocal = true\n",
                      const std::string& extra = "") {
  return "id = \"" + id +
         "\"\ntitle = \"T\"\nservice = \"s\"\nowner = \"Lead <lead@example.com>\"\n" +
         "playbook = \"p\"\n[window]\nstart = " + FormatUtc(start) +
         "\nend = " + FormatUtc(start + length) + "\nzone = \"Europe/Copenhagen\"\n" + extra +
         "[announce]\nlead = \"72h\"\nattendees = [\"team@example.com\"]\n" + target +
         "[[faults]]\nkind = \"command\"\ntarget = \"" +
         (target.find("here") != std::string::npos ? "here" : "db") +
         "\"\ninject = \"true\"\nrestore = \"true\"\n";
}

std::vector<std::string> Kinds(Database& db, const std::string& id) {
  std::vector<std::string> out;
  auto events = EventLog(db).ForDrill(id);
  REQUIRE(events.ok());
  for (const Event& e : *events) out.push_back(e.kind);
  return out;
}

struct Fixture {
  testing::TempDir tmp;
  Database db = Open(tmp.path());

  static Database Open(const fs::path& dir) {
    auto db = Database::Open(dir, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    return std::move(*db);
  }

  Expected<ScheduleOutcome> Schedule(const std::string& text, SysTime now = kNow,
                                     const std::string& override_reason = "") {
    return ScheduleDrill(db, tmp.path(),
                         ScheduleRequest{"d.toml", text, "lead", override_reason, now});
  }
};

TEST_CASE("a drill is scheduled, recorded and its invite written", "[daemon]") {
  Fixture f;
  auto out = f.Schedule(DrillText("a", kNow + 96h, 1h));
  REQUIRE(out.ok());
  CHECK_FALSE(out->rescheduled);
  CHECK(out->warnings.empty());
  CHECK(out->record.sequence == 0);
  CHECK(out->record.next_start == kNow + 96h);
  CHECK(out->record.targets == std::vector<std::string>{"local"});
  CHECK(out->invite == f.tmp.path() / "invites" / "a.0.ics");
  std::ifstream ics(out->invite);
  std::string text((std::istreambuf_iterator<char>(ics)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("METHOD:REQUEST") && Catch::Contains("SEQUENCE:0"));
  auto stored = ScheduleTable(f.db).Get("a");
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->state == ScheduleState::kScheduled);
  CHECK((*stored)->announced == kNow);
  CHECK(Kinds(f.db, "a") == std::vector<std::string>{"scheduled"});
  auto listing = ScheduleTable(f.db).Listing();
  REQUIRE(listing.ok());
  REQUIRE(listing->size() == 1);
  CHECK((*listing)[0].title == "T");
}

TEST_CASE("rescheduling bumps the sequence, and cancelling writes the CANCEL", "[daemon]") {
  Fixture f;
  REQUIRE(f.Schedule(DrillText("a", kNow + 96h, 1h)).ok());
  auto again = f.Schedule(DrillText("a", kNow + 120h, 1h), kNow + 1h);
  REQUIRE(again.ok());
  CHECK(again->rescheduled);
  CHECK(again->record.sequence == 1);
  CHECK(again->record.next_start == kNow + 120h);
  auto cancelled = CancelSchedule(f.db, f.tmp.path(), "a", "release freeze", "lead", kNow + 2h);
  REQUIRE(cancelled.ok());
  CHECK(cancelled->record.sequence == 2);
  CHECK(cancelled->record.state == ScheduleState::kCancelled);
  std::ifstream ics(cancelled->invite);
  std::string text((std::istreambuf_iterator<char>(ics)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("METHOD:CANCEL") && Catch::Contains("STATUS:CANCELLED"));
  CHECK(Kinds(f.db, "a") == std::vector<std::string>{"scheduled", "rescheduled", "cancelled"});
  // A cancelled drill cannot be cancelled again; an unknown one not at all; a reason is needed.
  CHECK_THAT(CancelSchedule(f.db, f.tmp.path(), "a", "x", "lead", kNow).error().message,
             Catch::Contains("cancelled, not scheduled"));
  CHECK_THAT(CancelSchedule(f.db, f.tmp.path(), "nope", "x", "lead", kNow).error().message,
             Catch::Contains("no scheduled drill \"nope\""));
  CHECK(CancelSchedule(f.db, f.tmp.path(), "nope", "x", "lead", kNow).error().code ==
        ErrorCode::kNotFound);
  CHECK(CancelSchedule(f.db, f.tmp.path(), "a", "x", "lead", kNow).error().code ==
        ErrorCode::kOther);
  CHECK_FALSE(CancelSchedule(f.db, f.tmp.path(), "a", "", "lead", kNow).ok());
}

TEST_CASE("two drills on one target must not overlap, but other targets or times may", "[daemon]") {
  Fixture f;
  REQUIRE(f.Schedule(DrillText("a", kNow + 96h, 1h)).ok());
  auto clash = f.Schedule(DrillText("b", kNow + 96h + 30min, 1h));
  REQUIRE_FALSE(clash.ok());
  CHECK_THAT(clash.error().message, Catch::Contains("drill a also breaks local"));
  CHECK_FALSE(ScheduleTable(f.db).Get("b")->has_value());
  CHECK(f.Schedule(DrillText("c", kNow + 97h, 1h)).ok());  // back to back is fine
  std::string ssh =
      "[targets.db]\nhost = \"DB1.example.com\"\nuser = \"drill\"\nidentity = \"id_ed25519\"\n";
  auto remote = f.Schedule(DrillText("d", kNow + 96h, 1h, ssh));
  INFO((remote.ok() ? std::string() : remote.error().message));
  REQUIRE(remote.ok());
  CHECK(remote->record.targets == std::vector<std::string>{"db1.example.com"});
  CHECK_FALSE(f.Schedule(DrillText("e", kNow + 96h, 1h, ssh)).ok());
}

TEST_CASE("a repeating drill's later windows count for overlaps", "[daemon]") {
  Fixture f;
  REQUIRE(f.Schedule(DrillText("weekly", kNow + 96h, 1h, "[targets.here]\nlocal = true\n",
                               "repeat = \"FREQ=WEEKLY;COUNT=4\"\n"))
              .ok());
  auto clash = f.Schedule(DrillText("later", kNow + 96h + 14 * 24h, 1h));
  REQUIRE_FALSE(clash.ok());
  CHECK_THAT(clash.error().message, Catch::Contains("drill weekly"));
  CHECK(f.Schedule(DrillText("after", kNow + 96h + 35 * 24h, 1h)).ok());  // after the 4th
}

TEST_CASE("a repeating drill among many others still counts for overlaps", "[daemon]") {
  Fixture f;
  REQUIRE(f.Schedule(DrillText("weekly", kNow + 96h, 1h, "[targets.here]\nlocal = true\n",
                               "repeat = \"FREQ=WEEKLY;COUNT=8\"\n"))
              .ok());
  // Many one-off windows back to back between its first and its later occurrences.
  for (int i = 0; i < 40; ++i) {
    REQUIRE(f.Schedule(DrillText("once-" + std::to_string(i), kNow + 98h + i * 1h, 1h)).ok());
  }
  ScheduleTable t(f.db);
  auto weekly = t.Get("weekly");
  REQUIRE(weekly.ok());
  REQUIRE(weekly->has_value());
  CHECK(Repeats((*weekly)->drill_source));
  CHECK_FALSE(Repeats((*t.Get("once-0"))->drill_source));
  // Its fourth window, three weeks on, is far from every stored next window.
  auto clash = f.Schedule(DrillText("late", kNow + 96h + 21 * 24h + 30min, 1h));
  REQUIRE_FALSE(clash.ok());
  CHECK_THAT(clash.error().message, Catch::Contains("drill weekly"));
  // A one-off window overlapping the last stored one is found as before.
  auto tail = f.Schedule(DrillText("tail", kNow + 98h + 39h + 30min, 1h));
  REQUIRE_FALSE(tail.ok());
  CHECK_THAT(tail.error().message, Catch::Contains("drill once-39"));
  // MayOverlap returns the overlapping window and the repeating one, in window order, and
  // leaves out the excluded id and cancelled schedules.
  auto may = t.MayOverlap(kNow + 98h + 10h + 10min, kNow + 98h + 10h + 20min, "");
  REQUIRE(may.ok());
  REQUIRE(may->size() == 2);
  CHECK((*may)[0].drill_id == "weekly");
  CHECK((*may)[1].drill_id == "once-10");
  REQUIRE(CancelSchedule(f.db, f.tmp.path(), "weekly", "x", "lead", kNow).ok());
  may = t.MayOverlap(kNow + 98h + 10h + 10min, kNow + 98h + 10h + 20min, "once-10");
  REQUIRE(may.ok());
  CHECK(may->empty());
  CHECK(f.Schedule(DrillText("late", kNow + 96h + 21 * 24h + 30min, 1h)).ok());
}

TEST_CASE("scheduling refuses an invalid file and a window that is over", "[daemon]") {
  Fixture f;
  auto bad = f.Schedule("id = \"x\"\n");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("the drill file has problems"));
  CHECK(bad.error().code == ErrorCode::kInvalidInput);
  auto over = f.Schedule(DrillText("old", kNow - 2h, 1h));
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == ErrorCode::kOther);  // a usage problem, not an invalid file
  CHECK_THAT(over.error().message, Catch::Contains("its window ended"));
  CHECK(Kinds(f.db, "old").empty());
}

TEST_CASE("a late announcement is warned about at scheduling", "[daemon]") {
  Fixture f;
  auto late = f.Schedule(DrillText("a", kNow + 10h, 1h));
  REQUIRE(late.ok());
  REQUIRE(late->warnings.size() == 1);
  CHECK_THAT(late->warnings[0], Catch::Contains("less than announce.lead (3d)") &&
                                    Catch::Contains("will be refused at injection"));
  auto overridden = f.Schedule(DrillText("a", kNow + 10h, 1h), kNow, "practice");
  REQUIRE(overridden.ok());
  CHECK(overridden->record.lead_override == "practice");
  CHECK_THAT(overridden->warnings[0], Catch::Contains("by the recorded override: practice"));
}

TEST_CASE("briefings are recorded for scheduled drills only", "[daemon]") {
  Fixture f;
  REQUIRE(f.Schedule(DrillText("a", kNow + 96h, 1h)).ok());
  CHECK(RecordBriefing(f.db, "nope", "bob", "").error().code == ErrorCode::kNotFound);
  CHECK_FALSE(RecordBriefing(f.db, "a", "", "").ok());
  auto none = LatestBriefing(f.db, "a", SysTime{});
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(RecordBriefing(f.db, "a", "bob", "walked through the runbook").ok());
  auto found = LatestBriefing(f.db, "a", SysTime{});
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->first == "bob");
  // A briefing before the (latest) announcement does not count for it.
  auto later = LatestBriefing(f.db, "a", NowUtc() + 1h);
  REQUIRE(later.ok());
  CHECK_FALSE(later->has_value());
}

TEST_CASE("changes not yet told in chat are pending until marked", "[daemon]") {
  Fixture f;
  REQUIRE(f.Schedule(DrillText("a", kNow + 96h, 1h)).ok());
  ScheduleTable t(f.db);
  auto pending = t.PendingNotices();
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 1);
  ScheduleRecord r = (*pending)[0];
  r.notified_sequence = r.sequence;
  REQUIRE(t.Put(r).ok());
  CHECK(t.PendingNotices()->empty());
  REQUIRE(CancelSchedule(f.db, f.tmp.path(), "a", "x", "lead", kNow).ok());
  CHECK(t.PendingNotices()->size() == 1);
}

TEST_CASE("upcoming windows of a repeating drill keep the local time across DST", "[daemon]") {
  std::string text =
      DrillText("q", SysTime(std::chrono::sys_days(std::chrono::year(2027) / 3 / 23)) + 9h, 1h,
                "[targets.here]\nlocal = true\n", "repeat = \"FREQ=WEEKLY;COUNT=3\"\n");
  LoadResult r = LoadDrillText(text, "q.toml", DrillFaultCatalog());
  REQUIRE(r.ok());
  auto w = UpcomingWindows(*r.drill, SysTime{}, 10);
  REQUIRE(w.size() == 3);
  // 10:00 CET on 23 March; 10:00 CEST (08:00 UTC) once summer time begins on 28 March.
  CHECK(FormatUtc(w[0].start) == "2027-03-23T09:00:00.000Z");
  CHECK(FormatUtc(w[1].start) == "2027-03-30T08:00:00.000Z");
  CHECK(FormatUtc(w[2].start) == "2027-04-06T08:00:00.000Z");
  CHECK(UpcomingWindows(*r.drill, w[2].end, 10).empty());
}

}  // namespace
}  // namespace firedrill
