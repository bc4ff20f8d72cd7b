#include "faults/command_runtime.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "faults/builtin_faults.h"
#include "faults/command_fault.h"
#include "faults/fault_registry.h"
#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "faults/runtime_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

struct CommandFaultUnderTest {
  CommandFaultUnderTest() {
    params = std::make_shared<CommandParams>();
    spec.id = "cmd-1";
    spec.kind = kCommandKind;
    spec.target = "local";
    spec.params = params;
  }
  FaultContext ctx() { return FaultContext{spec, runner, "drill-1"}; }

  std::shared_ptr<CommandParams> params;
  FaultSpec spec;
  LocalRunner runner;
  std::unique_ptr<Fault> fault = MakeCommandFault();
};

}  // namespace

TEST_CASE("command: inject, check and restore with files", "[faults][runtime]") {
  TempDir dir;
  const std::string flag = ShellQuote((dir.path() / "flag").string());
  CommandFaultUnderTest f;
  f.params->inject = "touch " + flag;
  f.params->check = "test -e " + flag;
  f.spec.restore_command = "rm -f " + flag;

  Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx()));
  REQUIRE(state.ok());
  CHECK(*state == "{}");
  Expected<bool> before = RunBlocking(f.fault->Check(f.ctx(), *state));
  REQUIRE(before.ok());
  CHECK_FALSE(*before);

  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), *state)).ok());
  CHECK(std::filesystem::exists(dir.path() / "flag"));
  Expected<bool> during = RunBlocking(f.fault->Check(f.ctx(), *state));
  REQUIRE(during.ok());
  CHECK(*during);

  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  CHECK_FALSE(std::filesystem::exists(dir.path() / "flag"));
  Expected<bool> after = RunBlocking(f.fault->Check(f.ctx(), *state));
  REQUIRE(after.ok());
  CHECK_FALSE(*after);
  REQUIRE(RunBlocking(f.fault->Restore(f.ctx(), *state)).ok());
  CHECK(f.fault->ManualRestore(f.ctx(), *state) == "rm -f " + flag);
}

TEST_CASE("command: failing commands are errors with exit code and stderr", "[faults][runtime]") {
  CommandFaultUnderTest f;
  f.params->inject = "echo 'no such unit' >&2; exit 5";
  f.spec.restore_command = "echo 'cannot undo' >&2; exit 3";
  Status injected = RunBlocking(f.fault->Inject(f.ctx(), "{}"));
  REQUIRE_FALSE(injected.ok());
  CHECK(injected.error().message == "inject command failed: exit 5: no such unit");
  Status restored = RunBlocking(f.fault->Restore(f.ctx(), "{}"));
  REQUIRE_FALSE(restored.ok());
  CHECK(restored.error().message == "restore command failed: exit 3: cannot undo");

  f.params->inject = "sleep 30";
  f.params->timeout = 300ms;
  Status slow = RunBlocking(f.fault->Inject(f.ctx(), "{}"));
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().message == "inject command failed: timed out after 300ms");

  f.spec.restore_command.reset();
  CHECK_FALSE(RunBlocking(f.fault->Restore(f.ctx(), "{}")).ok());
}

TEST_CASE("command: check semantics", "[faults][runtime]") {
  CommandFaultUnderTest f;
  f.params->inject = "true";
  // Without a check command the inject's success is the only evidence.
  Expected<bool> unchecked = RunBlocking(f.fault->Check(f.ctx(), "{}"));
  REQUIRE(unchecked.ok());
  CHECK(*unchecked);
  CHECK_FALSE(f.fault->Checkable(f.ctx()));

  f.params->check = "exit 1";
  CHECK(f.fault->Checkable(f.ctx()));
  Expected<bool> out = RunBlocking(f.fault->Check(f.ctx(), "{}"));
  REQUIRE(out.ok());
  CHECK_FALSE(*out);

  f.params->check = "firedrill-no-such-check-command";
  Expected<bool> broken = RunBlocking(f.fault->Check(f.ctx(), "{}"));
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.error().message, Catch::StartsWith("check command failed: exit 127"));
}

TEST_CASE("command: the shell parameter runs each command", "[faults][runtime]") {
  TempDir dir;
  CommandFaultUnderTest f;
  f.params->shell = "/bin/bash";
  // [[ ]] exists in bash, not in /bin/sh (dash).
  f.params->inject =
      "[[ -n $BASH_VERSION ]] && touch " + ShellQuote((dir.path() / "bash").string());
  REQUIRE(RunBlocking(f.fault->Inject(f.ctx(), "{}")).ok());
  CHECK(std::filesystem::exists(dir.path() / "bash"));
}

TEST_CASE("builtin faults: every kind with a runtime is registered, once", "[faults][runtime]") {
  std::set<std::string> seen;
  for (const BuiltinFaultFactory& factory : BuiltinFaultFactories()) {
    const std::string kind(factory.kind);
    CHECK(seen.insert(kind).second);
    CHECK(BuiltinFaults().Find(kind) != nullptr);
    CHECK(MakeBuiltinFault(kind) != nullptr);
  }
  for (const char* kind : {"process.kill", "process.pause", "command"}) {
    CHECK(MakeBuiltinFault(kind) != nullptr);
  }
  CHECK(MakeBuiltinFault("no.such-kind") == nullptr);
  CHECK(MakeBuiltinFault("") == nullptr);
}
