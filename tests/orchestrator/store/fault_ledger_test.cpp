#include "orchestrator/store/fault_ledger.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::TempDir;

namespace {

LedgerEntry Entry(const std::string& fault) {
  LedgerEntry e;
  e.run_id = "run-1";
  e.drill_id = "d";
  e.fault_id = fault;
  e.kind = "command";
  e.target = "here";
  e.drill_source = "id = \"d\"";
  e.drill_file = "d.toml";
  e.state = "{}";
  return e;
}

}  // namespace

TEST_CASE("ledger entries stay outstanding until marked restored", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  FaultLedger ledger(*db);
  auto a = ledger.RecordIntent(Entry("a"));
  auto b = ledger.RecordIntent(Entry("b"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*b > *a);
  REQUIRE(ledger.SetStatus(*a, LedgerStatus::kInjected).ok());
  REQUIRE(ledger.SetStatus(*b, LedgerStatus::kRestored).ok());
  auto open = ledger.Outstanding();
  REQUIRE(open.ok());
  REQUIRE(open->size() == 1);
  CHECK(open->at(0).fault_id == "a");
  CHECK(open->at(0).status == LedgerStatus::kInjected);
  REQUIRE(ledger.SetStatus(*a, LedgerStatus::kRestoreFailed, "exit 1").ok());
  CHECK(ledger.Outstanding()->at(0).note == "exit 1");
  CHECK(ledger.ForRun("run-1")->size() == 2);
}

TEST_CASE("a version 1 database migrates to the ledger schema with its events intact", "[store]") {
  TempDir tmp;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    REQUIRE(EventLog(*db).Append({"d", "drill-scheduled", "lead", "{}", {}}).ok());
  }
  {
    // Turn it back into what version 1 wrote: no ledger (or later) tables, user_version 1.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open((tmp.path() / "firedrill.db").c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "DROP TABLE fault_ledger; DROP TABLE checkpoints; DROP TABLE tokens; "
                         "DROP TABLE schedules; DROP TABLE blackouts; DROP TABLE runs; "
                         "DROP TABLE freezes; "
                         "PRAGMA user_version = 1",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  CHECK(FaultLedger(*db).Outstanding().ok());
  auto report = EventLog(*db).Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->events_checked == 1);
}
