#include "orchestrator/report/audit.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "drills/zoned_time.h"
#include "orchestrator/cli/command.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/audit_json.h"
#include "orchestrator/report/audit_loader.h"
#include "orchestrator/report/audit_render.h"
#include "orchestrator/report/drill_facts.h"
#include "orchestrator/report/json_text.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "tests/orchestrator/report/recorded_runs.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace std::chrono_literals;
using firedrill::testing::CheckoutDrillText;
using firedrill::testing::QuietDrillText;
using firedrill::testing::RecordedRun;
using firedrill::testing::RecordedRunId;
using firedrill::testing::RunBuilder;
using firedrill::testing::TempDir;
using firedrill::testing::WithDrillFacts;
namespace fs = std::filesystem;

namespace {

using testing::AsEvents;

using firedrill::testing::At;

// A run of a `service` drill on `day`: detected after `ttd`, recovered by the probes after `ttr`
// or auto-restored when `ttr` is unset. T0 is 08:02 UTC.
std::vector<NewEvent> MakeRun(const std::string& service, const std::string& day, int n,
                              std::optional<Duration> ttd, std::optional<Duration> ttr) {
  std::string id = service + "-drill";
  std::string run = fmt::format("{}-{}", id, n);
  SysTime start = At(day);
  start += 8h;
  RunBuilder b(id, run, CheckoutDrillText(id, day, service), start, start + 1h);
  b.At(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}});
  b.At(2min + 5s, "probe-red", {{"probe", "checkout-http"}});
  if (ttd)
    b.At(2min + *ttd, "ack-detected", {{"by", "a@example.com"}, {"since_t0_ms", ttd->count()}});
  if (ttr) {
    b.At(2min + *ttr, "probe-green", {{"probe", "checkout-http"}});
    b.At(2min + *ttr, "recovered", {{"by", "probes"}, {"ttr_ms", ttr->count()}});
  }
  b.At(60min, "restore-started", {{"reason", kWindowEndReason}});
  b.At(60min + 1s, "fault-restored", {{"fault", "stop-web"}, {"verified", true}});
  b.At(60min + 2s, "run-ended", {{"recovered_by_team", ttr.has_value()}});
  return b.events();
}

RunFacts Facts(const std::vector<NewEvent>& events) { return DeriveRunFacts(AsEvents(events)); }

struct Cli {
  int status;
  std::string out;
  std::string err;
};

Cli Run(std::vector<std::string> args) {
  std::ostringstream out, err;
  int status = RunCommandLine(args, out, err);
  return {status, out.str(), err.str()};
}

std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> Snapshot(const fs::path& dir) {
  std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out[e.path().string()] = {e.is_regular_file() ? e.file_size() : 0, e.last_write_time()};
  }
  return out;
}

}  // namespace

TEST_CASE("median and nearest-rank p90", "[report][audit]") {
  std::vector<Duration> ten;
  for (int i = 1; i <= 10; ++i) ten.push_back(std::chrono::seconds(i));
  Spread s = SpreadOf(ten);
  CHECK(s.count == 10);
  CHECK(s.median == Duration(5500));
  CHECK(s.p90 == Duration(9s));
  std::vector<Duration> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(std::chrono::seconds(i));
  CHECK(SpreadOf(twenty).p90 == Duration(18s));
  CHECK(SpreadOf({7s}).median == Duration(7s));
  CHECK(SpreadOf({7s}).p90 == Duration(7s));
  CHECK(!SpreadOf({}).median);
  CHECK(QuarterOf(At("2027-03-31T23:59:59Z")) == "2027-Q1");
  CHECK(QuarterOf(At("2027-04-01")) == "2027-Q2");
  CHECK(QuarterOf(At("2027-12-31")) == "2027-Q4");
}

