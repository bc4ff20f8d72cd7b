#include "orchestrator/store/drill_table.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "orchestrator/store/database.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

using testing::TempDir;

DrillRecord Record(std::string id, std::int64_t start_ms) {
  DrillRecord d;
  d.id = std::move(id);
  d.title = "Kill the primary";
  d.service = "payments";
  d.owner = "sre@example.com";
  d.source_file = "drills/payments.toml";
  d.source_sha256 = std::string(64, 'a');
  d.window_start = SysTime(milliseconds(start_ms));
  d.window_end = SysTime(milliseconds(start_ms + 3'600'000));
  d.zone = "Europe/Copenhagen";
  d.created = SysTime(milliseconds(1'000));
  return d;
}

bool SameFields(const DrillRecord& a, const DrillRecord& b) {
  return a.id == b.id && a.title == b.title && a.service == b.service && a.owner == b.owner &&
         a.source_file == b.source_file && a.source_sha256 == b.source_sha256 &&
         a.window_start == b.window_start && a.window_end == b.window_end && a.zone == b.zone &&
         a.created == b.created;
}

TEST_CASE("an upserted drill reads back with every field", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  DrillTable drills(*db);
  DrillRecord in = Record("pay-1", 1'700'000'000'000);
  REQUIRE(drills.UpsertDrill(in).ok());
  auto out = drills.GetDrill("pay-1");
  REQUIRE(out.ok());
  REQUIRE(out->has_value());
  CHECK(SameFields(**out, in));
}

TEST_CASE("looking up an unknown drill gives nothing, not an error", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  auto out = DrillTable(*db).GetDrill("nope");
  REQUIRE(out.ok());
  CHECK_FALSE(out->has_value());
}

TEST_CASE("upserting a known drill updates it but keeps its creation time", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  DrillTable drills(*db);
  REQUIRE(drills.UpsertDrill(Record("pay-1", 5'000)).ok());
  DrillRecord changed = Record("pay-1", 9'000);
  changed.title = "Kill the replica";
  changed.created = SysTime(milliseconds(777));
  REQUIRE(drills.UpsertDrill(changed).ok());

  auto all = drills.ListDrills();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].title == "Kill the replica");
  CHECK((*all)[0].window_start == SysTime(milliseconds(9'000)));
  CHECK((*all)[0].created == SysTime(milliseconds(1'000)));
}

TEST_CASE("a drill recorded without a creation time gets the current time", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  DrillTable drills(*db);
  DrillRecord in = Record("pay-1", 5'000);
  in.created = SysTime{};
  auto before = std::chrono::floor<milliseconds>(std::chrono::system_clock::now());
  REQUIRE(drills.UpsertDrill(in).ok());
  auto out = drills.GetDrill("pay-1");
  REQUIRE(out.ok());
  REQUIRE(out->has_value());
  CHECK((*out)->created >= before);
}

TEST_CASE("drills are listed by window start, then id", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  DrillTable drills(*db);
  REQUIRE(drills.UpsertDrill(Record("c", 3'000)).ok());
  REQUIRE(drills.UpsertDrill(Record("b", 1'000)).ok());
  REQUIRE(drills.UpsertDrill(Record("a", 3'000)).ok());
  auto all = drills.ListDrills();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].id == "b");
  CHECK((*all)[1].id == "a");
  CHECK((*all)[2].id == "c");
}

TEST_CASE("a drill without an id is refused", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  CHECK_FALSE(DrillTable(*db).UpsertDrill(Record("", 0)).ok());
}

TEST_CASE("drills cannot be written through a read-only database", "[store]") {
  TempDir tmp;
  { REQUIRE(Database::Open(tmp.path(), OpenMode::kReadWrite).ok()); }
  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE(db.ok());
  DrillTable drills(*db);
  CHECK_FALSE(drills.UpsertDrill(Record("pay-1", 0)).ok());
  auto all = drills.ListDrills();
  REQUIRE(all.ok());
  CHECK(all->empty());
}

}  // namespace
}  // namespace firedrill
