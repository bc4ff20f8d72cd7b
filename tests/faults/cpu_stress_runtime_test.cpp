#include "faults/cpu_stress_runtime.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "faults/local_runner.h"
#include "faults/runtime_support.h"
#include "faults/stress_ng_fault.h"
#include "tests/faults/runtime_test_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

TEST_CASE("stress-ng: /proc/PID/stat lines are parsed, odd names included", "[faults][runtime]") {
  auto processes = ParseProcStat(
      "4242 (stress-ng) S 1 4242 4242 0 -1 4194560\n"
      "4243 (stress-ng-cpu) R 4242 4242 4242 0 -1\n"
      "17 (a) b) (c) Z 1 9 9 0\n"
      "garbage\n");
  REQUIRE(processes.size() == 3);
  CHECK(processes[0].pid == 4242);
  CHECK(processes[0].comm == "stress-ng");
  CHECK(processes[0].state == 'S');
  CHECK(processes[0].pgid == 4242);
  CHECK(processes[1].comm == "stress-ng-cpu");
  CHECK(processes[2].comm == "a) b) (c");
  CHECK(processes[2].state == 'Z');
  CHECK(processes[2].pgid == 9);
}

TEST_CASE("cpu.stress: Prepare refuses without stress-ng, saying why", "[faults][runtime]") {
  TempDir empty;
  PathlessRunner runner(empty.path().string());
  auto spec = MakeSpec("cpu.stress", "cpu", Values());
  Expected<std::string> state =
      RunBlocking(MakeCpuStressFault()->Prepare(FaultContext{spec, runner, "d"}));
  REQUIRE_FALSE(state.ok());
  CHECK_THAT(state.error().message, Catch::StartsWith("stress-ng not available"));
}

TEST_CASE("cpu.stress (needs stress-ng): one worker at 50% runs until restored",
          "[faults][runtime]") {
  if (!RunLocal("stress-ng --version").ok()) {
    WARN("skipped: stress-ng is not installed (scripts/install-deps.sh installs it)");
    return;
  }
  LocalRunner runner;
  auto spec = MakeSpec("cpu.stress", "cpu", Values().Int("workers", 1, 11).Int("load", 50, 12));
  FaultContext ctx{spec, runner, "drill-test"};
  auto fault = MakeCpuStressFault();
  Expected<std::string> state = RunBlocking(fault->Prepare(ctx));
  REQUIRE(state.ok());
  CHECK_THAT(*state, Catch::Contains("--cpu 1 --cpu-load 50 --timeout 86400s"));
  RestoreAtExit guard(*fault, ctx, *state);
  Expected<boost::json::object> parsed = ParseState(*state);
  REQUIRE(parsed.ok());
  const std::string entry =
      std::string(kStressTokenVariable) + "=" + *StateString(*parsed, "token");
  CHECK(PidsWithEnvironment(entry).empty());
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));

  REQUIRE(RunBlocking(fault->Inject(ctx, *state)).ok());
  // setsid made stress-ng the leader of a process group of its own.
  const pid_t group = GroupLeaderWithEnvironment(entry);
  KillGroupAtExit last_resort(group);
  CHECK(group != ::getpgrp());
  // The main process plus its CPU worker.
  CHECK(WaitUntil([&] { return LiveProcessesInGroup(group).size() >= 2; }));
  CHECK(*RunBlocking(fault->Check(ctx, *state)));

  Status restored = RunBlocking(fault->Restore(ctx, *state));
  INFO((restored.ok() ? std::string("ok") : restored.error().message));
  REQUIRE(restored.ok());
  CHECK(LiveProcessesInGroup(group).empty());
  CHECK(PidsWithEnvironment(entry).empty());
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));
  CHECK(RunBlocking(fault->Restore(ctx, *state)).ok());
}