TEST_CASE("audit rows of the recorded runs", "[report][audit]") {
  AuditRow team = AuditRun(Facts(RecordedRun("team-recovered")), true);
  CHECK(team.service == "checkout");
  CHECK(team.quarter == "2027-Q2");
  CHECK(team.announced == "not recorded");
  CHECK(team.announced_detail == "no announcement recorded");
  CHECK(team.briefed == "not recorded");
  CHECK(team.window_respected == "yes");
  CHECK(team.faults_injected == 2);
  CHECK(team.faults_restored_verified == 1);
  CHECK(team.faults_restored_unverified == 1);
  CHECK(!team.all_restored_verified);
  CHECK(team.recovered_by == "team");
  CHECK(team.ttd_human_verdict == Verdict::kMet);
  CHECK(team.ttr == Duration(659'850));
  CHECK(team.ttr_verdict == Verdict::kMet);
  CHECK(team.postmortem);

  AuditRow autor = AuditRun(Facts(RecordedRun("auto-restored")), false);
  CHECK(autor.recovered_by == "auto-restored");
  CHECK(!autor.ttr);
  CHECK(autor.ttr_verdict == Verdict::kNotReached);
  CHECK(autor.ttd_human_verdict == Verdict::kMissed);  // 7m > 5m
  CHECK(!autor.postmortem);

  AuditRow aborted = AuditRun(Facts(RecordedRun("aborted")), false);
  CHECK(aborted.recovered_by == "aborted");
  CHECK(aborted.window_respected == "yes");

  AuditRow failed = AuditRun(Facts(RecordedRun("restore-failed")), false);
  CHECK(failed.recovered_by == "restore incomplete");
  CHECK(failed.faults_not_restored == std::vector<std::string>{"stop-web"});
  CHECK(failed.window_respected == "no");
  CHECK_THAT(failed.window_detail, Catch::Contains("stop-web never restored"));
}

TEST_CASE("audit checks announcement, briefing and the window", "[report][audit]") {
  SysTime start = At("2027-06-01T08:00:00Z");
  auto run = [&](auto&& add) {
    RunBuilder b("d", "d-1", CheckoutDrillText("d"), start, start + 1h);
    add(b);
    return AuditRun(Facts(b.events()), false);
  };
  AuditRow met = run([](RunBuilder& b) {
    b.At(-96h, "announced", {{"channel", "calendar"}});
    b.At(-1h, "briefed", {}, "jonas.weber@example.com");
  });
  CHECK(met.announced == "met");
  CHECK(met.announced_detail == "announced 4d ahead (lead 3d)");
  CHECK(met.briefed == "recorded");
  CHECK_THAT(met.briefed_detail, Catch::Contains("jonas.weber@example.com"));

  AuditRow late = run([](RunBuilder& b) { b.At(-24h, "announced"); });
  CHECK(late.announced == "late");
  AuditRow overridden = run([](RunBuilder& b) {
    b.At(-24h, "announced");
    b.At(-23h, "announce-overridden", {{"reason", "approved by CAB-123"}});
  });
  CHECK(overridden.announced == "overridden");
  CHECK_THAT(overridden.announced_detail, Catch::Contains("CAB-123"));

  AuditRow outside = run([](RunBuilder& b) {
    b.At(-5min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}});
    b.At(75min, "fault-restored", {{"fault", "stop-web"}, {"verified", true}});
    b.At(75min, "run-ended", {{"recovered_by_team", false}});
  });
  CHECK(outside.window_respected == "no");
  CHECK_THAT(outside.window_detail,
             Catch::Contains("stop-web injected 5m before the window start"));
  CHECK_THAT(outside.window_detail,
             Catch::Contains("stop-web restored 5m after the window end + grace (10m)"));
  CHECK(outside.all_restored_verified);
}

