#include "drills/wheel.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "drills/drill_loader.h"
#include "drills/drill_plan.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "tests/drills/test_drill.h"
#include "tests/support/drill_load.h"

using namespace firedrill;
using namespace std::chrono_literals;

namespace {

// Three faults, one of them on two targets, and one fault that is always injected.
const std::string kWheelDrill = R"(id = "wheel"
title = "Wheel of misfortune"
service = "checkout"
owner = "lead@example.com"
playbook = "runbook.md"

[window]
start = 2027-03-04T10:00:00
end = 2027-03-04T12:00:00
zone = "Europe/Copenhagen"

[targets.web]
local = true
[targets.web2]
local = true
[targets.db]
local = true

[[faults]]
id = "kill-web"
kind = "command"
target = ["web", "web2"]
inject = "true"
restore = "true"
delay = "5m"

[[faults]]
id = "block-db"
kind = "network.block"
target = "db"
port = 5432

[[faults]]
id = "slow-cache"
kind = "command"
target = "db"
inject = "true"
restore = "true"
delay = "1m"

[[faults]]
id = "always"
kind = "command"
target = "web"
inject = "true"
restore = "true"
delay = "2m"

[wheel]
faults = ["kill-web", "block-db", "slow-cache"]
inject_within = "15m"
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

using firedrill::testing::AllErrors;
using firedrill::testing::LoadText;

Drill WheelDrill(const std::string& text = kWheelDrill) {
  LoadResult r = LoadText(text);
  INFO(AllErrors(r));
  REQUIRE(r.ok());
  return *r.drill;
}

std::vector<std::string> Ids(const Drill& d) {
  std::vector<std::string> ids;
  for (const FaultSpec& f : d.faults) ids.push_back(f.id);
  return ids;
}

}  // namespace

TEST_CASE("a wheel table loads with its defaults", "[drills][wheel]") {
  Drill d = WheelDrill();
  REQUIRE(d.wheel.has_value());
  CHECK(d.wheel->faults == std::vector<std::string>{"kill-web", "block-db", "slow-cache"});
  CHECK(d.wheel->pick == 1);
  CHECK(d.wheel->inject_within == 15min);
  CHECK(d.wheel->pos.line == 49);

  Drill only_moment = WheelDrill(Replace(kWheelDrill,
                                         "faults = [\"kill-web\", \"block-db\", "
                                         "\"slow-cache\"]\n",
                                         ""));
  CHECK(only_moment.wheel->faults.empty());
}

