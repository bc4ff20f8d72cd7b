#include "faults/local_runner.h"

#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "faults/run_on.h"
#include "faults/runtime_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// True once `pid` is gone or a zombie. An orphan is reaped by init, which in some containers
// never happens; a zombie no longer runs, which is all these tests care about.
bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const std::size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

// Kills `pid` if it is still running when the test ends, however it ends.
class KillAtExit {
 public:
  explicit KillAtExit(pid_t pid) : pid_(pid) {}
  ~KillAtExit() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }
  KillAtExit(const KillAtExit&) = delete;
  KillAtExit& operator=(const KillAtExit&) = delete;

 private:
  pid_t pid_;
};

}  // namespace

TEST_CASE("local runner: exit codes", "[faults][runner]") {
  LocalRunner runner;
  CHECK(runner.Describe() == "local");

  auto ok = RunBlocking(runner.Run("true", 10s));
  REQUIRE(ok.ok());
  CHECK(ok->exit_code == 0);
  CHECK(ok->ok());
  CHECK_FALSE(ok->timed_out);

  auto three = RunBlocking(runner.Run("exit 3", 10s));
  REQUIRE(three.ok());
  CHECK(three->exit_code == 3);
  CHECK_FALSE(three->ok());

  // A shell killed by a signal reports 128+signal, like the shell itself would.
  auto killed = RunBlocking(runner.Run("kill -s KILL $$", 10s));
  REQUIRE(killed.ok());
  CHECK(killed->exit_code == 128 + SIGKILL);
  CHECK_FALSE(killed->timed_out);
}

TEST_CASE("local runner: stdout and stderr are captured apart", "[faults][runner]") {
  LocalRunner runner;
  auto r = RunBlocking(runner.Run("echo hello; echo oops >&2; printf 'two\\nlines'", 10s));
  REQUIRE(r.ok());
  CHECK(r->out == "hello\ntwo\nlines");
  CHECK(r->err == "oops\n");
}

TEST_CASE("local runner: stdin is closed", "[faults][runner]") {
  LocalRunner runner;
  auto r = RunBlocking(runner.Run("cat; echo done", 10s));
  REQUIRE(r.ok());
  CHECK(r->out == "done\n");
}

TEST_CASE("local runner: a missing command exits 127", "[faults][runner]") {
  LocalRunner runner;
  auto r = RunBlocking(runner.Run("firedrill-no-such-command-here", 10s));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 127);
  CHECK_THAT(r->err, Catch::Contains("not found"));
  CHECK(SummarizeFailure(*r, 10s).rfind("exit 127: ", 0) == 0);
}

TEST_CASE("local runner: a timeout kills the whole process group", "[faults][runner]") {
  TempDir dir;
  const std::string pid_file = (dir.path() / "bg.pid").string();
  LocalRunner runner;
  const auto start = Clock::now();
  auto r = RunBlocking(
      runner.Run("sleep 60 & echo $! > " + ShellQuote(pid_file) + "; sleep 60; wait", 1s));
  const auto took = Clock::now() - start;
  REQUIRE(r.ok());
  CHECK(r->timed_out);
  CHECK_FALSE(r->ok());
  CHECK(r->exit_code == 128 + SIGTERM);
  CHECK(took >= 1s);
  CHECK(took < 2500ms);
  CHECK(SummarizeFailure(*r, 1s) == "timed out after 1s");

  std::ifstream in(pid_file);
  pid_t background = 0;
  REQUIRE(in >> background);
  REQUIRE(background > 0);
  KillAtExit guard(background);
  // The group got SIGKILL before Run returned; only the kernel's bookkeeping may lag.
  const auto deadline = Clock::now() + 5s;
  while (!ProcessGone(background) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  CHECK(ProcessGone(background));
}

TEST_CASE("local runner: a group member ignoring SIGTERM gets SIGKILL", "[faults][runner]") {
  LocalRunner runner;
  const auto start = Clock::now();
  auto r = RunBlocking(runner.Run("trap '' TERM; sleep 60", 500ms));
  const auto took = Clock::now() - start;
  REQUIRE(r.ok());
  CHECK(r->timed_out);
  CHECK(r->exit_code == 128 + SIGKILL);
  CHECK(took < 500ms + 1500ms);
}

TEST_CASE("local runner: a background process holding the output does not block",
          "[faults][runner]") {
  TempDir dir;
  const std::string pid_file = (dir.path() / "bg.pid").string();
  LocalRunner runner;
  const auto start = Clock::now();
  auto r = RunBlocking(
      runner.Run("sleep 30 & echo $! > " + ShellQuote(pid_file) + "; echo started", 20s));
  const auto took = Clock::now() - start;
  std::ifstream in(pid_file);
  pid_t background = 0;
  in >> background;
  KillAtExit guard(background);
  REQUIRE(r.ok());
  CHECK_FALSE(r->timed_out);
  CHECK(r->exit_code == 0);
  CHECK(r->out == "started\n");
  CHECK(took < 10s);
}

TEST_CASE("local runner: a command that closes its output still ends on exit", "[faults][runner]") {
  LocalRunner runner;
  auto r = RunBlocking(runner.Run("echo early; exec >/dev/null 2>&1; sleep 0.2; exit 4", 20s));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 4);
  CHECK(r->out == "early\n");
}