TEST_CASE("per service and quarter: runs, drills, median and p90, auto-restored share",
          "[report][audit]") {
  std::vector<RunFacts> runs;
  int n = 0;
  std::vector<std::pair<int, std::optional<int>>> q2 = {
      {1, 10}, {2, 12}, {3, 14}, {4, 30}, {10, std::nullopt}};
  for (auto [ttd, ttr] : q2) {
    std::optional<Duration> r;
    if (ttr) r = std::chrono::minutes(*ttr);
    ++n;
    runs.push_back(Facts(
        MakeRun("checkout", "2027-05-0" + std::to_string(n), n, std::chrono::minutes(ttd), r)));
  }
  ++n;
  runs.push_back(Facts(MakeRun("checkout", "2027-07-01", n, 2min, 5min)));
  {
    SysTime start = At("2027-05-01T08:00:00Z");
    RunBuilder refused("payments-drill", "payments-drill-1",
                       CheckoutDrillText("payments-drill", "2027-05-01", "payments"), start,
                       start + 1h);
    refused.At(-1s, "preflight-refused", {{"reasons", boost::json::array{"probe red"}}});
    runs.push_back(Facts(refused.events()));
  }
  std::vector<AuditRow> rows;
  for (const RunFacts& f : runs) rows.push_back(AuditRun(f, false));
  AuditReport r = BuildAudit(rows, {"checkout", "payments", "search", "checkout"}, {});
  REQUIRE(r.rows.size() == 7);
  REQUIRE(r.services.size() == 3);
  const ServiceQuarter& c2 = r.services[0];
  CHECK(c2.service == "checkout");
  CHECK(c2.quarter == "2027-Q2");
  CHECK(c2.runs == 5);
  CHECK(c2.drills == 5);
  CHECK(c2.ttd_human.median == Duration(3min));
  CHECK(c2.ttd_human.p90 == Duration(10min));
  CHECK(c2.ttr.count == 4);
  CHECK(c2.ttr.median == Duration(13min));
  CHECK(c2.ttr.p90 == Duration(30min));
  CHECK(c2.auto_restored == 1);
  CHECK(c2.auto_restored_share == Approx(0.2));
  CHECK(r.services[1].quarter == "2027-Q3");
  CHECK(r.services[1].ttr.median == Duration(5min));
  CHECK(r.services[2].service == "payments");
  CHECK(r.services[2].runs == 1);
  CHECK(r.services[2].drills == 0);
  CHECK(r.not_drilled == std::vector<std::string>{"payments", "search"});

  std::string csv = AuditCsv(r, "services");
  CHECK_THAT(csv, Catch::StartsWith("service,quarter,runs,drills,ttd_human_median_ms"));
  CHECK_THAT(csv, Catch::Contains("checkout,2027-Q2,5,5,180000,600000,,,780000,1800000,1,0.2000"));
  CHECK(AuditCsv(r, "not-drilled") == "service\r\npayments\r\nsearch\r\n");
  boost::json::value j = boost::json::parse(AuditJson(r));
  CHECK(j.at("services").at(0).at("ttr").at("p90_ms").as_int64() == 1'800'000);
  CHECK(j.at("runs").as_array().size() == 7);
  std::string md = AuditMarkdown(r);
  CHECK_THAT(md, Catch::Contains("| checkout | 2027-Q2 | 5 | 5 | 3m / 10m | — / — | 13m / 30m | "
                                 "1 of 5 (20%) |"));
  CHECK_THAT(md, Catch::Contains("none (auto-restored at window end)"));
}