TEST_CASE("mistakes in a wheel table are reported at the table", "[drills][wheel]") {
  auto errors = [](const std::string& text) { return AllErrors(LoadText(text)); };
  CHECK_THAT(errors(Replace(kWheelDrill, "\"block-db\", \"slow", "\"block-bd\", \"slow")),
             Catch::Contains("drill.toml:49:1: [wheel]: fault \"block-bd\" is not defined (did "
                             "you mean \"block-db\"?); fault ids: kill-web, block-db, "
                             "slow-cache, always"));
  CHECK_THAT(errors(Replace(kWheelDrill, "\"kill-web\", \"block", "\"kill-web@web2\", \"block")),
             Catch::Contains("one target's share of fault \"kill-web\""));
  CHECK_THAT(errors(Replace(kWheelDrill, "\"slow-cache\"]", "\"kill-web\"]")),
             Catch::Contains("[wheel]: fault \"kill-web\" is listed more than once"));
  CHECK_THAT(errors(Replace(kWheelDrill, "inject_within = \"15m\"", "pick = 4")),
             Catch::Contains("[wheel]: pick = 4 but the wheel has only 3 faults; pick 1 to 3"));
  CHECK_THAT(errors(Replace(kWheelDrill, "inject_within = \"15m\"", "pick = 0")),
             Catch::Contains("drill.toml:51:8: [wheel]: \"pick\" must be between 1 and 1000"));
  CHECK_THAT(errors(Replace(kWheelDrill, "inject_within = \"15m\"", "inject_within = \"2h\"")),
             Catch::Contains("[wheel]: inject_within (2h) must be shorter than the window (2h)"));
  CHECK_THAT(errors(Replace(kWheelDrill, "inject_within = \"15m\"", "inject_within = \"1h59m\"")),
             Catch::Contains("the last fault goes in after up to 2h4m (5m plus [wheel] "
                             "inject_within 1h59m)"));
  CHECK_THAT(errors(Replace(kWheelDrill, "inject_within = \"15m\"", "inject_within = \"0s\"")),
             Catch::Contains("\"inject_within\" must be longer than zero"));
  CHECK_THAT(errors(Replace(kWheelDrill,
                            "faults = [\"kill-web\", \"block-db\", \"slow-cache\"]\n"
                            "inject_within = \"15m\"",
                            "")),
             Catch::Contains("drill.toml:49:1: [wheel]: give the faults to draw from"));
  CHECK_THAT(errors(Replace(kWheelDrill,
                            "faults = [\"kill-web\", \"block-db\", \"slow-cache\"]\n"
                            "inject_within = \"15m\"",
                            "inject_within = \"15m\"\npick = 2")),
             Catch::Contains("[wheel]: pick needs faults"));
  CHECK_THAT(errors(Replace(kWheelDrill, "inject_within", "inject_witin")),
             Catch::Contains("unknown key \"inject_witin\" (did you mean \"inject_within\"?)"));
}

TEST_CASE("the same seed always spins the same choice", "[drills][wheel]") {
  Drill d = WheelDrill();
  // Hard-coded from the algorithm in wheel.h (checked against an independent implementation of
  // it): a change of algorithm changes these and breaks the replay of recorded runs.
  struct Case {
    std::uint64_t seed;
    std::string fault;
    std::chrono::seconds offset;
  };
  for (const Case& c :
       std::vector<Case>{{1, "slow-cache", 619s}, {3, "kill-web", 561s}, {42, "block-db", 91s}}) {
    INFO("seed " << c.seed);
    WheelChoice choice = SpinWheel(d, c.seed);
    CHECK(choice.seed == c.seed);
    CHECK(choice.faults == std::vector<std::string>{c.fault});
    CHECK(choice.offset == c.offset);
    WheelChoice again = SpinWheel(d, c.seed);
    CHECK(again.faults == choice.faults);
    CHECK(again.offset == choice.offset);
  }
  d.wheel->pick = 2;
  WheelChoice two = SpinWheel(d, 5);
  CHECK(two.faults == std::vector<std::string>{"block-db", "slow-cache"});  // in wheel order
  CHECK(two.offset == 863s);
}

TEST_CASE("every fault on the wheel comes up about equally often", "[drills][wheel]") {
  Drill d = WheelDrill();
  constexpr int kSpins = 30000;
  std::map<std::string, int> chosen;
  std::int64_t offset_sum = 0;
  std::chrono::seconds lowest = 1h, highest = 0s;
  for (int seed = 0; seed < kSpins; ++seed) {
    WheelChoice c = SpinWheel(d, static_cast<std::uint64_t>(seed) * 0x10001ULL);
    REQUIRE(c.faults.size() == 1);
    ++chosen[c.faults[0]];
    auto s = std::chrono::duration_cast<std::chrono::seconds>(c.offset);
    CHECK(c.offset == s);  // whole seconds
    lowest = std::min(lowest, s);
    highest = std::max(highest, s);
    offset_sum += s.count();
  }
  REQUIRE(chosen.size() == 3);
  for (const auto& [id, n] : chosen) {
    INFO(id << " chosen " << n << " times of " << kSpins);
    CHECK(n > kSpins / 3 * 9 / 10);
    CHECK(n < kSpins / 3 * 11 / 10);
  }
  // Whole seconds in [0, 15m): all of it used, evenly on average.
  CHECK(lowest == 0s);
  CHECK(highest == 899s);
  double mean = static_cast<double>(offset_sum) / kSpins;
  CHECK(mean > 430.0);
  CHECK(mean < 470.0);
}

