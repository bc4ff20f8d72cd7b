// The records commands for auditors: list filters, verify with checkpoints (and --pubkey,
// --from-export), export, pubkey and checkpoint; and that the read-only ones create nothing.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/cli/command.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/typed_event.h"
#include "tests/orchestrator/store/tamper_support.h"
#include "tests/support/cli_run.h"
#include "tests/support/dir_snapshot.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"

using namespace firedrill;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using Run = testing::CliResult;
using testing::Cli;
using testing::TamperSql;

using firedrill::testing::ReadFile;
using firedrill::testing::Snapshot;

SysTime Day(int year, unsigned month, unsigned day, int hour = 0) {
  // Days from civil for the test's March 2026 dates: 2026-03-01 is day 20513.
  REQUIRE(year == 2026);
  REQUIRE(month == 3);
  return SysTime(std::chrono::days(20'513 + day - 1)) + std::chrono::hours(hour);
}

// A state dir with drills of every outcome, their windows on consecutive days of March 2026,
// their events as the engine records them (typed payloads, each naming its run).
struct OutcomeRecords {
  std::string current_drill_;
  TempDir tmp;
  fs::path state = tmp.path() / "state";

  OutcomeRecords() {
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    unsigned day = 1;
    // One run of a drill: run-started, then `events` (each given the run's id).
    using Add = std::function<void(const std::string& run)>;
    auto drill = [&](const std::string& id, const std::string& service, std::vector<Add> runs) {
      DrillRecord d;
      d.id = id;
      d.title = id;
      d.service = service;
      d.owner = "lead@example.com";
      d.zone = "Europe/Copenhagen";
      d.window_start = Day(2026, 3, day, 9);
      d.window_end = d.window_start + std::chrono::hours(1);
      ++day;
      REQUIRE(DrillTable(*db).UpsertDrill(d).ok());
      int n = 0;
      for (const Add& add : runs) {
        std::string run = id + "-" + std::to_string(++n);
        REQUIRE(AppendTyped(*db, id, EventKind::kRunStarted, "orchestrator", RunStarted{.run = run})
                    .ok());
        current_drill_ = id;
        add(run);
      }
    };
    auto event = [&](EventKind kind, const auto& payload) {
      REQUIRE(AppendTyped(*db, current_drill_, kind, "orchestrator", payload).ok());
    };
    auto injected = [&](const std::string& run) {
      event(EventKind::kFaultInjected,
            FaultInjected{.fault = "f1", .kind = "command", .target = "here", .run = run});
    };
    auto ended = [&](const std::string& run, bool team) {
      event(EventKind::kRunEnded, RunEnded{.recovered_by_team = team, .run = run});
    };
    drill("d1-recovered", "checkout", {[&](const std::string& run) {
            injected(run);
            ended(run, true);
          }});
    drill("d2-auto", "checkout", {[&](const std::string& run) {
            injected(run);
            event(EventKind::kProbeRed, ProbeChange{.probe = "health", .run = run});
            ended(run, false);
          }});
    drill("d3-aborted", "search", {[&](const std::string& run) {
            injected(run);
            event(EventKind::kAbortRequested,
                  AbortRequested{.by = "lead", .reason = "customer impact", .run = run});
            event(EventKind::kRestoreStarted,
                  RestoreStarted{.reason = "aborted by lead: customer impact", .run = run});
            ended(run, false);
          }});
    drill("d4-aborted-waiting", "search", {[&](const std::string& run) {
            event(EventKind::kAborted, Aborted{.reason = "SIGINT received", .run = run});
          }});
    drill("d5-refused", "search", {[&](const std::string& run) {
            event(EventKind::kPreflightRefused,
                  PreflightRefused{.reasons = {"probe x is red"}, .run = run});
          }});
    drill("d6-incomplete", "checkout", {[&](const std::string& run) {
            injected(run);
            event(EventKind::kRestoreIncomplete,
                  RunEnded{.remaining = {{.fault = "f1", .error = "host down", .undo = "x"}},
                           .run = run});
          }});
    drill("d7-running", "checkout", {[&](const std::string& run) { injected(run); }});
    // Refused once, then run again and recovered: the latest run counts.
    drill("d8-rerun", "search",
          {[&](const std::string& run) {
             event(EventKind::kPreflightRefused, PreflightRefused{.run = run});
           },
           [&](const std::string& run) {
             injected(run);
             ended(run, true);
           }});
    // Recovered once, then running again: the latest run is in progress, whatever the
    // previous one's ending said.
    drill("d9-again", "search",
          {[&](const std::string& run) {
             injected(run);
             ended(run, true);
           },
           [&](const std::string& run) { injected(run); }});
  }

  std::vector<std::string> Ids(std::vector<std::string> args) {
    args.insert(args.begin(), {"records", "list", "--json", "--state", state.string()});
    Run r = Cli(args);
    INFO(r.err);
    REQUIRE(r.status == kExitOk);
    std::vector<std::string> ids;
    json::value rows = json::parse(r.out);
    for (const json::value& v : rows.as_array()) {
      ids.emplace_back(v.at("id").as_string());
    }
    return ids;
  }
};

// A state dir with `n` events, optionally checkpointed through the CLI.
fs::path MakeLog(const fs::path& state, int first, int last) {
  auto db = Database::Open(state, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  EventLog log(*db);
  for (int i = first; i <= last; ++i) {
    REQUIRE(log.Append({"drill-a",
                        "step",
                        "orchestrator",
                        "{\"step\":" + std::to_string(i) + ",\"note\":\"a, \\\"quoted\\\"\"}",
                        {}})
                .ok());
  }
  return state;
}

}  // namespace

TEST_CASE("records list shows each drill's outcome and filters by it", "[cli][records]") {
  OutcomeRecords f;
  Run text = Cli({"records", "list", "--state", f.state.string()});
  REQUIRE(text.status == kExitOk);
  CHECK_THAT(text.out, Catch::StartsWith("ID "));
  CHECK_THAT(text.out.substr(0, text.out.find('\n')), Catch::EndsWith("EVENTS OUTCOME"));
  CHECK_THAT(text.out, Catch::Contains(" restore-incomplete\n"));
  CHECK_THAT(text.out, Catch::Matches("(.|\n)*d7-running [^\n]* 2 in-progress\n(.|\n)*"));

  auto rows = json::parse(Cli({"records", "list", "--json", "--state", f.state.string()}).out);
  std::map<std::string, json::value> outcome;
  for (const json::value& v : rows.as_array()) {
    outcome[std::string(v.at("id").as_string())] = v.at("outcome");
  }
  CHECK(outcome["d1-recovered"] == "recovered-by-team");
  CHECK(outcome["d2-auto"] == "auto-restored");
  CHECK(outcome["d3-aborted"] == "aborted");
  CHECK(outcome["d4-aborted-waiting"] == "not-injected");
  CHECK(outcome["d5-refused"] == "refused");
  CHECK(outcome["d6-incomplete"] == "restore-incomplete");
  CHECK(outcome["d7-running"] == "in-progress");
  CHECK(outcome["d8-rerun"] == "recovered-by-team");
  CHECK(outcome["d9-again"] == "in-progress");

  using V = std::vector<std::string>;
  // "recovered" is what earlier versions called recovered-by-team.
  CHECK(f.Ids({"--outcome", "recovered"}) == V{"d1-recovered", "d8-rerun"});
  CHECK(f.Ids({"--outcome", "recovered-by-team"}) == V{"d1-recovered", "d8-rerun"});
  CHECK(f.Ids({"--outcome", "auto-restored"}) == V{"d2-auto"});
  CHECK(f.Ids({"--outcome", "aborted"}) == V{"d3-aborted"});
  CHECK(f.Ids({"--outcome", "not-injected"}) == V{"d4-aborted-waiting"});
  CHECK(f.Ids({"--outcome", "refused"}) == V{"d5-refused"});
  CHECK(f.Ids({"--outcome", "restore-incomplete"}) == V{"d6-incomplete"});
  CHECK(f.Ids({"--outcome", "in-progress"}) == V{"d7-running", "d9-again"});
  CHECK(f.Ids({"--outcome", "refused", "--service", "search"}) == V{"d5-refused"});

  Run bad = Cli({"records", "list", "--outcome", "recoverd", "--state", f.state.string()});
  CHECK(bad.status == kExitUsage);
  CHECK_THAT(bad.err, Catch::Contains("--outcome \"recoverd\" is not one of"));
}

TEST_CASE("records show names each run's outcome as records list and the reports do",
          "[cli][records]") {
  OutcomeRecords f;
  std::map<std::string, std::string> latest;  // records list: each drill's latest run's outcome
  const json::value listed =
      json::parse(Cli({"records", "list", "--json", "--state", f.state.string()}).out);
  for (const json::value& v : listed.as_array()) {
    latest[std::string(v.at("id").as_string())] = std::string(v.at("outcome").as_string());
  }
  REQUIRE(latest.size() == 9);
  for (const auto& [id, outcome] : latest) {
    INFO(id);
    Run json_show = Cli({"records", "show", id, "--json", "--state", f.state.string()});
    REQUIRE(json_show.status == kExitOk);
    const json::value shown = json::parse(json_show.out);
    const json::array& runs = shown.at("runs").as_array();
    REQUIRE(!runs.empty());
    CHECK(runs.back().at("outcome").as_string() == outcome);

    Run text = Cli({"records", "show", id, "--state", f.state.string()});
    REQUIRE(text.status == kExitOk);
    const std::string header = fmt::format("Run {}-{} ({} of {}): file -, outcome {}", id,
                                           runs.size(), runs.size(), runs.size(), outcome);
    CHECK_THAT(text.out, Catch::Contains(header));
  }
  // The earlier runs too: each derived from its own events.
  auto first_outcome = [&](const std::string& id) {
    Run r = Cli({"records", "show", id, "--json", "--state", f.state.string()});
    REQUIRE(r.status == kExitOk);
    return std::string(json::parse(r.out).at("runs").at(0).at("outcome").as_string());
  };
  CHECK(first_outcome("d8-rerun") == "refused");
  CHECK(first_outcome("d9-again") == "recovered-by-team");
  Run running =
      Cli({"records", "show", "d7-running", "--run", "d7-running-1", "--state", f.state.string()});
  CHECK_THAT(running.out,
             Catch::Contains("Run d7-running-1: file -, outcome in-progress (not ended: running, "
                             "or its process died: firedrill recover)"));
}

TEST_CASE("records list filters by window start with dates and ISO-8601 times", "[cli][records]") {
  OutcomeRecords f;  // windows start at 09:00 UTC on 2026-03-01 .. 2026-03-08
  using V = std::vector<std::string>;
  CHECK(f.Ids({"--from", "2026-03-07"}) == V{"d7-running", "d8-rerun", "d9-again"});
  CHECK(f.Ids({"--to", "2026-03-02"}) == V{"d1-recovered", "d2-auto"});  // the whole day
  CHECK(f.Ids({"--from", "2026-03-03", "--to", "2026-03-03"}) == V{"d3-aborted"});
  CHECK(f.Ids({"--from", "2026-03-03T09:00:00Z", "--to", "2026-03-04T09:00Z"}) ==
        V{"d3-aborted", "d4-aborted-waiting"});
  CHECK(f.Ids({"--from", "2026-03-03T09:00:00.001Z", "--to", "2026-03-04T08:59:59.999Z"}).empty());
  // 10:00+01:00 is 09:00 UTC.
  CHECK(f.Ids({"--from", "2026-03-05T10:00+01:00", "--to", "2026-03-05T10:00:00+01:00"}) ==
        V{"d5-refused"});
  CHECK(f.Ids({"--to", "2026-03-02", "--outcome", "recovered"}) == V{"d1-recovered"});

  for (const char* bad : {"2026-3-1", "yesterday", "2026-02-30", "2026-03-01T25:00Z",
                          "2026-03-01T09:00+0x:00", "2026-03-01T09:00:00Zjunk"}) {
    Run r = Cli({"records", "list", "--from", bad, "--state", f.state.string()});
    INFO(bad);
    CHECK(r.status == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains(std::string("--from \"") + bad + "\""));
  }
  Run empty = Cli({"records", "list", "--from", "2026-03-05", "--to", "2026-03-04", "--state",
                   f.state.string()});
  CHECK(empty.status == kExitUsage);
  CHECK_THAT(empty.err, Catch::Contains("the period is empty"));
}

TEST_CASE("records checkpoint signs the head and verify reports what it covers", "[cli][records]") {
  TempDir tmp;
  fs::path state = MakeLog(tmp.path() / "state", 1, 10);
  Run none = Cli({"records", "verify", "--state", state.string()});
  CHECK(none.status == kExitOk);
  CHECK_THAT(none.out, Catch::Contains("no checkpoints yet"));

  Run cp = Cli({"records", "checkpoint", "--json", "--state", state.string()});
  INFO(cp.err);
  REQUIRE(cp.status == kExitOk);
  CHECK(json::parse(cp.out).at("seq").as_int64() == 10);
  MakeLog(state, 11, 13);

  Run v = Cli({"records", "verify", "--state", state.string()});
  CHECK(v.status == kExitOk);
  CHECK_THAT(v.out, Catch::Contains("ok: 13 events verified; the chain is intact"));
  CHECK_THAT(v.out, Catch::Contains("ok: 1 checkpoint verified"));
  CHECK_THAT(v.out, Catch::Contains("covers events up to #10"));
  CHECK_THAT(v.out, Catch::Contains("3 events (#11..#13) not yet covered by a checkpoint"));

  Run j = Cli({"records", "verify", "--json", "--state", state.string()});
  auto o = json::parse(j.out).as_object();
  CHECK(o.at("ok") == true);
  CHECK(o.at("checkpoints") == 1);
  CHECK(o.at("events_not_covered") == 3);
  CHECK(o.at("last_checkpoint").at("seq") == 10);

  Run missing = Cli({"records", "checkpoint", "--state", (tmp.path() / "nothing").string()});
  CHECK(missing.status == kExitStateError);
  CHECK_FALSE(fs::exists(tmp.path() / "nothing"));
}

TEST_CASE("records verify exits 5 on truncation below a checkpoint, naming what is missing",
          "[cli][records]") {
  TempDir tmp;
  fs::path state = MakeLog(tmp.path() / "state", 1, 12);
  REQUIRE(Cli({"records", "checkpoint", "--state", state.string()}).status == kExitOk);
  TamperSql(state, "DELETE FROM events WHERE seq > 8");
  Run v = Cli({"records", "verify", "--state", state.string()});
  CHECK(v.status == kExitTampered);
  CHECK_THAT(v.out, Catch::Contains("ok: 8 events verified; the chain is intact"));
  CHECK_THAT(v.out, Catch::Contains("TAMPERED: events 9..12 missing (truncated?): checkpoint 1"));
  CHECK_THAT(v.out, Catch::Contains("first bad event: #9"));
  CHECK_THAT(v.out, Catch::Contains("bad checkpoint: 1"));

  auto o = json::parse(Cli({"records", "verify", "--json", "--state", state.string()}).out);
  CHECK(o.at("ok") == false);
  CHECK(o.at("first_bad_event") == 9);
  CHECK(o.at("bad_checkpoint") == 1);
  CHECK_THAT(std::string(o.at("problem").as_string()), Catch::Contains("truncated"));
}

TEST_CASE("records verify --pubkey checks a copied state dir without the private key",
          "[cli][records]") {
  TempDir tmp;
  fs::path state = MakeLog(tmp.path() / "state", 1, 6);
  REQUIRE(Cli({"records", "checkpoint", "--state", state.string()}).status == kExitOk);
  Run pub = Cli({"records", "pubkey", "--state", state.string()});
  REQUIRE(pub.status == kExitOk);
  CHECK_THAT(pub.out, Catch::StartsWith("-----BEGIN PUBLIC KEY-----"));
  fs::path pem = tmp.path() / "firedrill.pub";
  std::ofstream(pem) << pub.out;

  fs::path copy = tmp.path() / "copy";
  fs::create_directory(copy);
  fs::copy_file(state / "firedrill.db", copy / "firedrill.db");

  Run no_key = Cli({"records", "verify", "--state", copy.string()});
  CHECK(no_key.status == kExitStateError);
  CHECK_THAT(no_key.err, Catch::Contains("--pubkey"));

  Run ok = Cli({"records", "verify", "--pubkey", pem.string(), "--state", copy.string()});
  INFO(ok.err);
  CHECK(ok.status == kExitOk);
  CHECK_THAT(ok.out, Catch::Contains("ok: 1 checkpoint verified"));
  CHECK_FALSE(fs::exists(copy / "checkpoint-key.pem"));

  TempDir other;
  fs::path other_state = MakeLog(other.path() / "s", 1, 1);
  REQUIRE(Cli({"records", "checkpoint", "--state", other_state.string()}).status == kExitOk);
  fs::path wrong = tmp.path() / "wrong.pub";
  std::ofstream(wrong) << Cli({"records", "pubkey", "--state", other_state.string()}).out;
  Run bad = Cli({"records", "verify", "--pubkey", wrong.string(), "--state", copy.string()});
  CHECK(bad.status == kExitTampered);
  CHECK_THAT(bad.out, Catch::Contains("TAMPERED: checkpoint 1 was altered or forged"));
  CHECK_THAT(bad.out, Catch::Contains("wrong --pubkey?"));

  fs::path junk = tmp.path() / "junk.pem";
  std::ofstream(junk) << "hello\n";
  Run unusable = Cli({"records", "verify", "--pubkey", junk.string(), "--state", copy.string()});
  CHECK(unusable.status == kExitFailure);
  CHECK_THAT(unusable.err, Catch::Contains(junk.string()));
}

TEST_CASE("records export writes JSONL and CSV, and verify --from-export checks it offline",
          "[cli][records]") {
  TempDir tmp;
  fs::path state = MakeLog(tmp.path() / "state", 1, 9);
  REQUIRE(Cli({"records", "checkpoint", "--state", state.string()}).status == kExitOk);
  MakeLog(state, 10, 11);
  fs::path pem = tmp.path() / "firedrill.pub";
  std::ofstream(pem) << Cli({"records", "pubkey", "--state", state.string()}).out;

  fs::path out = tmp.path() / "audit" / "records.jsonl";
  fs::create_directory(out.parent_path());
  Run e = Cli({"records", "export", "--output", out.string(), "--state", state.string()});
  INFO(e.err);
  REQUIRE(e.status == kExitOk);
  CHECK_THAT(e.out, Catch::Contains("exported 11 events and 1 checkpoint to " + out.string()));
  CHECK_FALSE(fs::exists(out.string() + ".partial"));

  // Offline: no state dir at all, only the export and the public key.
  fs::path nowhere = tmp.path() / "no-state";
  Run v = Cli({"records", "verify", "--from-export", out.string(), "--pubkey", pem.string(),
               "--state", nowhere.string()});
  INFO(v.err);
  CHECK(v.status == kExitOk);
  CHECK_THAT(v.out, Catch::Contains("ok: 11 events verified"));
  CHECK_THAT(v.out, Catch::Contains("2 events (#10..#11) not yet covered"));
  CHECK_FALSE(fs::exists(nowhere));

  // Cut the export's last events below the checkpoint: exit 5, naming the first missing one.
  std::string text = ReadFile(out);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 14);  // header, 11 events, the checkpoint, the end line
  fs::path cut = tmp.path() / "cut.jsonl";
  {
    std::ofstream c(cut);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i < 8 || i == 12 || i == 13) c << lines[i] << "\n";  // header, events 1-7, the rest
    }
  }
  Run t = Cli({"records", "verify", "--from-export", cut.string(), "--pubkey", pem.string(),
               "--json", "--state", nowhere.string()});
  CHECK(t.status == kExitTampered);
  CHECK(json::parse(t.out).at("first_bad_event") == 8);

  Run csv = Cli({"records", "export", "--format", "csv", "--state", state.string()});
  REQUIRE(csv.status == kExitOk);
  CHECK_THAT(csv.out, Catch::StartsWith("seq,ts,drill,kind,actor,payload,prev_hash,hash\r\n"));
  CHECK_THAT(csv.out,
             Catch::Contains(",\"{\"\"step\"\":1,\"\"note\"\":\"\"a, \\\"\"quoted\\\"\"\"\"}\","));
  Run cps = Cli(
      {"records", "export", "--format", "csv", "--what", "checkpoints", "--state", state.string()});
  CHECK_THAT(cps.out, Catch::StartsWith("id,seq,ts,head_hash,prev_hash,key_id,signature,version,"
                                        "prev_seq\r\n1,9,"));

  CHECK(Cli({"records", "export", "--format", "xml", "--state", state.string()}).status ==
        kExitUsage);
  // --json, as on every command that writes JSON: the JSONL export, the same bytes.
  Run as_json = Cli({"records", "export", "--json", "--state", state.string()});
  REQUIRE(as_json.status == kExitOk);
  Run as_jsonl = Cli({"records", "export", "--format", "jsonl", "--state", state.string()});
  CHECK(json::parse(as_json.out.substr(0, as_json.out.find('\n'))).at("type") ==
        json::parse(as_jsonl.out.substr(0, as_jsonl.out.find('\n'))).at("type"));
  CHECK(std::count(as_json.out.begin(), as_json.out.end(), '\n') ==
        std::count(as_jsonl.out.begin(), as_jsonl.out.end(), '\n'));
  CHECK(Cli({"records", "export", "--json", "--format", "csv", "--state", state.string()}).status ==
        kExitUsage);
  CHECK(Cli({"records", "export", "--format", "csv", "--what", "all", "--state", state.string()})
            .status == kExitUsage);
  Run filtered = Cli({"records", "export", "--from", "2000-01-01", "--to", "2000-01-02", "--state",
                      state.string()});
  REQUIRE(filtered.status == kExitOk);
  CHECK(std::count(filtered.out.begin(), filtered.out.end(), '\n') == 2);  // header, end line
  Run missing = Cli({"records", "verify", "--from-export", (tmp.path() / "none.jsonl").string()});
  CHECK(missing.status == kExitFailure);
  CHECK_THAT(missing.err, Catch::Contains("none.jsonl"));
}

