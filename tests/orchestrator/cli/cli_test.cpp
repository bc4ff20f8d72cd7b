#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "drills/zoned_time.h"
#include "orchestrator/cli/command.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "tests/support/cli_run.h"
#include "tests/support/dir_snapshot.h"
#include "tests/support/doc_output.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;

namespace {

using Run = testing::CliResult;
using testing::Cli;

using firedrill::testing::Snapshot;

const std::string kExample =
    std::string(FIREDRILL_SOURCE_DIR) + "/drills/examples/db-port-blackhole.toml";

}  // namespace

TEST_CASE("validate accepts the examples and names every problem of a bad file", "[cli]") {
  Run ok = Cli({"validate", kExample});
  INFO(ok.err);
  CHECK(ok.status == kExitOk);
  CHECK_THAT(ok.out, Catch::Contains(": ok: drill"));

  TempDir tmp;
  fs::path bad = tmp.path() / "bad.toml";
  std::ofstream(bad) << "id = \"Bad Id\"\ntitle = 3\n";
  Run r = Cli({"validate", bad.string()});
  CHECK(r.status == kExitInvalidDrill);
  CHECK_THAT(r.err, Catch::Contains(bad.string() + ":1:6: drill: \"id\" must be lowercase"));
  CHECK_THAT(r.err, Catch::Contains(bad.string() + ":2:9: drill: \"title\" must be a string"));
  CHECK_THAT(r.err, Catch::Contains("missing required key \"window\""));

  Run j = Cli({"validate", "--json", bad.string()});
  auto v = boost::json::parse(j.out);
  CHECK(v.at(0).at("ok").as_bool() == false);
  CHECK(v.at(0).at("errors").as_array().size() >= 3);
  CHECK(v.at(0).at("errors").at(0).at("line").as_int64() == 1);
}

TEST_CASE("plan prints the timeline in the drill's zone and UTC", "[cli]") {
  Run r = Cli({"plan", kExample});
  INFO(r.err);
  REQUIRE(r.status == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("announce by"));
  CHECK_THAT(r.out, Catch::Contains("auto-restore begins"));
  Run j = Cli({"plan", "--json", kExample});
  REQUIRE(j.status == kExitOk);
  auto v = boost::json::parse(j.out);
  CHECK(v.at("faults").as_array().size() >= 1);
  CHECK(v.at("window_start").at("utc").as_string().back() == 'Z');
}

TEST_CASE("usage errors exit 2 and suggest the right spelling", "[cli]") {
  Run r = Cli({"valdate", "x"});
  CHECK(r.status == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("did you mean \"validate\"?"));
  Run o = Cli({"plan", "--jsn", "x"});
  CHECK(o.status == kExitUsage);
  CHECK_THAT(o.err, Catch::Contains("did you mean \"--json\"?"));
  CHECK(Cli({"plan"}).status == kExitUsage);
  // A missing argument is named as the usage line writes it.
  CHECK_THAT(Cli({"validate"}).err, Catch::Contains("firedrill validate: missing FILE"));
  Run ack = Cli({"ack", "--by", "alice"});
  CHECK(ack.status == kExitUsage);
  CHECK_THAT(ack.err, Catch::Contains("firedrill ack: missing detected|recovered"));
  Run h = Cli({"plan", "--help"});
  CHECK(h.status == kExitOk);
  CHECK_THAT(h.out, Catch::Contains("Example:"));
  CHECK(Cli({"--version"}).out.find("firedrill ") == 0);
}

TEST_CASE("a command group's --help lists its subcommands with their summaries", "[cli][help]") {
  for (const std::string group : {"records", "blackout", "plugins", "token"}) {
    INFO(group);
    for (const std::string help : {"--help", "-h"}) {
      Run r = Cli({group, help});
      CHECK(r.status == kExitOk);
      CHECK(r.err.empty());
      CHECK_THAT(r.out, Catch::StartsWith("Usage: firedrill " + group + " SUBCOMMAND"));
      for (const Command& c : Commands()) {
        if (c.name.rfind(group + " ", 0) != 0) continue;
        CHECK_THAT(r.out, Catch::Contains(c.name) && Catch::Contains(c.summary));
      }
    }
  }
  CHECK(Cli({"help", "records"}).status == kExitOk);
  // Without --help, a missing subcommand is still a usage error.
  CHECK(Cli({"records"}).status == kExitUsage);
}

TEST_CASE("read-only commands leave a missing or existing state directory untouched", "[cli]") {
  TempDir tmp;
  fs::path missing = tmp.path() / "never-created";
  CHECK(Cli({"records", "list", "--state", missing.string()}).status == kExitOk);
  CHECK(Cli({"records", "verify", "--state", missing.string()}).status == kExitStateError);
  CHECK(Cli({"records", "show", "x", "--state", missing.string()}).status == kExitStateError);
  CHECK_FALSE(fs::exists(missing));

  fs::path state = tmp.path() / "state";
  {
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    EventLog log(*db);
    REQUIRE(log.Append({"d1", "drill-scheduled", "lead@example.com", "{\"n\":1}", {}}).ok());
  }
  auto before = Snapshot(state);
  CHECK(Cli({"records", "list", "--state", state.string()}).status == kExitOk);
  CHECK(Cli({"records", "verify", "--state", state.string()}).status == kExitOk);
  CHECK(Cli({"validate", "--state", state.string(), "/nonexistent.toml"}).status ==
        kExitInvalidDrill);
  CHECK(Snapshot(state) == before);
}

