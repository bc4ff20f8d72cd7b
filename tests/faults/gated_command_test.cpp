// Commands started behind the gate (RunHooks::on_started), locally and over a real sshd: the
// identity reported before anything runs, the command let through only when the hook accepts.
#include "faults/gated_command.h"

#include <fmt/format.h>

#include <boost/asio/awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
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

// What the hook saw, and whether the command had already acted by then.
struct Seen {
  std::optional<ProcessIdentity> identity;
  bool marker_at_hook = false;
};

// A hook that records the identity and answers `answer`.
RunHooks Recording(Seen& seen, const fs::path& marker, Status answer) {
  RunHooks hooks;
  hooks.on_started = [&seen, marker, answer](const ProcessIdentity& id) -> asio::awaitable<Status> {
    seen.identity = id;
    seen.marker_at_hook = fs::exists(marker);
    co_return answer;
  };
  return hooks;
}

std::string Touch(const fs::path& marker) { return "touch " + ShellQuote(marker.string()); }

}  // namespace

TEST_CASE("gate: the announce line parses, and nothing else does", "[faults][gate]") {
  std::optional<AnnounceLine> full = ParseAnnounceLine("firedrill-pgid=4242 123456 0f3c-9a");
  REQUIRE(full);
  CHECK(full->pgid == 4242);
  CHECK(full->start_time == "123456");
  CHECK(full->boot_id == "0f3c-9a");
  std::optional<AnnounceLine> bare = ParseAnnounceLine("firedrill-pgid=17");
  REQUIRE(bare);
  CHECK(bare->pgid == 17);
  CHECK(bare->start_time.empty());
  CHECK_FALSE(ParseAnnounceLine("firedrill-pgid=x 1 2"));
  CHECK_FALSE(ParseAnnounceLine("firedrill-pgid=1 2 3"));  // never the group of init
  CHECK_FALSE(ParseAnnounceLine("sh: 1: cat: not found"));
  CHECK_FALSE(ParseAnnounceLine("firedrill-pgid=12 34"));
}

TEST_CASE("local runner: a gated command reports its identity before it runs",
          "[faults][runner][gate]") {
  TempDir dir;
  const fs::path marker = dir.path() / "MARKER";
  Seen seen;
  LocalRunner runner;
  Expected<CommandResult> r = RunBlocking(runner.Run(
      Touch(marker) + "; echo out; echo err >&2; cat; exit 3", 10s, Recording(seen, marker, {})));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 3);
  CHECK(r->out == "out\n");  // cat read nothing: the command's stdin is closed, not the gate
  CHECK(r->err == "err\n");
  REQUIRE(seen.identity);
  CHECK_FALSE(seen.marker_at_hook);
  CHECK(fs::exists(marker));
  CHECK(seen.identity->where == "local");
  CHECK(seen.identity->pid == seen.identity->pgid);
  CHECK(ValidateIdentity(*seen.identity).ok());
  std::ifstream boot("/proc/sys/kernel/random/boot_id");
  std::string boot_id;
  boot >> boot_id;
  CHECK(seen.identity->boot_id == boot_id);
}

TEST_CASE("local runner: a gated command whose on_started fails never runs",
          "[faults][runner][gate]") {
  TempDir dir;
  const fs::path marker = dir.path() / "MARKER";
  Seen seen;
  LocalRunner runner;
  Expected<CommandResult> r = RunBlocking(
      runner.Run(Touch(marker), 10s, Recording(seen, marker, Error("the ledger is read-only"))));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::Contains("not started") && Catch::Contains("the ledger is read-only"));
  REQUIRE(seen.identity);
  // Run returned after the wrapper exited; nothing of its group is left to act later.
  CHECK(LiveProcessesInGroup(static_cast<pid_t>(seen.identity->pgid)).empty());
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("local runner: a gated command's timeout counts from the gate and kills its group",
          "[faults][runner][gate]") {
  LocalRunner runner;
  RunHooks hooks;
  hooks.on_started = [](const ProcessIdentity&) -> asio::awaitable<Status> {
    co_await SleepFor(300ms);  // a slow ledger write: not the command's time
    co_return Status::Ok();
  };
  Expected<CommandResult> quick = RunBlocking(runner.Run("sleep 0.2; echo done", 400ms, hooks));
  REQUIRE(quick.ok());
  CHECK_FALSE(quick->timed_out);
  CHECK(quick->out == "done\n");

  Expected<CommandResult> slow = RunBlocking(runner.Run("sleep 30", 300ms, hooks));
  REQUIRE(slow.ok());
  CHECK(slow->timed_out);
}