TEST_CASE("LoadAudit reads the log once, filters by window start and finds postmortems",
          "[report][audit]") {
  TempDir tmp;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    EventLog log(*db);
    for (const char* name : {"team-recovered", "auto-restored", "aborted", "restore-failed"}) {
      REQUIRE(log.AppendBatch(RecordedRun(name)).ok());
    }
    REQUIRE(log.AppendBatch(MakeRun("checkout", "2027-09-01", 1, 1min, 2min)).ok());
    REQUIRE(log.Append({"", "note", "someone", "{}", {}}).ok());  // no run: ignored
    DrillRecord search{"search-drill",   "t",   "search", "o", "", "", At("2027-06-01"),
                       At("2027-06-02"), "UTC", {}};
    REQUIRE(DrillTable(*db).UpsertDrill(search).ok());
    // A drill whose recorded text no longer loads: its service comes from the drills table.
    SysTime start = At("2027-06-02T08:00:00Z");
    RunBuilder old("old", "old-1", "id = \"old\"\nplugin_kind = 1\n", start, start + 1h);
    old.At(2min, "fault-injected", {{"fault", "f"}, {"kind", "plugin.x"}, {"target", "t"}});
    REQUIRE(log.AppendBatch(old.events()).ok());
    DrillRecord billing{"old", "t", "billing", "o", "", "", start, start + 1h, "UTC", {}};
    REQUIRE(DrillTable(*db).UpsertDrill(billing).ok());
  }
  fs::create_directories(tmp.path() / "postmortems");
  std::ofstream(tmp.path() / "postmortems" / (RecordedRunId("aborted") + ".md")) << "x";

  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto june = LoadAudit(*db, tmp.path(), {At("2027-06-01"), At("2027-07-01")});
  REQUIRE(june.ok());
  REQUIRE(june->rows.size() == 5);
  CHECK(june->rows.back().run_id == "old-1");
  CHECK(june->rows.back().service == "billing");
  int with_postmortem = 0;
  for (const AuditRow& r : june->rows) {
    if (r.postmortem) {
      ++with_postmortem;
      CHECK(r.run_id == RecordedRunId("aborted"));
    }
  }
  CHECK(with_postmortem == 1);
  CHECK(june->not_drilled == std::vector<std::string>{"search"});
  auto all = LoadAudit(*db, tmp.path(), {});
  REQUIRE(all.ok());
  CHECK(all->rows.size() == 6);
  CHECK(all->rows.back().quarter == "2027-Q3");
}

TEST_CASE("audit and postmortem commands read without creating anything", "[report][cli]") {
  TempDir tmp;
  std::string state = tmp.path().string();
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    REQUIRE(EventLog(*db).AppendBatch(RecordedRun("auto-restored")).ok());
  }
  auto before = Snapshot(tmp.path());

  Cli md = Run({"audit", "--state", state});
  INFO(md.err);
  CHECK(md.status == kExitOk);
  CHECK_THAT(md.out, Catch::StartsWith("# Drill audit report"));
  Cli csv = Run(
      {"audit", "--state", state, "--format", "csv", "--from", "2027-06-01", "--to", "2027-06-01"});
  CHECK(csv.status == kExitOk);
  CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 2);
  Cli none = Run({"audit", "--state", state, "--json", "--from", "2027-06-02"});
  CHECK(boost::json::parse(none.out).at("runs").as_array().empty());
  // The period takes ISO-8601 times too, as records list does.
  Cli iso = Run({"audit", "--state", state, "--format", "csv", "--from", "2027-06-01T00:00:00Z",
                 "--to", "2027-06-01T23:59:59Z"});
  INFO(iso.err);
  CHECK(iso.status == kExitOk);
  CHECK(std::count(iso.out.begin(), iso.out.end(), '\n') == 2);
  CHECK(boost::json::parse(
            Run({"audit", "--state", state, "--json", "--from", "2027-06-01T09:59:59+02:00"}).out)
            .at("runs")
            .as_array()
            .size() == 1);
  // --table chooses a csv table: with another format it would do nothing, so it is refused.
  Cli table = Run({"audit", "--state", state, "--table", "services"});
  CHECK(table.status == kExitUsage);
  CHECK_THAT(table.err, Catch::Contains("--format csv"));

  Cli pm = Run({"postmortem", "checkout-auto-restored", "--state", state});
  CHECK(pm.status == kExitOk);
  CHECK_THAT(pm.out, Catch::Contains("**Auto-restored at window end.**"));
  Cli pj = Run({"postmortem", RecordedRunId("auto-restored"), "--json", "--state", state});
  CHECK(pj.status == kExitOk);
  CHECK(boost::json::parse(pj.out).at("outcome").at("code").as_string() == "auto-restored");
  CHECK(Snapshot(tmp.path()) == before);

  CHECK(Run({"postmortem", "nope", "--state", state}).status == kExitNotFound);
  CHECK(Run({"postmortem", "checkout-auto-restored", "--run", "x", "--state", state}).status ==
        kExitNotFound);
  CHECK(Run({"postmortem", "--state", state}).status == kExitUsage);
  CHECK(Run({"postmortem", "x", "--format", "pdf", "--state", state}).status == kExitUsage);
  Cli bad = Run({"audit", "--from", "2027-13-01", "--state", state});
  CHECK(bad.status == kExitUsage);
  CHECK_THAT(bad.err, Catch::Contains("\"2027-13-01\""));
  CHECK(Run({"audit", "--from", "2027-06-02", "--to", "2027-06-01", "--state", state}).status ==
        kExitUsage);
  CHECK(Run({"postmortem", "x", "--state", (tmp.path() / "missing").string()}).status ==
        kExitStateError);
  CHECK(!fs::exists(tmp.path() / "missing"));
  CHECK(Snapshot(tmp.path()) == before);
}

