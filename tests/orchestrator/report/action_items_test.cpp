// The action items the team writes into a postmortem, read back, and written for Jira's CSV
// import; and `firedrill actions` on a recorded run with the team's edited postmortem.
#include "orchestrator/report/action_items.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "orchestrator/exit_status.h"
#include "orchestrator/report/postmortem.h"
#include "tests/orchestrator/report/recorded_runs.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

using testing::kEditedPostmortem;

}  // namespace

TEST_CASE("action items: the rows the team wrote, blank rows and other tables left out",
          "[report][actions]") {
  const std::vector<ActionItem> items = ActionItemsOf(kEditedPostmortem);
  REQUIRE(items.size() == 3);
  CHECK(items[0].type == "prevent");
  CHECK(items[0].action == "Make the restore of fault `reject-pg` reliable");
  CHECK(items[0].owner == "alice@example.com");
  CHECK(items[0].priority == "P1");
  CHECK(items[0].ticket == "OPS-12");
  CHECK(items[0].due == "2027-07-01");
  CHECK(items[1].action == "Page the DBA on-call too, not only SRE | with \"context\", please");
  CHECK(items[2].owner.empty());
  CHECK(ActionItemsOf("# no such section\n").empty());
  CHECK(ActionItemsOf("## Action items\n\nnothing here\n").empty());
}

TEST_CASE("action items: Jira's CSV import shape, quoted as RFC 4180 says", "[report][actions]") {
  const std::string csv = JiraCsv(ActionItemsOf(kEditedPostmortem), "checkout-db", "checkout-db-1");
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  CHECK(line == "Summary,Description,Issue Type,Priority,Assignee,Due date,Labels,Labels,Labels\r");
  std::getline(in, line);
  CHECK(line ==
        "Make the restore of fault `reject-pg` reliable,\"Action item (prevent) from the "
        "postmortem of drill checkout-db, run checkout-db-1 (firedrill). Ticket: OPS-12.\",Task,"
        "Highest,alice@example.com,2027-07-01,firedrill,drill-checkout-db,prevent\r");
  std::getline(in, line);
  // A comma and quotes in the action: quoted, inner quotes doubled.
  CHECK(line.rfind("\"Page the DBA on-call too, not only SRE | with \"\"context\"\", please\",",
                   0) == 0);
  CHECK(line.find(",Task,Medium,bob,,firedrill,") != std::string::npos);
  std::getline(in, line);
  // Not one of Jira's priorities: left empty rather than guessed.
  CHECK(line.find(",Task,,,,firedrill,drill-checkout-db,mitigate\r") != std::string::npos);
  CHECK_FALSE(std::getline(in, line));
}

TEST_CASE("firedrill actions reads the team's postmortem of the latest run", "[report][actions]") {
  testing::TempDir tmp;
  const fs::path state = tmp.path() / "state";
  std::string run_id;
  testing::RecordRunIn(state, "restore-failed");
  run_id = testing::RecordedRunId("restore-failed");
  auto run = [&](const std::vector<std::string>& args, std::string& out) {
    const testing::CliResult r = testing::Cli(args);
    out = r.out + r.err;
    return r.status;
  };
  std::string out;
  // No postmortem file yet: said, with where it was looked for.
  CHECK(run({"actions", "checkout-restore-failed", "--state", state.string()}, out) ==
        kExitNotFound);
  CHECK_THAT(out, Catch::Contains(run_id + ".md"));
  fs::create_directories(state / "postmortems");
  std::ofstream(PostmortemPath(state, run_id)) << kEditedPostmortem;
  CHECK(
      run({"actions", "checkout-restore-failed", "--format", "jira-csv", "--state", state.string()},
          out) == kExitOk);
  CHECK_THAT(out, Catch::StartsWith("Summary,Description,Issue Type"));
  CHECK_THAT(out, Catch::Contains("drill-checkout-restore-failed"));
  CHECK_THAT(out, Catch::Contains("run " + run_id));
  CHECK(run({"actions", "checkout-restore-failed", "--state", state.string()}, out) == kExitOk);
  CHECK_THAT(out, Catch::Contains("prevent  [P1] Make the restore of fault `reject-pg` reliable"
                                  "  (owner alice@example.com)  due 2027-07-01"));
  CHECK(run({"actions", "checkout-restore-failed", "--format", "xlsx", "--state", state.string()},
            out) == kExitUsage);
}

}  // namespace firedrill