TEST_CASE("local runner: commands that start as others end are each seen to exit, never timed out",
          "[faults][runner]") {
  // Several loops of short commands on one event loop, as the engine runs a check while probes
  // run: descriptors close and open all the time. A wait that woke for another command's exit
  // reported this one timed out, 30 s early (seen under load in the end-to-end tests).
  constexpr int kLoops = 6;
  constexpr int kEach = 60;
  std::vector<std::string> failures;
  LocalRunner runner;
  boost::asio::io_context io;
  for (int i = 0; i < kLoops; ++i) {
    boost::asio::co_spawn(
        io,
        [&, i]() -> boost::asio::awaitable<void> {
          for (int n = 0; n < kEach; ++n) {
            auto r = co_await runner.Run(i % 2 == 0 ? "true" : "test -d /", 60s);
            if (!r.ok()) {
              failures.push_back(r.error().message);
            } else if (r->timed_out || r->exit_code != 0) {
              failures.push_back("exit " + std::to_string(r->exit_code) +
                                 (r->timed_out ? " (timed out)" : ""));
            }
          }
        },
        boost::asio::detached);
  }
  io.run();
  for (const auto& failure : failures) {
    INFO(failure);
    CHECK(false);
  }
}

TEST_CASE("local runner: huge output is truncated", "[faults][runner]") {
  LocalRunner runner;
  auto r = RunBlocking(
      runner.Run("head -c 1000000 /dev/zero | tr '\\0' x; head -c 300000 /dev/zero >&2", 30s));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 0);
  const std::string note = "\n[... output truncated]";
  CHECK(r->out.size() == kMaxCapturedOutput + note.size());
  CHECK(r->out.substr(0, 5) == "xxxxx");
  CHECK(r->out.substr(kMaxCapturedOutput) == note);
  CHECK(r->err.size() == kMaxCapturedOutput + note.size());

  auto exact =
      RunBlocking(runner.Run("head -c " + std::to_string(kMaxCapturedOutput) + " /dev/zero", 30s));
  REQUIRE(exact.ok());
  CHECK(exact->out.size() == kMaxCapturedOutput);
}

TEST_CASE("summarize failure and shell quoting", "[faults][runner]") {
  CommandResult r;
  r.exit_code = 3;
  r.err = "\n  first problem  \nsecond\n";
  CHECK(SummarizeFailure(r, 5s) == "exit 3: first problem");
  r.err.clear();
  r.out = "from stdout\n";
  CHECK(SummarizeFailure(r, 5s) == "exit 3: from stdout");
  r.out.clear();
  CHECK(SummarizeFailure(r, 5s) == "exit 3");

  LocalRunner runner;
  for (const std::string text : {"plain", "it's", "", "a b\nc", "$HOME `x` \"q\" \\"}) {
    auto echo = RunBlocking(runner.Run("printf %s " + ShellQuote(text), 10s));
    REQUIRE(echo.ok());
    CHECK(echo->out == text);
  }
}