TEST_CASE("postmortem --lint exits 1 on a blaming phrase and 0 on a clean file", "[report][cli]") {
  TempDir tmp;
  fs::path bad = tmp.path() / "bad.md";
  std::ofstream(bad) << "# Postmortem\n\nIt was human error.\n";
  Cli b = Run({"postmortem", "--lint", bad.string()});
  CHECK(b.status == kExitFailure);
  CHECK_THAT(b.out, Catch::StartsWith(bad.string() + ":3: "));
  fs::path good = tmp.path() / "good.md";
  std::ofstream(good) << "# Postmortem\n\nThe alert has no runbook link.\n";
  Cli g = Run({"postmortem", "--lint", good.string()});
  CHECK(g.status == kExitOk);
  CHECK(Run({"postmortem", "--lint", (tmp.path() / "none.md").string()}).status == kExitFailure);
  CHECK(Run({"postmortem", "id", "--lint", good.string()}).status == kExitUsage);
}

TEST_CASE("LoadAudit on many runs, spread over workers, matches a sequential derivation",
          "[report][audit]") {
  TempDir tmp;
  std::vector<RunFacts> sequential;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    std::vector<NewEvent> all;
    for (int i = 0; i < 600; ++i) {
      std::string service = "svc" + std::to_string(i % 6);
      std::string day = fmt::format("2027-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
      std::optional<Duration> ttr;
      if (i % 3 != 0) ttr = std::chrono::minutes(5 + i % 11);
      std::vector<NewEvent> run = MakeRun(service, day, i, std::chrono::seconds(30 + i % 300), ttr);
      sequential.push_back(Facts(run));
      all.insert(all.end(), run.begin(), run.end());
    }
    REQUIRE(EventLog(*db).AppendBatch(all).ok());
  }
  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto loaded = LoadAudit(*db, tmp.path(), {});
  REQUIRE(loaded.ok());
  std::vector<AuditRow> rows;
  for (const RunFacts& f : sequential) rows.push_back(AuditRun(f, false));
  AuditReport expected = BuildAudit(rows, {}, {});
  CHECK(loaded->rows.size() == 600);
  CHECK(AuditCsv(*loaded, "runs") == AuditCsv(expected, "runs"));
  CHECK(AuditCsv(*loaded, "services") == AuditCsv(expected, "services"));
}

