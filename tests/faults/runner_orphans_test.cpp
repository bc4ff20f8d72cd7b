// What happens to a command's processes when the process that started them dies mid-command (an
// orchestrator killed with SIGKILL during an inject): played by a helper process that the tests
// kill, with real shells, a real sshd and real files.
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "faults/kill_recorded.h"
#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "faults/runtime_support.h"
#include "faults/ssh_runner.h"
#include "tests/faults/runtime_test_support.h"
#include "tests/faults/ssh_test_endpoint.h"
#include "tests/faults/test_processes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_sshd.h"

extern char** environ;

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

// The helper process, killed and reaped at scope exit however the test ends.
class Helper {
 public:
  explicit Helper(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    args.push_back(const_cast<char*>(FIREDRILL_RUNNER_HELPER));
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, FIREDRILL_RUNNER_HELPER, nullptr, nullptr, args.data(), environ) ==
            0);
  }
  ~Helper() { Kill(); }
  Helper(const Helper&) = delete;
  Helper& operator=(const Helper&) = delete;

  /// SIGKILL, as when an operator or the OOM killer ends the orchestrator, then reaps it.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Reads the identity the helper's hook wrote; nullopt until it is there.
std::optional<ProcessIdentity> ReadIdentity(const fs::path& file) {
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) return std::nullopt;
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(text, ec);
  if (ec) return std::nullopt;
  Expected<ProcessIdentity> identity = ProcessIdentityFromJson(json);
  if (!identity) return std::nullopt;
  return *identity;
}

// The words that make the helper reach `sshd`.
std::vector<std::string> SshArgs(const TestSshd& sshd) {
  return {"ssh",
          "127.0.0.1",
          std::to_string(sshd.port()),
          sshd.user(),
          sshd.identity().string(),
          sshd.known_hosts().string()};
}