TEST_CASE("records verify --from-export fails on an export stripped of its checkpoints",
          "[cli][records]") {
  TempDir tmp;
  fs::path state = MakeLog(tmp.path() / "state", 1, 5);
  REQUIRE(Cli({"records", "checkpoint", "--state", state.string()}).status == kExitOk);
  fs::path pem = tmp.path() / "firedrill.pub";
  std::ofstream(pem) << Cli({"records", "pubkey", "--state", state.string()}).out;
  fs::path out = tmp.path() / "records.jsonl";
  REQUIRE(Cli({"records", "export", "--output", out.string(), "--state", state.string()}).status ==
          kExitOk);
  fs::path cut = tmp.path() / "cut.jsonl";
  {
    std::istringstream in(ReadFile(out));
    std::ofstream c(cut);
    for (std::string l; std::getline(in, l);) {
      if (l.find("\"type\":\"checkpoint\"") == std::string::npos) c << l << "\n";
    }
  }
  Run v = Cli({"records", "verify", "--from-export", cut.string(), "--pubkey", pem.string(),
               "--state", (tmp.path() / "none").string()});
  CHECK(v.status == kExitTampered);
  CHECK_THAT(v.out, Catch::Contains("TAMPERED"));
  // Signing a checkpoint now would not mend an export: the advice must say what would.
  CHECK_THAT(v.out, !Catch::Contains("firedrill records checkpoint signs one now"));
}