TEST_CASE("records show and verify read what was recorded", "[cli]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  {
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    DrillRecord d;
    d.id = "checkout-db-blackhole";
    d.title = "Checkout loses its database";
    d.service = "checkout";
    d.owner = "lead@example.com";
    d.zone = "Europe/Copenhagen";
    REQUIRE(DrillTable(*db).UpsertDrill(d).ok());
    EventLog log(*db);
    for (const char* kind : {"drill-scheduled", "window-opened", "fault-injected"}) {
      REQUIRE(log.Append({d.id, kind, "orchestrator", "{}", {}}).ok());
    }
  }
  Run list = Cli({"records", "list", "--json", "--state", state.string()});
  REQUIRE(list.status == kExitOk);
  auto v = boost::json::parse(list.out);
  CHECK(v.at(0).at("id").as_string() == "checkout-db-blackhole");
  CHECK(v.at(0).at("events").as_int64() == 3);

  Run show = Cli({"records", "show", "checkout-db-blackhole", "--state", state.string()});
  CHECK(show.status == kExitOk);
  CHECK_THAT(show.out, Catch::Contains("fault-injected"));
  CHECK(Cli({"records", "show", "nope", "--state", state.string()}).status == kExitNotFound);

  Run verify = Cli({"records", "verify", "--json", "--state", state.string()});
  CHECK(verify.status == kExitOk);
  CHECK(boost::json::parse(verify.out).at("events_checked").as_int64() == 3);
}

TEST_CASE("records show prints a drill's runs as docs/records.md quotes it", "[cli][docs]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  {
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    DrillRecord d;
    d.id = "checkout-db-blackhole";
    d.title = "Checkout loses its database";
    d.service = "checkout";
    d.owner = "lead@example.com";
    d.zone = "Europe/Copenhagen";
    d.source_file = "checkout.toml";
    d.source_sha256 = "9c1f3e5a0b7d2c4e6f8091a3b5c7d9e1f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c1";
    REQUIRE(DrillTable(*db).UpsertDrill(d).ok());
    EventLog log(*db);
    auto add = [&](const char* kind, const std::string& payload) {
      REQUIRE(log.Append({d.id, kind, "orchestrator", payload, {}}).ok());
    };
    add("drill-scheduled", "{}");
    add("run-started", R"({"run":"checkout-db-blackhole-1803891600000","file":"checkout.toml"})");
    add("fault-injected", R"({"run":"checkout-db-blackhole-1803891600000","fault":"f1"})");
    add("run-ended",
        R"({"run":"checkout-db-blackhole-1803891600000","outcome":"recovered-by-team",)"
        R"("recovered_by_team":true})");
    add("run-started", R"({"run":"checkout-db-blackhole-1803978000000","file":"checkout.toml"})");
  }
  Run show = Cli({"records", "show", "checkout-db-blackhole", "--state", state.string()});
  REQUIRE(show.status == kExitOk);
  testing::CheckDocOutput("records-show-runs", show.out);
}

TEST_CASE("records show lists a drill run twice as two runs and --run picks one", "[cli]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  {
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    DrillRecord d;
    d.id = "twice";
    d.title = "Run twice";
    d.zone = "UTC";
    d.source_file = "b.toml";
    REQUIRE(DrillTable(*db).UpsertDrill(d).ok());
    EventLog log(*db);
    auto add = [&](const char* kind, const std::string& payload) {
      REQUIRE(log.Append({d.id, kind, "orchestrator", payload, {}}).ok());
    };
    add("drill-scheduled", "{}");
    add("run-started", R"({"run":"twice-1","file":"a.toml"})");
    add("run-started", R"({"run":"twice-2","file":"b.toml"})");  // interleaved with run 1
    add("fault-injected", R"({"run":"twice-1","fault":"f"})");
    add("run-ended", R"({"run":"twice-1","outcome":"recovered-by-team","recovered_by_team":true})");
    add("preflight-refused", R"({"run":"twice-2","reasons":["probe red"]})");
  }
  Run show = Cli({"records", "show", "twice", "--state", state.string()});
  REQUIRE(show.status == kExitOk);
  INFO(show.out);
  CHECK_THAT(show.out, Catch::Contains("2 runs, 6 events"));
  CHECK_THAT(show.out, Catch::Contains("Not part of a run"));
  const auto run1 = show.out.find("Run twice-1 (1 of 2): file a.toml, outcome recovered-by-team");
  const auto run2 = show.out.find("Run twice-2 (2 of 2): file b.toml, outcome refused");
  REQUIRE(run1 != std::string::npos);
  REQUIRE(run2 != std::string::npos);
  CHECK(run1 < run2);
  // Run 1's events are under its header, not under run 2's.
  const auto injected = show.out.find("fault-injected");
  CHECK((injected > run1 && injected < run2));
  CHECK_THAT(show.out, Catch::Contains("firedrill postmortem twice --run twice-1"));

  Run one = Cli({"records", "show", "twice", "--run", "twice-2", "--state", state.string()});
  REQUIRE(one.status == kExitOk);
  CHECK_THAT(one.out, Catch::Contains("1 run, 2 events"));
  CHECK_THAT(one.out, !Catch::Contains("fault-injected"));
  CHECK_THAT(one.out, !Catch::Contains("drill-scheduled"));

  Run json = Cli({"records", "show", "twice", "--json", "--state", state.string()});
  REQUIRE(json.status == kExitOk);
  auto v = boost::json::parse(json.out);
  REQUIRE(v.at("runs").as_array().size() == 2);
  CHECK(v.at("runs").at(0).at("run").as_string() == "twice-1");
  CHECK(v.at("runs").at(0).at("events").as_array().size() == 3);
  CHECK(v.at("events").as_array().size() == 6);

  Run missing = Cli({"records", "show", "twice", "--run", "twice-9", "--state", state.string()});
  CHECK(missing.status == kExitNotFound);
  CHECK_THAT(missing.err, Catch::Contains("twice-1, twice-2"));
}

