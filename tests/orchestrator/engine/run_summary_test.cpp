#include "orchestrator/engine/run_summary.h"

#include <catch2/catch.hpp>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"

using namespace firedrill;
using namespace std::chrono_literals;

namespace {

Drill MakeDrill(bool with_probe) {
  std::string text = R"(id = "s"
title = "t"
service = "svc"
owner = "o"
playbook = "p.md"
[objectives]
detect_within = "5m"
recover_within = "20m"
[window]
start = 2027-06-01T10:00:00Z
end = 2027-06-01T11:00:00Z
zone = "UTC"
[targets.here]
local = true
[[faults]]
kind = "command"
target = "here"
inject = "true"
restore = "true"
)";
  if (with_probe) {
    text += "[[probes]]\nname = \"p\"\nkind = \"tcp\"\ntarget = \"here\"\nport = 80\n";
  }
  LoadResult r = LoadDrillText(text, "s.toml", BuiltinFaults());
  REQUIRE(r.ok());
  return *r.drill;
}

}  // namespace

TEST_CASE("objectives are met or missed, and a missing measurement is never a number", "[engine]") {
  CHECK(ObjectiveVerdict(3s, 5min) == "met (3s <= 5m)");
  CHECK(ObjectiveVerdict(7min, 5min) == "missed (7m > 5m)");
  CHECK(ObjectiveVerdict(std::nullopt, 5min) == "missed (not reached; objective 5m)");
  CHECK(ObjectiveVerdict(3s, std::nullopt) == "no objective");
}

TEST_CASE("an auto-restored drill reports no TTR, plainly", "[engine]") {
  Drill d = MakeDrill(true);
  RunTimings t;
  t.t0 = SysTime(std::chrono::hours(1));
  t.ttd_human = 40s;
  t.auto_restored = true;
  t.end_reason = "the restore point of the window was reached";
  std::string s = SummaryText(d, t);
  CHECK_THAT(s, Catch::Contains("not recovered within the window"));
  CHECK_THAT(s, Catch::Contains("met (40s <= 5m)"));
  CHECK_THAT(s, Catch::Contains("firedrill's auto-restore"));
}

TEST_CASE("a team recovery reports the probe-confirmed TTR against the objective", "[engine]") {
  Drill d = MakeDrill(true);
  RunTimings t;
  t.t0 = SysTime(std::chrono::hours(1));
  t.ttd_human = 2min;
  t.ttr_probe = 25min;
  std::string s = SummaryText(d, t);
  CHECK_THAT(s, Catch::Contains("missed (25m > 20m)"));
  CHECK_THAT(s, Catch::Contains("recovered by         the team"));
}
