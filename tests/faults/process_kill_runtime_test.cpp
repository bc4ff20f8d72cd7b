#include "faults/process_kill_runtime.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "faults/local_runner.h"
#include "faults/process_kill.h"
#include "faults/run_on.h"
#include "faults/runtime_support.h"
#include "tests/faults/test_processes.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

// A process.kill fault with its spec, ready to hand to the runtime.
struct KillFault {
  explicit KillFault(ProcessSelector selector) {
    params = std::make_shared<ProcessKillParams>();
    params->selector = std::move(selector);
    params->restart_within = 10s;
    spec.id = "kill-1";
    spec.kind = kProcessKillKind;
    spec.target = "local";
    spec.params = params;
  }
  FaultContext ctx() { return FaultContext{spec, runner, "drill-1"}; }

  std::shared_ptr<ProcessKillParams> params;
  FaultSpec spec;
  LocalRunner runner;
  std::unique_ptr<Fault> fault = MakeProcessKillFault();
};

ProcessSelector ByName(const std::string& name, bool all = false) {
  return ProcessSelector{ProcessMatch::kName, name, all};
}

// Polls Check until it reports `in_place` (signals and restarts take effect asynchronously).
bool CheckBecomes(KillFault& f, const std::string& state, bool in_place) {
  return PollUntil([&] {
    Expected<bool> check = RunBlocking(f.fault->Check(f.ctx(), state));
    return check.ok() && *check == in_place;
  });
}

}  // namespace

TEST_CASE("process.kill: by pidfile, start_command brings a new process", "[faults][runtime]") {
  TestProcesses procs;
  const pid_t victim = procs.StartSleeper();
  const auto pidfile = procs.dir() / "app.pid";
  std::ofstream(pidfile) << victim << "\n";

  KillFault f(ProcessSelector{ProcessMatch::kPidfile, pidfile.string(), false});
  f.params->start_command =
      "echo $$ > " + ShellQuote(pidfile.string()) + "; exec " + ShellQuote(procs.binary()) + " 300";
  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE(state.ok());
  CHECK_THAT(*state, Catch::Contains("\"pid\":" + std::to_string(victim)));
  CHECK_THAT(*state, Catch::Contains(procs.name() + " 300"));
  Expected<bool> before = RunBlocking(f.fault->Check(f.ctx(), *state));
  REQUIRE(before.ok());
  CHECK_FALSE(*before);

  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), *state)).ok());
  CHECK(CheckBecomes(f, *state, true));
  CHECK_FALSE(IsRunning(victim));

  Status restored = RunBlocking(f.fault->Restore(f.ctx(), *state));
  REQUIRE(restored.ok());
  const pid_t replacement = ReadPid(pidfile);
  CHECK(replacement != victim);
  CHECK(IsRunning(replacement));
  CHECK(PollUntil([&] { return procs.Running() == std::vector<pid_t>{replacement}; }));
  CHECK(CheckBecomes(f, *state, false));

  // Idempotent: the process is back, so a second restore starts nothing.
  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  CHECK(ReadPid(pidfile) == replacement);
  CHECK(procs.Running() == std::vector<pid_t>{replacement});

  const std::string manual = f.fault->ManualRestore(f.ctx(), *state);
  CHECK_THAT(manual, Catch::Contains(*f.params->start_command));
  CHECK_THAT(manual, Catch::Contains("SIGKILL was pid " + std::to_string(victim)));
}

TEST_CASE("process.kill: by name, the restore waits for the supervisor", "[faults][runtime]") {
  TestProcesses procs;
  const auto go = procs.dir() / "go";
  // A tiny supervisor: restarts the sleeper once the test says so (no race with Check).
  procs.StartShell("exec 2>/dev/null; while :; do " + ShellQuote(procs.binary()) +
                   " 300; while [ ! -e " + ShellQuote(go.string()) +
                   " ]; do sleep 0.05; done; rm -f " + ShellQuote(go.string()) + "; done");
  REQUIRE(PollUntil([&] { return procs.Running().size() == 1; }));
  const pid_t victim = procs.Running()[0];

  KillFault f(ByName(procs.name()));
  f.params->signal_name = "SIGTERM";
  f.params->signal_number = SIGTERM;
  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE(state.ok());
  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), *state)).ok());
  CHECK(CheckBecomes(f, *state, true));

  std::ofstream(go) << "go\n";
  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  const std::vector<pid_t> now = procs.Running();
  REQUIRE(now.size() == 1);
  CHECK(now[0] != victim);
  CHECK(CheckBecomes(f, *state, false));
  CHECK_THAT(f.fault->ManualRestore(f.ctx(), *state), Catch::Contains("service manager"));
}

TEST_CASE("process.kill: a restore fails when nothing comes back in time", "[faults][runtime]") {
  TestProcesses procs;
  procs.StartSleeper();
  KillFault f(ByName(procs.name()));
  f.params->restart_within = 300ms;
  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE(state.ok());
  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), *state)).ok());
  REQUIRE(PollUntil([&] {
    procs.ReapExited();
    return procs.Running().empty();
  }));
  Status restored = RunBlocking(f.fault->Restore(f.ctx(), *state));
  REQUIRE_FALSE(restored.ok());
  CHECK(restored.error().message == "no process named \"" + procs.name() +
                                        "\" came back within 300ms (no start_command: a "
                                        "supervisor was expected to restart it)");
}

