// The freezes table on a real state directory: a freeze is stored, read back after reopening (a
// restarted daemon), updated, ended, and counted by cause.
#include "orchestrator/store/freeze_table.h"

#include <catch2/catch.hpp>
#include <chrono>

#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a freeze survives reopening the state and ends once", "[freeze]") {
  testing::TempDir tmp;
  const SysTime t = std::chrono::floor<std::chrono::milliseconds>(NowUtc());
  std::int64_t id = 0;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    FreezeTable table(*db);
    REQUIRE(table.Current().ok());
    CHECK_FALSE(*table.Current());
    FreezeRecord bad;
    bad.cause = "whim";
    bad.reason = "x";
    CHECK_FALSE(table.Begin(bad).ok());
    FreezeRecord r;
    r.cause = "incident";
    r.reason = "real incident: payments down";
    r.by = "alert from alertmanager";
    r.started = t;
    r.open_alerts = {"alertmanager/a", "grafana/b"};
    REQUIRE(table.Begin(r).ok());
    CHECK(r.id > 0);
    id = r.id;
    r.open_alerts = {};
    r.thaw_at = t + 15min;
    REQUIRE(table.Update(r).ok());
  }
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  FreezeTable table(*db);
  auto held = table.Current();
  REQUIRE(held.ok());
  REQUIRE(*held);
  CHECK((*held)->id == id);
  CHECK((*held)->cause == "incident");
  CHECK((*held)->started == t);
  CHECK((*held)->open_alerts.empty());
  REQUIRE((*held)->thaw_at);
  CHECK(*(*held)->thaw_at == t + 15min);
  CHECK_THAT(DescribeFreeze(**held), Catch::Contains("(incident): real incident: payments down") &&
                                         Catch::Contains("ends at"));
  REQUIRE(table.End(id, t + 16min, "orchestrator", "cool-down passed").ok());
  CHECK_FALSE(*table.Current());
  FreezeRecord manual;
  manual.cause = "manual";
  manual.reason = "stop";
  manual.by = "ann";
  manual.started = t + 17min;
  REQUIRE(table.Begin(manual).ok());
  auto counts = table.CountsByCause();
  REQUIRE(counts.ok());
  CHECK(counts->at("incident") == 1);
  CHECK(counts->at("manual") == 1);
}

}  // namespace
}  // namespace firedrill