namespace {

// Runs covering every drill fact the audit reads: the four recorded runs, announcements and a
// briefing, a window overrun, and a drill without probes or objectives that requires a briefing
// (its TTR is the team's mark, and its run-ended leaves the verdict to the drill's rule).
std::vector<std::vector<NewEvent>> VariedRuns() {
  std::vector<std::vector<NewEvent>> runs;
  for (const char* name : {"team-recovered", "auto-restored", "aborted", "restore-failed"}) {
    runs.push_back(RecordedRun(name));
  }
  runs.push_back(MakeRun("payments", "2027-08-03", 1, 90s, 4min));
  SysTime start = At("2027-06-01T08:00:00Z");
  RunBuilder announced("checkout-late", "checkout-late-1", CheckoutDrillText("checkout-late"),
                       start, start + 1h);
  announced.At(-24h, "announced", {{"channel", "calendar"}});
  announced.At(-5min, "fault-injected",
               {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}});
  announced.At(75min, "fault-restored", {{"fault", "stop-web"}, {"verified", true}});
  announced.At(75min, "run-ended", {{"recovered_by_team", false}});
  runs.push_back(announced.events());
  RunBuilder quiet("quiet", "quiet-1", QuietDrillText("quiet", "2027-06-02", "search"), start + 24h,
                   start + 25h);
  quiet.At(-2h, "briefed", {}, "li.wong@example.com");
  quiet.At(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}});
  quiet.At(6min, "ack-detected", {{"by", "a@example.com"}, {"since_t0_ms", 240'000}});
  quiet.At(9min, "ack-recovered", {{"by", "a@example.com"}, {"since_t0_ms", 420'000}});
  quiet.At(60min, "restore-started", {{"reason", kWindowEndReason}});
  quiet.At(63min, "fault-restored", {{"fault", "stop-web"}, {"verified", true}});
  quiet.At(63min + 1s, "run-ended");
  runs.push_back(quiet.events());
  return runs;
}

}  // namespace

TEST_CASE("an audit of runs recorded with drill facts equals the audit of the same runs without",
          "[report][audit]") {
  std::vector<AuditRow> without_rows, with_rows;
  for (const std::vector<NewEvent>& run : VariedRuns()) {
    std::vector<Event> old_events = AsEvents(run);
    std::vector<Event> new_events = AsEvents(WithDrillFacts(run));
    REQUIRE(new_events.front().payload_json.find("\"drill_facts\"") != std::string::npos);
    // Older records: the facts come from the re-parsed drill text.
    RunFacts old_facts =
        DeriveRunFacts(old_events, nullptr, TimelineDetail::kNone, DrillDetail::kFactsOnly);
    REQUIRE(old_facts.drill);
    // Records with drill facts: the drill text is not parsed at all.
    RunFacts new_facts =
        DeriveRunFacts(new_events, nullptr, TimelineDetail::kNone, DrillDetail::kFactsOnly);
    CHECK(!new_facts.drill);
    CHECK(new_facts.drill_problem.empty());
    REQUIRE(new_facts.drill_facts);
    CHECK(new_facts.drill_facts == old_facts.drill_facts);
    CHECK(new_facts.team_recovered == old_facts.team_recovered);
    CHECK(new_facts.outcome_text == old_facts.outcome_text);
    without_rows.push_back(AuditRun(old_facts, false));
    with_rows.push_back(AuditRun(new_facts, false));
  }
  AuditReport without = BuildAudit(without_rows, {"checkout", "idle"}, {});
  AuditReport with = BuildAudit(with_rows, {"checkout", "idle"}, {});
  CHECK(AuditCsv(with, "runs") == AuditCsv(without, "runs"));
  CHECK(AuditCsv(with, "services") == AuditCsv(without, "services"));
  CHECK(AuditJson(with) == AuditJson(without));
  CHECK(AuditMarkdown(with) == AuditMarkdown(without));

  // The drill facts themselves are read: the drill without probes counts the team's mark.
  auto it = std::find_if(with.rows.begin(), with.rows.end(),
                         [](const AuditRow& r) { return r.run_id == "quiet-1"; });
  REQUIRE(it != with.rows.end());
  const AuditRow& quiet = *it;
  CHECK(quiet.service == "search");
  CHECK(quiet.briefed == "recorded");
  CHECK(quiet.recovered_by == "team");
  CHECK(quiet.ttr == Duration(7min));
  CHECK(quiet.ttr_verdict == Verdict::kNoObjective);
  CHECK(quiet.window_respected == "no");  // restored 3m after the end, grace 2m
}

TEST_CASE("the postmortem path still parses the drill when drill facts are recorded", "[report]") {
  std::vector<Event> events = AsEvents(WithDrillFacts(RecordedRun("team-recovered")));
  RunFacts full = DeriveRunFacts(events);
  REQUIRE(full.drill);
  CHECK(full.participants.size() == 3);
  CHECK(full.drill_facts == DrillFactsOf(*full.drill));
}

TEST_CASE("a run with drill facts audits fully when its drill text no longer loads",
          "[report][audit]") {
  std::vector<NewEvent> run = WithDrillFacts(RecordedRun("aborted"));
  boost::json::object p = boost::json::parse(run.front().payload_json).as_object();
  p["source"] = "id = \"checkout-aborted\"\nplugin_kind = 1\n";
  run.front().payload_json = boost::json::serialize(p);
  RunFacts broken = DeriveRunFacts(AsEvents(run));
  CHECK(!broken.drill);
  CHECK(!broken.drill_problem.empty());
  AuditRow row = AuditRun(broken, false);
  AuditRow expected = AuditRun(Facts(RecordedRun("aborted")), false);
  CHECK(row.service == "checkout");
  CHECK(row.detect_objective == Duration(5min));
  CHECK(AuditCsv(BuildAudit({row}, {}, {}), "runs") ==
        AuditCsv(BuildAudit({expected}, {}, {}), "runs"));
}

TEST_CASE("LoadAudit gives the same report for records with and without drill facts",
          "[report][audit]") {
  TempDir tmp;
  auto audit = [&](const std::string& name, bool facts) {
    fs::path dir = tmp.path() / name;
    fs::create_directories(dir);
    {
      auto db = Database::Open(dir, OpenMode::kReadWrite);
      REQUIRE(db.ok());
      EventLog log(*db);
      for (const std::vector<NewEvent>& run : VariedRuns()) {
        REQUIRE(log.AppendBatch(facts ? WithDrillFacts(run) : run).ok());
      }
      // Enough runs for several workers.
      std::vector<NewEvent> many;
      for (int i = 0; i < 600; ++i) {
        std::optional<Duration> ttr;
        if (i % 4 != 0) ttr = std::chrono::minutes(3 + i % 13);
        std::vector<NewEvent> r =
            MakeRun("svc" + std::to_string(i % 5), fmt::format("2027-{:02}-15", 1 + i % 12), i,
                    std::chrono::seconds(20 + i % 500), ttr);
        if (facts) r = WithDrillFacts(r);
        many.insert(many.end(), r.begin(), r.end());
      }
      REQUIRE(log.AppendBatch(many).ok());
    }
    auto db = Database::Open(dir, OpenMode::kReadOnly);
    REQUIRE(db.ok());
    auto report = LoadAudit(*db, dir, {});
    REQUIRE(report.ok());
    return std::move(*report);
  };
  AuditReport without = audit("old", false);
  AuditReport with = audit("new", true);
  CHECK(with.rows.size() == 607);
  CHECK(AuditCsv(with, "runs") == AuditCsv(without, "runs"));
  CHECK(AuditCsv(with, "services") == AuditCsv(without, "services"));
  CHECK(AuditJson(with) == AuditJson(without));
}

TEST_CASE("the JSON audit is the indented JSON text of its own value, escapes included",
          "[report][audit]") {
  std::vector<AuditRow> rows;
  for (const std::vector<NewEvent>& run : VariedRuns()) {
    rows.push_back(AuditRun(Facts(run), false));
  }
  rows.front().service = "check\"out\\ \t\x01 café";
  rows.front().faults_not_restored = {"a\nb"};
  AuditReport report = BuildAudit(rows, {"idle"}, {At("2027-01-01"), std::nullopt});
  std::string text = AuditJson(report);
  boost::json::value parsed = boost::json::parse(text);
  CHECK(PrettyJson(parsed) == text);
  std::string odd;
  for (const boost::json::value& run : parsed.at("runs").as_array()) {
    if (run.at("run").as_string() == rows.front().run_id) odd = run.at("service").as_string();
  }
  CHECK(odd == "check\"out\\ \t\x01 café");
  CHECK(parsed.at("services").at(0).at("auto_restored_share").is_double());
  std::string empty = AuditJson(BuildAudit({}, {}, {}));
  CHECK(PrettyJson(boost::json::parse(empty)) == empty);
  CHECK_THAT(empty, Catch::Contains("\"runs\": [],"));
}

TEST_CASE("the audit cache reads only new events and reports what LoadAudit reports",
          "[report][audit]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  EventLog log(*db);
  for (const char* name : {"team-recovered", "auto-restored", "aborted"}) {
    REQUIRE(log.AppendBatch(RecordedRun(name)).ok());
  }
  // A run still going on: its first half now, the rest after the first report.
  std::vector<NewEvent> going = MakeRun("search", "2027-08-01", 7, 1min, 3min);
  std::size_t half = going.size() / 2;
  REQUIRE(log.AppendBatch(std::span(going).first(half)).ok());
  AuditPeriod summer{At("2027-06-01"), At("2027-09-01")};
  auto same = [&](const AuditPeriod& period) {
    AuditCache cache;
    auto cached = cache.Report(*db, tmp.path(), period);
    auto loaded = LoadAudit(*db, tmp.path(), period);
    REQUIRE(cached.ok());
    REQUIRE(loaded.ok());
    CHECK(AuditJson(*cached) == AuditJson(*loaded));
  };
  AuditCache cache;
  auto first = cache.Report(*db, tmp.path(), {});
  REQUIRE(first.ok());
  CHECK(cache.derived() == 4);
  CHECK(AuditJson(*first) == AuditJson(*LoadAudit(*db, tmp.path(), {})));
  std::int64_t seen = cache.seen();

  // Nothing new: nothing derived again.
  REQUIRE(cache.Report(*db, tmp.path(), {}).ok());
  CHECK(cache.derived() == 0);
  CHECK(cache.seen() == seen);

  // The rest of the running run and a new run: only those two are derived again, the running
  // one from all of its events.
  REQUIRE(log.AppendBatch(std::span(going).subspan(half)).ok());
  REQUIRE(log.AppendBatch(RecordedRun("restore-failed")).ok());
  auto second = cache.Report(*db, tmp.path(), summer);
  REQUIRE(second.ok());
  CHECK(cache.derived() == 2);
  CHECK(cache.seen() > seen);
  auto loaded = LoadAudit(*db, tmp.path(), summer);
  REQUIRE(loaded.ok());
  CHECK(AuditJson(*second) == AuditJson(*loaded));
  CHECK(second->rows.size() == 5);
  // A postmortem written later shows without a new event.
  fs::create_directories(tmp.path() / "postmortems");
  std::ofstream(tmp.path() / "postmortems" / (RecordedRunId("aborted") + ".md")) << "x";
  auto third = cache.Report(*db, tmp.path(), summer);
  REQUIRE(third.ok());
  CHECK(cache.derived() == 0);
  CHECK(AuditJson(*third) == AuditJson(*LoadAudit(*db, tmp.path(), summer)));
  same(summer);
}
