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
