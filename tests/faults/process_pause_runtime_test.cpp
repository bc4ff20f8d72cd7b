#include "faults/process_pause_runtime.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "faults/local_runner.h"
#include "faults/process_pause.h"
#include "faults/run_on.h"
#include "tests/faults/test_processes.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

struct PauseFault {
  explicit PauseFault(const std::string& name) {
    params = std::make_shared<ProcessPauseParams>();
    params->selector = ProcessSelector{ProcessMatch::kName, name, false};
    spec.id = "pause-1";
    spec.kind = kProcessPauseKind;
    spec.target = "local";
    spec.params = params;
  }
  FaultContext ctx() { return FaultContext{spec, runner, "drill-1"}; }

  std::shared_ptr<ProcessPauseParams> params;
  FaultSpec spec;
  LocalRunner runner;
  std::unique_ptr<Fault> fault = MakeProcessPauseFault();
};

bool Checks(PauseFault& f, const std::string& state, bool in_place) {
  Expected<bool> check = RunBlocking(f.fault->Check(f.ctx(), state));
  return check.ok() && *check == in_place;
}

}  // namespace

TEST_CASE("process.pause: stop, check, continue, twice", "[faults][runtime]") {
  TestProcesses procs;
  const pid_t victim = procs.StartSleeper();
  REQUIRE(PollUntil([&] { return procs.Running().size() == 1; }));
  PauseFault f(procs.name());

  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE(state.ok());
  CHECK(Checks(f, *state, false));

  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), *state)).ok());
  CHECK(PollUntil([&] { return ProcessState(victim) == 'T'; }));
  CHECK(PollUntil([&] { return Checks(f, *state, true); }));

  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  CHECK(PollUntil([&] { return ProcessState(victim) == 'S'; }));
  CHECK(PollUntil([&] { return Checks(f, *state, false); }));
  // Idempotent: continuing a running process changes nothing.
  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  CHECK(ProcessState(victim) == 'S');

  CHECK(f.fault->ManualRestore(f.ctx(), *state) == "kill -s CONT " + std::to_string(victim));
}

TEST_CASE("process.pause: an already stopped process is refused", "[faults][runtime]") {
  TestProcesses procs;
  const pid_t victim = procs.StartSleeper();
  ::kill(victim, SIGSTOP);
  REQUIRE(PollUntil([&] { return ProcessState(victim) == 'T'; }));
  PauseFault f(procs.name());
  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE_FALSE(state.ok());
  CHECK_THAT(state.error().message, Catch::Contains("already stopped"));
}

TEST_CASE("process.pause: gone before inject refuses, gone after inject still restores",
          "[faults][runtime]") {
  TestProcesses procs;
  const pid_t victim = procs.StartSleeper();
  PauseFault f(procs.name());
  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE(state.ok());
  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), *state)).ok());
  procs.KillAndReap(victim);
  CHECK(Checks(f, *state, false));
  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());

  Expected<std::string> again = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message == "no process named \"" + procs.name() + "\" is running");
}
