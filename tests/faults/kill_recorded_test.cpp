// KillRecordedProcesses against real process groups, locally and over a real sshd: what a gated
// command left behind is killed; a recycled pid or another boot is never touched.
#include "faults/kill_recorded.h"

#include <fmt/format.h>

#include <boost/asio/awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "faults/runtime_support.h"
#include "faults/ssh_runner.h"
#include "tests/faults/runtime_test_support.h"
#include "tests/faults/ssh_test_endpoint.h"
#include "tests/faults/test_processes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_sshd.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;

// Runs `command` gated on `runner` and returns the identity its hook received.
ProcessIdentity RunGated(CommandRunner& runner, const std::string& command) {
  std::optional<ProcessIdentity> seen;
  RunHooks hooks;
  hooks.on_started = [&seen](const ProcessIdentity& id) -> asio::awaitable<Status> {
    seen = id;
    co_return Status::Ok();
  };
  Expected<CommandResult> r = RunBlocking(runner.Run(command, 10s, hooks));
  REQUIRE(r.ok());
  REQUIRE(r->ok());
  REQUIRE(seen);
  return *seen;
}

// Leaves a subshell in the command's group that would touch `marker` in two seconds.
std::string LeaveBehind(const fs::path& marker) {
  return fmt::format("(sleep 2; touch {}) >/dev/null 2>&1 &", ShellQuote(marker.string()));
}

}  // namespace

TEST_CASE("KillRecordedProcesses kills what a gated command left in its group",
          "[faults][orphans]") {
  TempDir dir;
  const fs::path marker = dir.path() / "MARKER";
  LocalRunner runner;
  const ProcessIdentity identity = RunGated(runner, LeaveBehind(marker));
  const auto pgid = static_cast<pid_t>(identity.pgid);
  KillGroupAtExit cleanup(pgid);
  REQUIRE_FALSE(LiveProcessesInGroup(pgid).empty());  // the leader is gone, its group is not

  Expected<KillReport> report = RunBlocking(KillRecordedProcesses(runner, identity));
  REQUIRE(report.ok());
  CHECK(report->found >= 1);
  CHECK(report->gone);
  CHECK(report->Describe().find("killed") != std::string::npos);
  CHECK(LiveProcessesInGroup(pgid).empty());
  CHECK_FALSE(fs::exists(marker));

  Expected<KillReport> again = RunBlocking(KillRecordedProcesses(runner, identity));
  REQUIRE(again.ok());
  CHECK_FALSE(again->was_running());
  CHECK(again->gone);
}

TEST_CASE("KillRecordedProcesses kills a group whose leader still runs", "[faults][orphans]") {
  TestProcesses processes;
  const pid_t leader =
      processes.StartShell(processes.binary() + " 300 & exec " + processes.binary() + " 300");
  REQUIRE(PollUntil([&] { return processes.Running().size() == 2; }));
  Expected<ProcessIdentity> identity = LocalProcessIdentity(leader);
  REQUIRE(identity.ok());
  LocalRunner runner;
  Expected<KillReport> report = RunBlocking(KillRecordedProcesses(runner, *identity));
  REQUIRE(report.ok());
  CHECK(report->found == 2);
  CHECK(report->gone);
  processes.ReapExited();
  CHECK(processes.Running().empty());
}

TEST_CASE("KillRecordedProcesses never touches a recycled pid or another boot's process",
          "[faults][orphans]") {
  TestProcesses processes;
  const pid_t other = processes.StartSleeper();
  Expected<ProcessIdentity> now = LocalProcessIdentity(other);
  REQUIRE(now.ok());
  LocalRunner runner;

  // The recorded process had this pid but started at another tick: the pid was recycled.
  ProcessIdentity recycled = *now;
  recycled.start_time = std::to_string(std::stoull(now->start_time) - 1);
  Expected<KillReport> reused = RunBlocking(KillRecordedProcesses(runner, recycled));
  REQUIRE(reused.ok());
  CHECK(reused->pid_reused);
  CHECK_FALSE(reused->was_running());
  CHECK(IsRunning(other));

  ProcessIdentity rebooted = *now;
  rebooted.boot_id = "00000000-0000-0000-0000-000000000000";
  Expected<KillReport> booted = RunBlocking(KillRecordedProcesses(runner, rebooted));
  REQUIRE(booted.ok());
  CHECK(booted->rebooted);
  CHECK(IsRunning(other));

  ProcessIdentity elsewhere = *now;
  elsewhere.where = "root@db.example.com:22";
  Expected<KillReport> wrong = RunBlocking(KillRecordedProcesses(runner, elsewhere));
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(wrong.error().message, Catch::Contains("recorded on root@db.example.com:22"));

  ProcessIdentity hostile = *now;
  hostile.boot_id = "x'; touch /tmp/owned; '";
  CHECK_FALSE(RunBlocking(KillRecordedProcesses(runner, hostile)).ok());
  CHECK(IsRunning(other));
}

TEST_CASE("KillRecordedProcesses works over SSH", "[ssh][orphans]") {
  SKIP_WITHOUT_SSHD();
  TempDir dir;
  TestSshd sshd(dir.path());
  const fs::path marker = dir.path() / "MARKER";
  SshRunner runner(EndpointOf(sshd));
  const ProcessIdentity identity = RunGated(runner, LeaveBehind(marker));
  const auto pgid = static_cast<pid_t>(identity.pgid);
  KillGroupAtExit cleanup(pgid);  // the target is this machine
  REQUIRE_FALSE(LiveProcessesInGroup(pgid).empty());

  Expected<KillReport> report = RunBlocking(KillRecordedProcesses(runner, identity));
  REQUIRE(report.ok());
  CHECK(report->found >= 1);
  CHECK(report->gone);
  CHECK(LiveProcessesInGroup(pgid).empty());
  CHECK_FALSE(fs::exists(marker));
}
