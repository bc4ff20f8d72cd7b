#include "faults/memory_stress_runtime.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "faults/local_runner.h"
#include "faults/runtime_support.h"
#include "faults/stress_ng_fault.h"
#include "tests/faults/runtime_test_support.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

// The worker holding the memory is the largest process of the run.
std::uint64_t LargestResidentBytes(pid_t group) {
  std::uint64_t largest = 0;
  for (pid_t pid : LiveProcessesInGroup(group)) largest = std::max(largest, ResidentBytes(pid));
  return largest;
}

}  // namespace

TEST_CASE("memory.stress: MemTotal is read from /proc/meminfo", "[faults][runtime]") {
  Expected<std::uint64_t> total =
      ParseMemTotal("MemTotal:       16318412 kB\nMemFree:         1234 kB\n");
  REQUIRE(total.ok());
  CHECK(*total == 16318412ull * 1024);
  CHECK_FALSE(ParseMemTotal("MemFree: 1 kB\n").ok());
}

TEST_CASE("memory.stress: sizes become per-worker byte counts", "[faults][runtime]") {
  if (!RunLocal("stress-ng --version").ok()) {
    WARN("skipped: stress-ng is not installed (scripts/install-deps.sh installs it)");
    return;
  }
  LocalRunner runner;
  auto fault = MakeMemoryStressFault();
  auto split =
      MakeSpec("memory.stress", "mem", Values().Str("size", "64M", 11).Int("workers", 2, 12));
  Expected<std::string> state = RunBlocking(fault->Prepare(FaultContext{split, runner, "d"}));
  REQUIRE(state.ok());
  CHECK_THAT(*state, Catch::Contains("--vm 2 --vm-bytes 33554432b --vm-keep --vm-hang 0"));

  auto percent = MakeSpec("memory.stress", "mem", Values().Str("size", "1%", 11));
  state = RunBlocking(fault->Prepare(FaultContext{percent, runner, "d"}));
  REQUIRE(state.ok());
  CHECK_THAT(*state, Catch::Contains("--vm 1 --vm-bytes "));
}

TEST_CASE("memory.stress (needs stress-ng): 32M is held until restored", "[faults][runtime]") {
  if (!RunLocal("stress-ng --version").ok()) {
    WARN("skipped: stress-ng is not installed (scripts/install-deps.sh installs it)");
    return;
  }
  LocalRunner runner;
  auto spec = MakeSpec("memory.stress", "mem", Values().Str("size", "32M", 11));
  FaultContext ctx{spec, runner, "drill-test"};
  auto fault = MakeMemoryStressFault();
  Expected<std::string> state = RunBlocking(fault->Prepare(ctx));
  REQUIRE(state.ok());
  RestoreAtExit guard(*fault, ctx, *state);
  Expected<boost::json::object> parsed = ParseState(*state);
  REQUIRE(parsed.ok());
  const std::string entry =
      std::string(kStressTokenVariable) + "=" + *StateString(*parsed, "token");

  REQUIRE(RunBlocking(fault->Inject(ctx, *state)).ok());
  // setsid made stress-ng the leader of a process group of its own.
  const pid_t group = GroupLeaderWithEnvironment(entry);
  KillGroupAtExit last_resort(group);
  CHECK(*RunBlocking(fault->Check(ctx, *state)));
  // The worker touches all 32M once, then holds it.
  CHECK(WaitUntil([&] { return LargestResidentBytes(group) >= 32 * kMiB; }, 15s));

  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(LiveProcessesInGroup(group).empty());
  CHECK(PidsWithEnvironment(entry).empty());
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));
}