TEST_CASE("process.kill: several matches are refused unless all = true", "[faults][runtime]") {
  TestProcesses procs;
  const pid_t a = procs.StartSleeper();
  const pid_t b = procs.StartSleeper();
  REQUIRE(PollUntil([&] { return procs.Running().size() == 2; }));

  KillFault one(ByName(procs.name()));
  Expected<std::string> refused = RunBlocking(one.fault->Prepare(one.ctx()));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::StartsWith("2 processes match"));
  CHECK_THAT(refused.error().message, Catch::Contains(std::to_string(a)));
  CHECK_THAT(refused.error().message, Catch::Contains("all = true"));

  KillFault every(ByName(procs.name(), true));
  Expected<std::string> state = RunBlocking(every.fault->Prepare(every.ctx()));
  REQUIRE(state.ok());
  REQUIRE(RunBlocking(every.fault->Inject(every.ctx(), *state)).ok());
  CHECK(PollUntil([&] { return !IsRunning(a) && !IsRunning(b); }));
  CHECK(CheckBecomes(every, *state, true));
}

TEST_CASE("process.kill: cmdline matches the process, never the shell that looks",
          "[faults][runtime]") {
  TestProcesses procs;
  const pid_t victim = procs.StartSleeper();
  KillFault f(ProcessSelector{ProcessMatch::kCmdline, procs.binary() + " 300", false});
  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE(state.ok());
  CHECK_THAT(*state, Catch::Contains("\"pid\":" + std::to_string(victim) + ","));
  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), *state)).ok());
  CHECK(CheckBecomes(f, *state, true));
}

TEST_CASE("process.kill: a target gone before inject is refused at Prepare", "[faults][runtime]") {
  TestProcesses procs;
  const pid_t victim = procs.StartSleeper();
  const auto pidfile = procs.dir() / "app.pid";
  std::ofstream(pidfile) << victim << "\n";
  procs.KillAndReap(victim);

  KillFault by_name(ByName(procs.name()));
  Expected<std::string> named = RunBlocking(by_name.fault->Prepare(by_name.ctx()));
  REQUIRE_FALSE(named.ok());
  CHECK(named.error().message == "no process named \"" + procs.name() + "\" is running");

  KillFault by_file(ProcessSelector{ProcessMatch::kPidfile, pidfile.string(), false});
  Expected<std::string> filed = RunBlocking(by_file.fault->Prepare(by_file.ctx()));
  REQUIRE_FALSE(filed.ok());
  CHECK(filed.error().message == "the process in pidfile " + pidfile.string() + " is not running");

  KillFault no_file(ProcessSelector{ProcessMatch::kPidfile, (procs.dir() / "none").string()});
  Expected<std::string> missing = RunBlocking(no_file.fault->Prepare(no_file.ctx()));
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::StartsWith("cannot read pidfile"));
}

TEST_CASE("process.kill: a target gone after inject still restores", "[faults][runtime]") {
  TestProcesses procs;
  const pid_t victim = procs.StartSleeper();
  KillFault f(ByName(procs.name()));
  f.params->start_command = ShellQuote(procs.binary()) + " 300";
  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE(state.ok());
  procs.KillAndReap(victim);  // dies on its own between Prepare and Inject
  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), *state)).ok());
  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  CHECK(procs.Running().size() == 1);
  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  CHECK(procs.Running().size() == 1);
}

namespace {

// A service run by /bin/sh whose `on_term` is what it does on SIGTERM, found by its pidfile, and
// a process.kill fault that sends it SIGTERM, prepared.
struct TermVictim {
  TermVictim(TestProcesses& procs, const std::string& on_term)
      : fault(
            ProcessSelector{ProcessMatch::kPidfile, (procs.dir() / "victim.pid").string(), false}) {
    const auto pidfile = procs.dir() / "victim.pid";
    pid = procs.StartShell("echo $$ > " + ShellQuote(pidfile.string()) + "; trap " +
                           ShellQuote(on_term) + " TERM; while :; do sleep 0.05; done");
    REQUIRE(PollUntil([&] { return ReadPid(pidfile) == pid; }));
    fault.params->signal_name = "SIGTERM";
    fault.params->signal_number = SIGTERM;
    Expected<std::string> prepared = RunBlocking(fault.fault->Prepare(fault.ctx()));
    REQUIRE(prepared.ok());
    state = *prepared;
  }

  pid_t pid = 0;
  KillFault fault;
  std::string state;
};

}  // namespace

TEST_CASE("process.kill: inject returns once the process is gone, so a check at once sees it",
          "[faults][runtime]") {
  TestProcesses procs;
  // A service that takes a moment to shut down on SIGTERM (as a real one may under load).
  TermVictim v(procs, "sleep 0.3; exit 0");
  REQUIRE(RunBlocking(v.fault.fault->Inject(v.fault.ctx(), v.state)).ok());
  // The engine checks once, right after the inject returned: no polling here.
  Expected<bool> in_place = RunBlocking(v.fault.fault->Check(v.fault.ctx(), v.state));
  REQUIRE(in_place.ok());
  CHECK(*in_place);
}

// Takes kExitWithin (10 s): the wait before the inject gives up.
TEST_CASE("process.kill: a process that outlives its signal fails the inject, naming it",
          "[faults][runtime]") {
  TestProcesses procs;
  TermVictim v(procs, "");  // ignores SIGTERM
  Status injected = RunBlocking(v.fault.fault->Inject(v.fault.ctx(), v.state));
  REQUIRE_FALSE(injected.ok());
  CHECK_THAT(injected.error().message, Catch::Contains(std::to_string(v.pid)) &&
                                           Catch::Contains("still runs") &&
                                           Catch::Contains("SIGTERM"));
  procs.KillAndReap(v.pid);
}
