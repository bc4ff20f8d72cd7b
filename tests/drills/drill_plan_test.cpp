#include "drills/drill_plan.h"

#include <catch2/catch.hpp>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"

using namespace firedrill;
using namespace std::chrono_literals;

TEST_CASE("the plan puts auto-restore inside the window and grace after it", "[drills]") {
  const char* text = R"(id = "p"
title = "t"
service = "s"
owner = "o"
playbook = "runbook.md"
[window]
start = 2027-06-01T10:00:00Z
end = 2027-06-01T11:00:00Z
zone = "UTC"
grace = "5m"
[announce]
lead = "2d"
[targets.local]
local = true
[[faults]]
kind = "command"
target = "local"
inject = "true"
restore = "true"
restore_timeout = "1m"
delay = "10m"
[[faults]]
id = "second"
kind = "command"
target = "local"
inject = "true"
restore = "true"
restore_timeout = "2m"
)";
  LoadResult r = LoadDrillText(text, "p.toml", BuiltinFaults());
  INFO((r.diagnostics.empty() ? "" : r.diagnostics[0].ToString()));
  REQUIRE(r.ok());
  DrillPlan plan = PlanDrill(*r.drill);
  CHECK(FormatUtc(plan.announce_by) == "2027-05-30T10:00:00.000Z");
  REQUIRE(plan.faults.size() == 2);
  CHECK(plan.faults[0].id == "second");  // no delay: goes in first
  CHECK(FormatUtc(plan.faults[1].inject_at) == "2027-06-01T10:10:00.000Z");
  CHECK(plan.restore_budget == 3min);
  CHECK(FormatUtc(plan.restore_at) == "2027-06-01T10:57:00.000Z");
  CHECK(FormatUtc(plan.give_up_at) == "2027-06-01T11:05:00.000Z");
}

TEST_CASE("a fan-out counts its restore_timeout once per round of parallel targets", "[drills]") {
  std::string text = R"(id = "p"
title = "t"
service = "s"
owner = "o"
playbook = "runbook.md"
[window]
start = 2027-06-01T10:00:00Z
end = 2027-06-01T11:00:00Z
zone = "UTC"
)";
  std::string list;
  for (int i = 0; i < 5; ++i) {
    text += "[targets.t" + std::to_string(i) + "]\nlocal = true\n";
    list += (i ? ", \"t" : "\"t") + std::to_string(i) + "\"";
  }
  text += "[[faults]]\nid = \"wide\"\nkind = \"command\"\ntarget = [" + list +
          "]\nparallel = 2\ninject = \"true\"\nrestore = \"true\"\nrestore_timeout = \"1m\"\n"
          "[[faults]]\nid = \"single\"\nkind = \"command\"\ntarget = \"t0\"\ninject = \"true\"\n"
          "restore = \"true\"\nrestore_timeout = \"30s\"\n";
  LoadResult r = LoadDrillText(text, "p.toml", BuiltinFaults());
  INFO((r.diagnostics.empty() ? "" : r.diagnostics[0].ToString()));
  REQUIRE(r.ok());
  DrillPlan plan = PlanDrill(*r.drill);
  REQUIRE(plan.faults.size() == 6);
  // 5 targets, 2 at a time: 3 rounds of 1m; plus the single fault's 30s.
  CHECK(plan.restore_budget == 3min + 30s);
  CHECK(FormatUtc(plan.restore_at) == "2027-06-01T10:56:30.000Z");
}