TEST_CASE("read-only records commands create nothing, not even the checkpoint key",
          "[cli][records]") {
  TempDir tmp;
  fs::path state = MakeLog(tmp.path() / "state", 1, 3);
  fs::path out = tmp.path() / "export.jsonl";
  auto read_only = [&] {
    CHECK(Cli({"records", "list", "--outcome", "aborted", "--from", "2026-01-01", "--state",
               state.string()})
              .status == kExitOk);
    CHECK(Cli({"records", "verify", "--json", "--state", state.string()}).status == kExitOk);
    CHECK(Cli({"records", "export", "--state", state.string()}).status == kExitOk);
    CHECK(Cli({"records", "export", "--format", "csv", "--state", state.string()}).status ==
          kExitOk);
    CHECK(Cli({"records", "export", "--output", out.string(), "--state", state.string()}).status ==
          kExitOk);
    CHECK(Cli({"records", "verify", "--from-export", out.string(), "--state", state.string()})
              .status == kExitOk);
  };
  SECTION("before any checkpoint") {
    auto before = Snapshot(state);
    read_only();
    CHECK(Cli({"records", "pubkey", "--state", state.string()}).status == kExitStateError);
    CHECK(Snapshot(state) == before);
    CHECK_FALSE(fs::exists(state / "checkpoint-key.pem"));
  }
  SECTION("with checkpoints") {
    REQUIRE(Cli({"records", "checkpoint", "--state", state.string()}).status == kExitOk);
    auto before = Snapshot(state);
    read_only();
    CHECK(Cli({"records", "pubkey", "--json", "--state", state.string()}).status == kExitOk);
    CHECK(Snapshot(state) == before);
  }
  fs::path missing = tmp.path() / "never-created";
  CHECK(Cli({"records", "export", "--state", missing.string()}).status == kExitStateError);
  CHECK(Cli({"records", "pubkey", "--state", missing.string()}).status == kExitStateError);
  CHECK_FALSE(fs::exists(missing));
}