TEST_CASE("applying a spin drops the other wheel faults whole and shifts every delay",
          "[drills][wheel]") {
  Drill d = WheelDrill();
  WheelChoice choice{99, {"block-db"}, 125s};
  Drill run = ApplyWheel(d, choice);
  // kill-web@web and kill-web@web2 (one group) and slow-cache are gone; "always" stays.
  CHECK(Ids(run) == std::vector<std::string>{"block-db", "always"});
  CHECK(run.faults[0].delay == 125s);
  CHECK(run.faults[1].delay == 2min + 125s);
  CHECK_FALSE(run.wheel.has_value());
  CHECK(d.faults.size() == 5);  // the original is untouched

  Drill fanned = ApplyWheel(d, WheelChoice{1, {"kill-web", "slow-cache"}, 0s});
  CHECK(Ids(fanned) ==
        std::vector<std::string>{"kill-web@web", "kill-web@web2", "slow-cache", "always"});
  CHECK(fanned.faults[0].delay == 5min);
}

TEST_CASE("a wheel with only inject_within keeps every fault and moves them together",
          "[drills][wheel]") {
  Drill d = WheelDrill(
      Replace(kWheelDrill, "faults = [\"kill-web\", \"block-db\", \"slow-cache\"]\n", ""));
  WheelChoice c = SpinWheel(d, 12345);
  CHECK(c.faults.empty());
  CHECK(c.offset >= 0s);
  CHECK(c.offset < 15min);
  Drill run = ApplyWheel(d, c);
  REQUIRE(run.faults.size() == d.faults.size());
  for (std::size_t i = 0; i < run.faults.size(); ++i) {
    CHECK(run.faults[i].delay == d.faults[i].delay + c.offset);
  }
}

TEST_CASE("a drill without a wheel is unchanged by a spin", "[drills][wheel]") {
  Drill d = WheelDrill();
  d.wheel.reset();
  WheelChoice c = SpinWheel(d, 5);
  CHECK(c.faults.empty());
  CHECK(c.offset == 0s);
  CHECK(Ids(ApplyWheel(d, c)) == Ids(d));
}

TEST_CASE("the plan of a wheel drill says what is left to chance, not the choice",
          "[drills][wheel]") {
  Drill d = WheelDrill();
  DrillPlan plan = PlanDrill(d);
  CHECK(plan.wheel ==
        "wheel of misfortune: 1 of 3 faults (kill-web, block-db, slow-cache) chosen at random, "
        "injected at a random moment within 15m of the planned time");
  // Every fault is listed, the wheel's marked, each with the latest moment it may go in.
  REQUIRE(plan.faults.size() == 5);
  for (const PlannedFault& f : plan.faults) {
    INFO(f.id);
    CHECK(f.on_wheel == (f.id != "always"));
    CHECK(f.latest_inject_at == f.inject_at + 15min);
    CHECK(f.latest_inject_at < plan.restore_at);
  }
  d.wheel.reset();
  DrillPlan plain = PlanDrill(d);
  CHECK(plain.wheel.empty());
  for (const PlannedFault& f : plain.faults) {
    CHECK_FALSE(f.on_wheel);
    CHECK(f.latest_inject_at == f.inject_at);
  }
  // The restore budget counts every fault, whichever are drawn: the wheel does not change it.
  CHECK(plain.restore_budget == plan.restore_budget);
  CHECK(plain.restore_at == plan.restore_at);
}

TEST_CASE("a random seed comes from the operating system", "[drills][wheel]") {
  // Two 64-bit draws agree by chance with probability 2^-64.
  CHECK(RandomSeed() != RandomSeed());
}