// A command that says it runs (writes `started` through a rename), then waits two seconds before
// it would put its "fault" in place (touch `marker`).
std::string SlowInject(const fs::path& started, const fs::path& marker) {
  return fmt::format("echo $$ > {0}.tmp && mv {0}.tmp {0}; sleep 2; touch {1}",
                     ShellQuote(started.string()), ShellQuote(marker.string()));
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("local runner: the command's shell dies with the process that started it",
          "[faults][runner][orphans]") {
  TempDir dir;
  const fs::path started = dir.path() / "shell.pid";
  const fs::path marker = dir.path() / "MARKER";
  Helper helper({"local", SlowInject(started, marker)});
  REQUIRE(PollUntil([&] { return ReadPid(started) > 0; }));
  const pid_t shell = ReadPid(started);
  KillGroupAtExit cleanup(shell);  // the command's group: its shell leads it

  helper.Kill();
  // The shell must go with its parent at once (PR_SET_PDEATHSIG), long before its two seconds
  // are up: then nothing is left that would touch the marker.
  REQUIRE(PollUntil([&] { return !IsRunning(shell); }, 10s));
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("local runner: a gated command's whole group dies with the process that started it",
          "[faults][runner][orphans]") {
  TempDir dir;
  const fs::path identity_file = dir.path() / "identity.json";
  const fs::path started = dir.path() / "started";
  const fs::path marker = dir.path() / "MARKER";
  Helper helper({"--gated", identity_file.string(), "local", SlowInject(started, marker)});
  // The command writes `started` only once it has been let through the gate, which happens only
  // after the identity was written.
  REQUIRE(PollUntil([&] { return fs::exists(started); }));
  std::optional<ProcessIdentity> identity = ReadIdentity(identity_file);
  REQUIRE(identity);
  CHECK(identity->where == "local");
  CHECK(identity->pid == identity->pgid);
  KillGroupAtExit cleanup(static_cast<pid_t>(identity->pgid));
  CHECK(ProcessGroupOf(ReadPid(started)) == identity->pgid);

  helper.Kill();
  // The wrapper dies with the helper and its watcher kills the rest of the group (the shell and
  // its sleep) as soon as the gate's socket reaches EOF.
  REQUIRE(PollUntil(
      [&] { return LiveProcessesInGroup(static_cast<pid_t>(identity->pgid)).empty(); }, 10s));
  LocalRunner runner;
  Expected<KillReport> report = RunBlocking(KillRecordedProcesses(runner, *identity));
  REQUIRE(report.ok());
  CHECK(report->gone);
  CHECK_FALSE(report->pid_reused);
  // Nothing of the group is left, so nothing can touch the marker any more.
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("local runner: a gated command whose starter dies before \"go\" never runs",
          "[faults][runner][orphans]") {
  TempDir dir;
  const fs::path identity_file = dir.path() / "identity.json";
  const fs::path marker = dir.path() / "MARKER";
  Helper helper({"--gated", identity_file.string(), "--hold", "local",
                 "touch " + ShellQuote(marker.string())});
  REQUIRE(PollUntil([&] { return ReadIdentity(identity_file).has_value(); }));
  const ProcessIdentity identity = *ReadIdentity(identity_file);
  KillGroupAtExit cleanup(static_cast<pid_t>(identity.pgid));
  helper.Kill();
  REQUIRE(PollUntil([&] { return LiveProcessesInGroup(static_cast<pid_t>(identity.pgid)).empty(); },
                    10s));
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("ssh runner: a lost connection kills a gated command's remote group",
          "[ssh][runner][orphans]") {
  SKIP_WITHOUT_SSHD();
  TempDir dir;
  TestSshd sshd(dir.path());
  const fs::path identity_file = dir.path() / "identity.json";
  const fs::path started = dir.path() / "started";
  const fs::path marker = dir.path() / "MARKER";
  Helper helper(Concat({"--gated", identity_file.string()},
                       Concat(SshArgs(sshd), {SlowInject(started, marker)})));
  REQUIRE(PollUntil([&] { return fs::exists(started); }, 20s));
  std::optional<ProcessIdentity> identity = ReadIdentity(identity_file);
  REQUIRE(identity);
  SshRunner runner(EndpointOf(sshd));
  CHECK(identity->where == runner.Describe());
  // The target is this machine: the remote group can be watched from here.
  KillGroupAtExit cleanup(static_cast<pid_t>(identity->pgid));
  REQUIRE_FALSE(LiveProcessesInGroup(static_cast<pid_t>(identity->pgid)).empty());

  helper.Kill();  // the client side of the connection is gone; sshd closes the command's stdin
  REQUIRE(PollUntil(
      [&] { return LiveProcessesInGroup(static_cast<pid_t>(identity->pgid)).empty(); }, 10s));
  Expected<KillReport> report = RunBlocking(KillRecordedProcesses(runner, *identity));
  REQUIRE(report.ok());
  CHECK(report->gone);
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("ssh runner: a gated command whose starter dies before \"go\" never runs",
          "[ssh][runner][orphans]") {
  SKIP_WITHOUT_SSHD();
  TempDir dir;
  TestSshd sshd(dir.path());
  const fs::path identity_file = dir.path() / "identity.json";
  const fs::path marker = dir.path() / "MARKER";
  Helper helper(Concat({"--gated", identity_file.string(), "--hold"},
                       Concat(SshArgs(sshd), {"touch " + ShellQuote(marker.string())})));
  REQUIRE(PollUntil([&] { return ReadIdentity(identity_file).has_value(); }, 20s));
  const ProcessIdentity identity = *ReadIdentity(identity_file);
  KillGroupAtExit cleanup(static_cast<pid_t>(identity.pgid));
  helper.Kill();
  REQUIRE(PollUntil([&] { return LiveProcessesInGroup(static_cast<pid_t>(identity.pgid)).empty(); },
                    10s));
  CHECK_FALSE(fs::exists(marker));
}
