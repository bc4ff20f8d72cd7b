// `firedrill run` on a terminal: the real binary under a pseudo-terminal draws the live status
// block and redraws it in place; with NO_COLOR it draws it without colour; without a terminal
// it prints plain lines only.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "tests/integration/e2e_support.h"
#include "tests/integration/pty_firedrill.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::EventKinds;
using firedrill::testing::Eventually;
using firedrill::testing::Firedrill;
using firedrill::testing::Has;
using firedrill::testing::PtyFiredrill;
using firedrill::testing::TempDir;
using firedrill::testing::Visible;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct LiveDrill {
  fs::path drill;
  fs::path marker;  // exists while the fault is in place
  fs::path state;
};

// A drill whose fault creates a marker file, whose probe is red while it exists, with
// alice@example.com as a participant; the window opens 300 ms from now and lasts two minutes
// (the test ends it with an abort once it has seen what it needs).
LiveDrill WriteLiveDrill(const fs::path& dir) {
  LiveDrill f{dir / "live.toml", dir / "fault-in-place", dir / "state"};
  SysTime start = NowUtc() + 300ms;
  std::ofstream(f.drill)
      << "id = \"live\"\ntitle = \"watched live\"\nservice = \"demo\"\n"
      << "owner = \"lead@example.com\"\nplaybook = \"runbook.md\"\n"
      << "[[participants]]\nname = \"alice@example.com\"\nrole = \"responder\"\n"
      << "[objectives]\ndetect_within = \"5m\"\nrecover_within = \"10m\"\n"
      << "[window]\nstart = " << FormatUtc(start) << "\nend = " << FormatUtc(start + 120s)
      << "\nzone = \"UTC\"\ngrace = \"20s\"\n"
      << "[targets.here]\nlocal = true\n"
      << "[[faults]]\nid = \"marker\"\nkind = \"command\"\ntarget = \"here\"\n"
      << "inject = \"touch '" << f.marker.string() << "'\"\n"
      << "check = \"test -f '" << f.marker.string() << "'\"\n"
      << "restore = \"rm -f '" << f.marker.string() << "'\"\nrestore_timeout = \"1s\"\n"
      << "[[probes]]\nname = \"no-marker\"\nkind = \"command\"\ntarget = \"here\"\n"
      << "command = \"test ! -f '" << f.marker.string()
      << "' || { echo marker present; exit 1; }\"\ninterval = \"1s\"\n"
      << "timeout = \"900ms\"\nhealthy_after = 2\n";
  return f;
}

// Runs the live drill under a terminal with `env`: waits for the probe to turn red, acks
// detection as "alice", waits for the block to show it, then aborts. Returns the terminal's
// output; `status` gets the exit status.
std::string WatchLiveRun(const fs::path& dir, std::vector<std::string> env, int& status) {
  LiveDrill f = WriteLiveDrill(dir);
  PtyFiredrill fd({"run", "--state", f.state.string(), f.drill.string()}, std::move(env));
  const bool red = Eventually([&] { return Has(EventKinds(f.state, "live"), "probe-red"); }, 30s);
  INFO(fd.Output());
  REQUIRE(red);
  {
    Firedrill ack(
        dir, {"ack", "detected", "--by", "alice", "--note", "paged", "--state", f.state.string()});
    REQUIRE(ack.Wait() == kExitOk);
  }
  // The block shows the ack among its notes, with TTD judged against the objective.
  CHECK(Eventually(
      [&] {
        const std::string text = Visible(fd.Output());
        return text.find("TTD    T0+") != std::string::npos &&
               text.find("by alice@example.com  objective 5m: met") != std::string::npos;
      },
      10s));
  {
    Firedrill abort(dir, {"abort", "--reason", "seen enough", "--state", f.state.string()});
    REQUIRE(abort.Wait() == kExitOk);
  }
  status = fd.Wait();
  return fd.Output();
}

}  // namespace

TEST_CASE("run on a terminal draws a live status block and redraws it in place", "[e2e][live]") {
  TempDir tmp;
  int status = -1;
  const std::string raw = WatchLiveRun(tmp.path(), {"TERM=xterm-256color", "NO_COLOR="}, status);
  const std::string out = Visible(raw);
  INFO(out);
  CHECK(status == kExitAborted);
  // The block: phase and time since T0, the fault and where, the probe red with its reason,
  // TTD and TTR against the objectives, the ack, the restore point.
  CHECK_THAT(out, Catch::Contains("drill live (watched live)"));
  CHECK_THAT(out, Catch::Contains("ACTIVE"));
  CHECK_THAT(out, Catch::Contains("  T0+"));
  CHECK_THAT(out, Catch::Contains("IN PLACE"));
  CHECK_THAT(out, Catch::Contains("command on here"));
  CHECK_THAT(out, Catch::Contains("probe  no-marker  "));
  CHECK_THAT(out, Catch::Contains("marker present"));
  CHECK_THAT(out, Catch::Contains("TTD    T0+"));
  CHECK_THAT(out, Catch::Contains("by alice@example.com  objective 5m: met"));
  CHECK_THAT(out, Catch::Contains("alice@example.com acknowledged detected: \"paged\""));
  CHECK_THAT(out, Catch::Contains("objective 10m: "));
  CHECK_THAT(out, Catch::Contains("the faults stay in place until then, recovered or not"));
  // Redrawn in place: the cursor goes up over the old block and clears below it.
  CHECK_THAT(raw, Catch::Matches("[\\s\\S]*\r\033\\[[0-9]+A\033\\[J[\\s\\S]*"));
  // In colour on this terminal: the red probe in bold red.
  CHECK_THAT(raw, Catch::Contains("\033[1;31mRED"));
  // The run's own lines are still there, above the block, and the summary after it.
  CHECK_THAT(out, Catch::Contains("abort requested by"));
  CHECK_THAT(out, Catch::Contains("run ended"));
}

TEST_CASE("run on a terminal with NO_COLOR draws the live block without colour", "[e2e][live]") {
  TempDir tmp;
  int status = -1;
  std::string out = WatchLiveRun(tmp.path(), {"TERM=xterm-256color", "NO_COLOR=1"}, status);
  INFO(out);
  CHECK(status == kExitAborted);
  CHECK_THAT(out, Catch::Contains("ACTIVE"));
  CHECK_THAT(out, Catch::Matches("[\\s\\S]*\r\033\\[[0-9]+A\033\\[J[\\s\\S]*"));
  CHECK_THAT(out, !Catch::Contains("\033[1;31m"));
  CHECK_THAT(out, !Catch::Contains("\033[32m"));
}

TEST_CASE("run without a terminal prints plain lines and no live block", "[e2e][live]") {
  TempDir tmp;
  LiveDrill f = WriteLiveDrill(tmp.path());
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  const bool red = Eventually([&] { return Has(EventKinds(f.state, "live"), "probe-red"); }, 30s);
  INFO(fd.Output());
  REQUIRE(red);
  {
    Firedrill abort(tmp.path(), {"abort", "--reason", "seen enough", "--state", f.state.string()});
    REQUIRE(abort.Wait() == kExitOk);
  }
  CHECK(fd.Wait() == kExitAborted);
  std::string out = fd.Output();
  INFO(out);
  CHECK(out.find('\033') == std::string::npos);
  CHECK(out.find('\r') == std::string::npos);
  CHECK_THAT(out, Catch::Contains("probe no-marker red: exit 1: marker present"));
  CHECK_THAT(out, !Catch::Contains("ACTIVE"));
}
