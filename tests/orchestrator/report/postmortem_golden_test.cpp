// Golden-file tests of the postmortem: four recorded runs (team recovered, auto-restored,
// aborted by a guard, restore failed) are written into a temporary database with fixed
// timestamps, rendered as Markdown and JSON, and compared byte for byte with golden/.
//
// To regenerate the golden files after an intended change, run the tests with
// FIREDRILL_UPDATE_GOLDEN=1 (e.g. `FIREDRILL_UPDATE_GOLDEN=1 build/dev/tests/orchestrator/report/
// report_tests "[golden]"`) and review the diff before committing it.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "orchestrator/report/postmortem.h"
#include "orchestrator/report/postmortem_lint.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "tests/orchestrator/report/recorded_runs.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::RecordedRun;
using firedrill::testing::RecordedRunId;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compares `actual` with golden/<name>, or rewrites it when FIREDRILL_UPDATE_GOLDEN=1.
void CheckGolden(const std::string& name, const std::string& actual) {
  fs::path file = fs::path(FIREDRILL_REPORT_GOLDEN_DIR) / name;
  const char* update = std::getenv("FIREDRILL_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << actual;
    WARN("rewrote " << file.string());
    return;
  }
  REQUIRE(fs::exists(file));
  std::string expected = ReadFile(file);
  INFO("golden file " << file.string()
                      << " differs; regenerate with FIREDRILL_UPDATE_GOLDEN=1 "
                         "if the change is intended");
  CHECK(actual == expected);
}

// Records run `name` in a fresh state directory and returns its facts, read back by drill id.
RunFacts RecordedFacts(const TempDir& tmp, const std::string& name) {
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  std::vector<NewEvent> events = RecordedRun(name);
  REQUIRE(EventLog(*db).AppendBatch(events).ok());
  auto read = LoadRunEvents(*db, "checkout-" + name, std::nullopt);
  REQUIRE(read.ok());
  REQUIRE(read->size() == events.size());
  return DeriveRunFacts(*read);
}

}  // namespace

TEST_CASE("golden postmortem of a run the team recovered", "[report][golden]") {
  TempDir tmp;
  RunFacts f = RecordedFacts(tmp, "team-recovered");
  CHECK(f.outcome == RunOutcome::kRecoveredByTeam);
  CHECK(f.ttr_probe == Duration(659'850));
  CheckGolden("team-recovered.md", PostmortemMarkdown(f, std::nullopt));
  CheckGolden("team-recovered.json", PostmortemJson(f, std::nullopt));
}

TEST_CASE("golden postmortem of a run auto-restored at window end", "[report][golden]") {
  TempDir tmp;
  RunFacts f = RecordedFacts(tmp, "auto-restored");
  CHECK(f.outcome == RunOutcome::kAutoRestored);
  std::string md = PostmortemMarkdown(f, std::nullopt);
  CHECK_THAT(md, Catch::Contains("**Auto-restored at window end.**"));
  CheckGolden("auto-restored.md", md);
  CheckGolden("auto-restored.json", PostmortemJson(f, std::nullopt));
}

TEST_CASE("golden postmortem of a run a guard aborted", "[report][golden]") {
  TempDir tmp;
  RunFacts f = RecordedFacts(tmp, "aborted");
  CHECK(f.outcome == RunOutcome::kAborted);
  CheckGolden("aborted.md", PostmortemMarkdown(f, std::nullopt));
  CheckGolden("aborted.json", PostmortemJson(f, std::nullopt));
}

TEST_CASE("golden postmortem of a run whose restore failed", "[report][golden]") {
  TempDir tmp;
  RunFacts f = RecordedFacts(tmp, "restore-failed");
  CHECK(f.outcome == RunOutcome::kRestoreIncomplete);
  CheckGolden("restore-failed.md", PostmortemMarkdown(f, std::nullopt));
  CheckGolden("restore-failed.json", PostmortemJson(f, std::nullopt));
}

TEST_CASE("the rendered postmortems pass their own lint and the JSON parses", "[report]") {
  for (const char* name : {"team-recovered", "auto-restored", "aborted", "restore-failed"}) {
    TempDir tmp;
    RunFacts f = RecordedFacts(tmp, name);
    std::string md = PostmortemMarkdown(f, std::nullopt);
    auto findings = LintPostmortem(md, ParticipantsInPostmortem(md));
    INFO(name);
    for (const LintFinding& x : findings) INFO(FormatFinding("pm.md", x));
    CHECK(findings.empty());
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(PostmortemJson(f, std::nullopt), ec);
    REQUIRE(!ec);
    CHECK(v.at("run").as_string() == RecordedRunId(name));
    CHECK(v.at("status").as_string() == "draft");
  }
}

TEST_CASE("WritePostmortemFile writes <state>/postmortems/<run>.md once and never overwrites",
          "[report]") {
  TempDir tmp;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    REQUIRE(EventLog(*db).AppendBatch(RecordedRun("team-recovered")).ok());
  }
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  std::string run = RecordedRunId("team-recovered");
  Status st = WritePostmortemFile(tmp.path(), *db, run);
  INFO((st.ok() ? "" : st.error().message));
  REQUIRE(st.ok());
  fs::path file = PostmortemPath(tmp.path(), run);
  CHECK(file == tmp.path() / "postmortems" / (run + ".md"));
  std::string text = ReadFile(file);
  CHECK_THAT(text, Catch::StartsWith("# Postmortem: Checkout loses its web process"));
  CHECK(!fs::exists(file.string() + ".tmp"));

  std::ofstream(file, std::ios::trunc) << "edited by the team";
  Status again = WritePostmortemFile(tmp.path(), *db, run);
  REQUIRE(!again.ok());
  CHECK_THAT(again.error().message, Catch::Contains("exists already"));
  CHECK(ReadFile(file) == "edited by the team");

  Status missing = WritePostmortemFile(tmp.path(), *db, "checkout-nothing-1");
  REQUIRE(!missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("checkout-nothing-1"));
}