namespace {

// A drill file whose window opens an hour from now, with the default 72-hour announcement lead;
// `extra` is added at the top level (before any table).
fs::path DrillInAnHour(const fs::path& dir, const std::string& extra) {
  using namespace std::chrono_literals;
  const SysTime start = std::chrono::floor<std::chrono::seconds>(NowUtc() + 1h);
  fs::path file = dir / "soon.toml";
  std::ofstream(file) << "id = \"soon\"\ntitle = \"t\"\nservice = \"s\"\nowner = \"o\"\n"
                      << "playbook = \"p\"\n"
                      << extra << "[window]\nstart = " << FormatUtc(start)
                      << "\nend = " << FormatUtc(start + 1h) << "\nzone = \"UTC\"\n"
                      << "[targets.here]\nlocal = true\n"
                      << "[[faults]]\nkind = \"command\"\ntarget = \"here\"\ninject = \"true\"\n"
                      << "restore = \"true\"\n";
  return file;
}

// The line of `plan`'s "If started now" section that begins with `how`.
std::string StartLine(const std::string& out, const std::string& how) {
  const auto at = out.find("\n  " + how);
  if (at == std::string::npos) return "";
  return out.substr(at + 1, out.find('\n', at + 1) - at - 1);
}

}  // namespace

TEST_CASE("plan says what run and schedule would do with the admission the run applies",
          "[cli][plan]") {
  TempDir tmp;
  const std::string state = (tmp.path() / "state").string();
  SECTION("a run by hand skips the announcement lead; a schedule now is refused for it") {
    Run r = Cli({"plan", "--state", state, DrillInAnHour(tmp.path(), "").string()});
    REQUIRE(r.status == kExitOk);
    INFO(r.out);
    const std::string run = StartLine(r.out, "firedrill run ");
    CHECK_THAT(run, Catch::Contains("then injects (a drill run by hand is not checked against "
                                    "announce.lead)"));
    CHECK_THAT(run, !Catch::Contains("refused"));
    CHECK_THAT(StartLine(r.out, "firedrill schedule (now)"),
               Catch::Contains("would be refused at injection") &&
                   Catch::Contains("announce.lead requires 3d"));
    testing::CheckDocOutput("plan-if-started-now", r.out, {{"CET (+01:00)", "UTC (+00:00)"}});
  }
  SECTION("a required briefing that is not recorded refuses both") {
    Run r = Cli({"plan", "--state", state,
                 DrillInAnHour(tmp.path(), "briefing_required = true\n").string()});
    REQUIRE(r.status == kExitOk);
    INFO(r.out);
    CHECK_THAT(StartLine(r.out, "firedrill run "),
               Catch::Contains("would be refused at injection: the drill requires a briefing"));
    CHECK_THAT(StartLine(r.out, "firedrill schedule (now)"),
               Catch::Contains("the drill requires a briefing"));
  }
  SECTION("an alert guard refuses a run by hand, which no alert reaches") {
    Run r = Cli({"plan", "--state", state,
                 DrillInAnHour(tmp.path(),
                               "[[guards]]\nname = \"paging\"\nkind = \"alert\"\n"
                               "match = { severity = \"page\" }\n")
                     .string()});
    REQUIRE(r.status == kExitOk);
    INFO(r.out);
    CHECK_THAT(StartLine(r.out, "firedrill run "),
               Catch::Contains("would be refused at injection: guard paging watches alerts"));
    CHECK_THAT(StartLine(r.out, "firedrill schedule (now)"),
               !Catch::Contains("guard paging watches alerts"));
  }
}
