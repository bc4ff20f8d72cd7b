#include "orchestrator/report/run_facts.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "drills/zoned_time.h"
#include "orchestrator/report/metrics.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "tests/orchestrator/report/recorded_runs.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace std::chrono_literals;
using firedrill::testing::CheckoutDrillText;
using firedrill::testing::RecordedRun;
using firedrill::testing::RunBuilder;
using firedrill::testing::TempDir;

namespace {

using testing::AsEvents;

using firedrill::testing::At;

// The events as the log returns them.
RunBuilder Builder(const std::string& run = "d-1") {
  SysTime start = At("2027-06-01T08:00:00Z");
  return RunBuilder("d", run, CheckoutDrillText("d"), start, start + 1h);
}

}  // namespace

TEST_CASE("T0 is the first fault in place and TTD and TTR come from the recorded offsets",
          "[report]") {
  auto events = AsEvents(RecordedRun("team-recovered"));
  RunFacts f = DeriveRunFacts(events);
  REQUIRE(f.drill);
  CHECK(f.drill->id == "checkout-team-recovered");
  CHECK(f.run_id == "checkout-team-recovered-1811836800000");
  CHECK(FormatUtc(*f.t0) == "2027-06-01T08:02:00.150Z");
  CHECK(f.ttd_alert == Duration(130'000));
  CHECK(f.ttd_human == Duration(179'850));
  CHECK(f.ttr_probe == Duration(659'850));
  CHECK(f.ttr_team == Duration(719'850));
  CHECK(f.team_recovered);
  CHECK(!f.auto_restored);
  CHECK(!f.aborted);
  CHECK(f.outcome == RunOutcome::kRecoveredByTeam);
  REQUIRE(f.faults.size() == 2);
  CHECK(f.faults[0].id == "stop-web");
  CHECK(f.faults[0].verified);
  CHECK(f.faults[1].id == "block-cache");
  CHECK(f.faults[1].restored);
  CHECK(!f.faults[1].verified);
  // probe red 08:03:05 -> green 08:13:00
  CHECK(f.impact == Duration(9min + 55s));
  CHECK(CountedTtr(f) == Duration(659'850));
  // The window boundaries sit in the timeline among the events.
  CHECK(f.timeline.front().kind == "run-started");
  CHECK(f.timeline[1].kind == "preflight-passed");
  CHECK(f.timeline[2].kind == "window-opens");
}

TEST_CASE("offsets fall back to timestamps and alerts before T0 do not count", "[report]") {
  RunBuilder b = Builder();
  b.At(-10s, "alert-detected", {{"source", "am"}});
  b.At(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}});
  b.At(1min, "fault-injected", {{"fault", "block-cache"}, {"kind", "command"}, {"target", "web"}});
  b.At(3min, "alert-detected", {{"source", "am"}, {"fingerprint", "x"}});
  b.At(4min, "ack-detected", {{"by", "sam@example.com"}}, "sam@example.com");
  RunFacts f = DeriveRunFacts(AsEvents(b.events()));
  CHECK(FormatUtc(*f.t0) == "2027-06-01T08:01:00.000Z");  // the earliest, not the first recorded
  CHECK(f.ttd_alert == Duration(2min));
  CHECK(f.ttd_human == Duration(3min));
  CHECK(f.outcome == RunOutcome::kInProgress);
  CHECK(!f.auto_restored);
  // An actor not in the drill's list is a participant all the same.
  REQUIRE(f.participants.size() == 4);
  CHECK(f.participants[3].name == "sam@example.com");
  CHECK(f.participants[3].role == "not listed in the drill");
  CHECK(f.participants[3].actions == std::vector<std::string>{"acknowledged detection"});
}

TEST_CASE("a recovery before an abort keeps its TTR, an abort before recovery has none",
          "[report]") {
  RunBuilder early = Builder();
  early.At(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}})
      .At(3min, "probe-red", {{"probe", "checkout-http"}})
      .At(5min, "abort-requested", {{"by", "jonas.weber@example.com"}, {"reason", "real incident"}},
          "jonas.weber@example.com")
      .At(5min + 1s, "restore-started",
          {{"reason", "aborted by jonas.weber@example.com: real incident"}})
      .At(5min + 2s, "fault-restored", {{"fault", "stop-web"}, {"verified", true}})
      .At(5min + 3s, "run-ended", {{"recovered_by_team", false}});
  RunFacts a = DeriveRunFacts(AsEvents(early.events()));
  CHECK(a.outcome == RunOutcome::kAborted);
  CHECK(a.aborted);
  CHECK(a.abort_reason == "aborted by jonas.weber@example.com: real incident");
  CHECK(!CountedTtr(a));
  CHECK(a.impact == Duration(2min + 2s));  // red until the fault was restored
  for (const Metric& m : RunMetrics(a)) {
    if (m.key.rfind("ttr", 0) == 0) {
      CHECK(!m.measured);
      CHECK(m.verdict == Verdict::kNotReached);
    }
  }

  RunBuilder late = Builder();
  late.At(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}})
      .At(3min, "probe-red", {{"probe", "checkout-http"}})
      .At(4min, "ack-detected", {{"by", "li.wong@example.com"}, {"since_t0_ms", 120'000}},
          "li.wong@example.com")
      .At(6min, "probe-green", {{"probe", "checkout-http"}})
      .At(6min, "recovered", {{"by", "probes"}, {"ttr_ms", 240'000}})
      .At(7min, "abort-requested", {{"by", "li.wong@example.com"}, {"reason", "done early"}},
          "li.wong@example.com")
      .At(7min, "restore-started", {{"reason", "aborted by li.wong@example.com: done early"}})
      .At(7min + 1s, "fault-restored", {{"fault", "stop-web"}, {"verified", true}})
      .At(7min + 2s, "run-ended", {{"recovered_by_team", true}});
  RunFacts r = DeriveRunFacts(AsEvents(late.events()));
  CHECK(r.outcome == RunOutcome::kRecoveredByTeam);
  CHECK(r.aborted);
  CHECK(CountedTtr(r) == Duration(240'000));
  CHECK_THAT(r.outcome_text, Catch::Contains("then aborted"));
}

TEST_CASE("probe impact is the union of red periods", "[report]") {
  RunBuilder b = Builder();
  b.At(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}})
      .At(3min, "probe-red", {{"probe", "a"}})
      .At(4min, "probe-red", {{"probe", "b"}})
      .At(5min, "probe-green", {{"probe", "a"}})
      .At(6min, "probe-green", {{"probe", "b"}})
      .At(10min, "probe-red", {{"probe", "a"}})
      .At(11min, "probe-green", {{"probe", "a"}});
  RunFacts f = DeriveRunFacts(AsEvents(b.events()));
  CHECK(f.red_intervals.size() == 3);
  CHECK(f.impact == Duration(4min));
  auto budget = ErrorBudgetOf(f);
  REQUIRE(budget);
  CHECK(budget->budget == Duration(43min + 12s));  // 0.1% of 30 days
  CHECK(budget->consumed_percent == Approx(4.0 / 43.2 * 100.0));
}

TEST_CASE("refused and never-injected runs have no T0 and no TTR", "[report]") {
  RunBuilder refused = Builder();
  refused.At(-1s, "preflight-refused", {{"reasons", boost::json::array{"probe p is not green"}}});
  RunFacts r = DeriveRunFacts(AsEvents(refused.events()));
  CHECK(r.outcome == RunOutcome::kRefused);
  CHECK(r.refusal_reasons == std::vector<std::string>{"probe p is not green"});
  CHECK(!r.t0);

  RunBuilder waited = Builder();
  waited.At(-30min, "aborted", {{"reason", "SIGINT received"}});
  RunFacts w = DeriveRunFacts(AsEvents(waited.events()));
  CHECK(w.outcome == RunOutcome::kNotInjected);
  CHECK(w.abort_reason == "SIGINT received");
}

TEST_CASE("a drill text that no longer loads degrades to what the records know", "[report]") {
  SysTime start = At("2027-06-01T08:00:00Z");
  RunBuilder b("old", "old-1", "id = \"old\"\nkind_from_a_plugin = true\n", start, start + 1h);
  b.At(2min, "fault-injected", {{"fault", "f"}, {"kind", "plugin.thing"}, {"target", "t"}})
      .At(4min, "ack-detected", {{"by", "x@example.com"}}, "x@example.com")
      .At(60min, "restore-started", {{"reason", kWindowEndReason}})
      .At(60min + 1s, "fault-restored", {{"fault", "f"}, {"verified", true}})
      .At(60min + 2s, "run-ended", {{"recovered_by_team", false}});
  RunFacts f = DeriveRunFacts(AsEvents(b.events()));
  CHECK(!f.drill);
  CHECK(!f.drill_problem.empty());
  CHECK(f.outcome == RunOutcome::kAutoRestored);
  DrillRecord rec{"old", "An old drill", "billing",  "o@example.com", "",
                  "",    start,          start + 1h, "Europe/Berlin", {}};
  std::string md = PostmortemMarkdown(f, rec);
  CHECK_THAT(md, Catch::Contains("# Postmortem: An old drill"));
  CHECK_THAT(md, Catch::Contains("| Service | billing |"));
  CHECK_THAT(md, Catch::Contains("could not be read again"));
  CHECK_THAT(md, Catch::Contains("CEST"));  // the timeline uses the record's zone
  CHECK_THAT(PostmortemMarkdown(f, std::nullopt), Catch::Contains("# Postmortem: old"));
}

TEST_CASE("LoadRunEvents finds the latest run of a drill, a given run, or a run id", "[report]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  SysTime start = At("2027-06-01T08:00:00Z");
  RunBuilder first("d", "d-100", CheckoutDrillText("d"), start, start + 1h);
  first.At(2min, "fault-injected", {{"fault", "stop-web"}});
  RunBuilder second("d", "d-200", CheckoutDrillText("d"), start + 24h, start + 25h);
  second.At(3min, "fault-injected", {{"fault", "stop-web"}});
  RunBuilder other("d-extra", "d-extra-1", CheckoutDrillText("d-extra"), start, start + 1h);
  REQUIRE(EventLog(*db).AppendBatch(first.events()).ok());
  REQUIRE(EventLog(*db).AppendBatch(other.events()).ok());
  REQUIRE(EventLog(*db).AppendBatch(second.events()).ok());

  auto latest = LoadRunEvents(*db, "d", std::nullopt);
  REQUIRE(latest.ok());
  REQUIRE(latest->size() == 2);
  CHECK(RunIdOf(latest->front()) == "d-200");
  auto given = LoadRunEvents(*db, "d", std::string("d-100"));
  REQUIRE(given.ok());
  CHECK(given->size() == 2);
  CHECK(RunIdOf(given->back()) == "d-100");
  auto by_run = LoadRunEvents(*db, "d-100", std::nullopt);
  REQUIRE(by_run.ok());
  CHECK(by_run->size() == 2);
  auto none = LoadRunEvents(*db, "nope", std::nullopt);
  REQUIRE(none.ok());
  CHECK(none->empty());
  auto no_run = LoadRunEvents(*db, "d", std::string("d-999"));
  REQUIRE(no_run.ok());
  CHECK(no_run->empty());
}

TEST_CASE("probes green again with nobody having acted: the system absorbed the fault, no team TTR",
          "[report]") {
  RunBuilder b = Builder();
  b.At(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}})
      .At(3min, "probe-red", {{"probe", "checkout-http"}})
      .At(4min, "probe-green", {{"probe", "checkout-http"}})
      .At(4min, "recovered", {{"by", "probes"}, {"ttr_ms", 120'000}})
      .At(5min, "ack-detected", {{"by", "li.wong@example.com"}, {"since_t0_ms", 180'000}},
          "li.wong@example.com")
      .At(58min, "restore-started", {{"reason", "the restore point of the window was reached"}})
      .At(58min + 1s, "fault-restored", {{"fault", "stop-web"}, {"verified", true}})
      .At(58min + 2s, "run-ended", {{"recovered_by_team", true}});
  RunFacts f = DeriveRunFacts(AsEvents(b.events()));
  CHECK(f.outcome == RunOutcome::kAbsorbed);
  CHECK_FALSE(f.team_recovered);
  CHECK(!CountedTtr(f));
  CHECK_THAT(f.outcome_text, Catch::Contains("absorbed"));
}

TEST_CASE("no probe red and no alert: the drill is inconclusive, whatever the engine wrote",
          "[report]") {
  RunBuilder b = Builder();
  b.At(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}})
      .At(58min, "restore-started", {{"reason", "the restore point of the window was reached"}})
      .At(58min + 1s, "fault-restored", {{"fault", "stop-web"}, {"verified", true}})
      .At(58min + 2s, "run-ended", {{"recovered_by_team", false}});
  RunFacts f = DeriveRunFacts(AsEvents(b.events()));
  CHECK(f.outcome == RunOutcome::kInconclusive);
  CHECK_FALSE(f.effect_observed);
  CHECK(OutcomeName(f.outcome) == "inconclusive");
}