TEST_CASE("ssh runner: a gated command reports its identity before it runs", "[ssh][gate]") {
  SKIP_WITHOUT_SSHD();
  TempDir dir;
  TestSshd sshd(dir.path());
  const fs::path marker = dir.path() / "MARKER";
  Seen seen;
  SshRunner runner(EndpointOf(sshd));
  Expected<CommandResult> r = RunBlocking(runner.Run(
      Touch(marker) + "; echo out; echo err >&2; cat; exit 3", 10s, Recording(seen, marker, {})));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 3);
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");  // the announce line is not the command's output
  REQUIRE(seen.identity);
  CHECK_FALSE(seen.marker_at_hook);
  CHECK(fs::exists(marker));
  CHECK(seen.identity->where == runner.Describe());
  CHECK(seen.identity->pid == seen.identity->pgid);
  CHECK(ValidateIdentity(*seen.identity).ok());
  // The target is this machine: the identity is that of a real process group leader here.
  Expected<CommandResult> again = RunBlocking(runner.Run("echo reused", 10s));
  REQUIRE(again.ok());
  CHECK(again->out == "reused\n");
}

TEST_CASE("ssh runner: a gated command whose on_started fails never runs", "[ssh][gate]") {
  SKIP_WITHOUT_SSHD();
  TempDir dir;
  TestSshd sshd(dir.path());
  const fs::path marker = dir.path() / "MARKER";
  Seen seen;
  SshRunner runner(EndpointOf(sshd));
  Expected<CommandResult> r = RunBlocking(
      runner.Run(Touch(marker), 10s, Recording(seen, marker, Error("the ledger is read-only"))));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::Contains("not started") && Catch::Contains("the ledger is read-only"));
  REQUIRE(seen.identity);
  CHECK(LiveProcessesInGroup(static_cast<pid_t>(seen.identity->pgid)).empty());
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("ssh runner: a gated command goes through the target's command shell, which stays usable",
          "[ssh][gate]") {
  SKIP_WITHOUT_SSHD();
  TempDir dir;
  TestSshd sshd(dir.path());
  const fs::path marker = dir.path() / "MARKER";
  SshRunner runner(EndpointOf(sshd));
  // The command's parent is the gate wrapper; the wrapper's parent was forked from the session's
  // command shell (its command line is the shell's), not an sshd session of its own.
  const std::string grandparent =
      "read -r s </proc/$PPID/stat; s=${s##*) }; set -- $s; tr '\\0' ' ' </proc/$2/cmdline";
  Seen seen;
  Expected<CommandResult> gated =
      RunBlocking(runner.Run(grandparent, 10s, Recording(seen, marker, {})));
  REQUIRE(gated.ok());
  REQUIRE(gated->ok());
  REQUIRE(seen.identity);
  CHECK_THAT(gated->out, Catch::Contains("firedrill-shell"));
  CHECK(gated->err.empty());

  // A refused gate, then an ungated command: the same shell answers both.
  Seen refused;
  Expected<CommandResult> closed = RunBlocking(
      runner.Run(Touch(marker), 10s, Recording(refused, marker, Error("the ledger is full"))));
  REQUIRE_FALSE(closed.ok());
  CHECK_FALSE(fs::exists(marker));
  Expected<CommandResult> after = RunBlocking(runner.Run("tr '\\0' ' ' </proc/$PPID/cmdline", 10s));
  REQUIRE(after.ok());
  CHECK_THAT(after->out, Catch::Contains("firedrill-shell"));
}

TEST_CASE("ssh runner: a gated command's timeout kills its group, and the next command still runs",
          "[ssh][gate]") {
  SKIP_WITHOUT_SSHD();
  TempDir dir;
  TestSshd sshd(dir.path());
  const fs::path marker = dir.path() / "MARKER";
  SshRunner runner(EndpointOf(sshd));
  Seen seen;
  Expected<CommandResult> slow = RunBlocking(runner.Run(
      "sleep 30; touch " + ShellQuote(marker.string()), 500ms, Recording(seen, marker, {})));
  REQUIRE(slow.ok());
  CHECK(slow->timed_out);
  REQUIRE(seen.identity);
  KillGroupAtExit cleanup(static_cast<pid_t>(seen.identity->pgid));
  CHECK(PollUntil(
      [&] { return LiveProcessesInGroup(static_cast<pid_t>(seen.identity->pgid)).empty(); }, 10s));
  Expected<CommandResult> next = RunBlocking(runner.Run("echo next", 10s));
  REQUIRE(next.ok());
  CHECK(next->out == "next\n");
  CHECK_FALSE(fs::exists(marker));
}
