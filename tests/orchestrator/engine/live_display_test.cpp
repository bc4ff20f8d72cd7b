#include "orchestrator/engine/live_display.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"
#include "tests/orchestrator/engine/typed_events.h"
#include "tests/support/fake_run_clock.h"

using namespace firedrill;
using firedrill::testing::FakeRunClock;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using firedrill::testing::Typed;

void Show(LiveDisplay& display, SysTime at, const std::string& kind, const json::object& payload,
          const std::string& line) {
  TypedEvent t = Typed(kind, payload);
  display.Event(at, t.kind, t.payload, line);
}

// A drill in UTC from 10:00 to 11:00 with `probes` command probes and one fault.
Drill DisplayDrill(int probes) {
  std::string text = R"(id = "disp"
title = "t"
service = "s"
owner = "o"
playbook = "p.md"
[window]
start = 2027-06-01T10:00:00Z
end = 2027-06-01T11:00:00Z
zone = "UTC"
[targets.here]
local = true
[[faults]]
id = "f"
kind = "command"
target = "here"
inject = "true"
restore = "true"
)";
  for (int i = 0; i < probes; ++i) {
    text += "[[probes]]\nname = \"p" + std::to_string(i) +
            "\"\nkind = \"command\"\ntarget = \"here\"\ncommand = \"true\"\n";
  }
  LoadResult r = LoadDrillText(text, "disp.toml", BuiltinFaults());
  INFO((r.diagnostics.empty() ? "" : r.diagnostics.front().message));
  REQUIRE(r.ok());
  return *r.drill;
}

SysTime TenOclock() {
  return SysTime{std::chrono::sys_days{std::chrono::year{2027} / 6 / 1}} + std::chrono::hours(10);
}

}  // namespace

TEST_CASE("live display prints each event line above the block and redraws the block in place",
          "[engine][live]") {
  Drill d = DisplayDrill(1);
  FakeRunClock clock(TenOclock());
  FactClock facts(clock);
  std::ostringstream out;
  LiveDisplay display(out, MakeLiveView(d, PlanDrill(d), false), LiveStyle{}, facts, [] {
    return LiveDisplay::Size{100, 40};
  });
  Show(display, TenOclock(), "t0", json::object{}, "10:00:00  T0\n");
  const std::string first = out.str();
  // Nothing to go back over yet: the line, then the block (a blank line, then 6 lines).
  CHECK(first.rfind("10:00:00  T0\n\ndrill disp (t)", 0) == 0);
  CHECK(first.find('\033') == std::string::npos);
  out.str("");
  Show(display, TenOclock(), "fault-injected",
       json::object{{"fault", "f"}, {"kind", "command"}, {"target", "here"}},
       "10:00:00  injected f\n");
  // Up over the 7 lines drawn before, clear, the new line, the block again.
  CHECK(out.str().rfind("\r\033[7A\033[J10:00:00  injected f\n\n", 0) == 0);
  CHECK_THAT(out.str(), Catch::Contains("IN PLACE"));

  SECTION("a warning goes above the block, not inside it") {
    // On a terminal the error stream writes to the same screen: one stream stands for both.
    out.str("");
    display.Warn(out, "firedrill: warning: the runs table was not updated: disk full\n");
    CHECK(out.str().rfind(
              "\r\033[7A\033[Jfiredrill: warning: the runs table was not updated: disk full\n"
              "\ndrill disp (t)",
              0) == 0);
    CHECK_THAT(out.str(), Catch::Contains("IN PLACE"));
    // The block is drawn once, below the warning: the next redraw goes up over it only.
    out.str("");
    display.Say("later\n");
    CHECK(out.str().rfind("\r\033[7A\033[Jlater\n", 0) == 0);
  }
  SECTION("a warning after the run ended is just written") {
    Show(display, TenOclock(), "run-ended", json::object{{"outcome_text", "the team"}},
         "10:00:01  run ended\n");
    out.str("");
    display.Warn(out, "firedrill: the postmortem draft was not written: x\n");
    CHECK(out.str() == "firedrill: the postmortem draft was not written: x\n");
  }
  SECTION("a run that ends clears the block for good") {
    out.str("");
    Show(display, TenOclock(), "run-ended", json::object{{"outcome_text", "the team"}},
         "10:00:01  run ended\n");
    CHECK(out.str() == "\r\033[7A\033[J10:00:01  run ended\n");
    out.str("");
    display.Say("later\n");
    CHECK(out.str() == "later\n");
  }
}

TEST_CASE("live display ticks redraw only when the block changed", "[engine][live]") {
  Drill d = DisplayDrill(1);
  // Half a second past T0: the counters (in whole seconds) stay put for the next 250 ms.
  FakeRunClock clock(TenOclock() + 500ms);
  FactClock facts(clock);
  std::ostringstream out;
  // Before the display: its tick timer is made on this context and must go first.
  boost::asio::io_context io;
  LiveDisplay display(out, MakeLiveView(d, PlanDrill(d), false), LiveStyle{}, facts, [] {
    return LiveDisplay::Size{100, 40};
  });
  Show(display, TenOclock(), "t0", json::object{}, "10:00:00  T0\n");
  boost::asio::co_spawn(io, display.Tick(io.get_executor(), 250ms), boost::asio::detached);
  io.poll();
  out.str("");
  clock.Advance(250ms);  // still T0+0s and 59m29s to the restore point: the same block
  io.poll();
  CHECK(out.str().empty());
  clock.Advance(750ms);  // T0+1s
  io.poll();
  CHECK_THAT(out.str(), Catch::Contains("T0+1s"));
  display.Stop();
  io.poll();
  CHECK(io.stopped());
}

TEST_CASE("live display cuts a block taller than the terminal and says how much is left out",
          "[engine][live]") {
  Drill d = DisplayDrill(30);
  FakeRunClock clock(TenOclock());
  FactClock facts(clock);
  std::ostringstream out;
  LiveDisplay display(out, MakeLiveView(d, PlanDrill(d), false), LiveStyle{}, facts, [] {
    return LiveDisplay::Size{80, 10};
  });
  Show(display, TenOclock(), "t0", json::object{}, "10:00:00  T0\n");
  out.str("");
  Show(display, TenOclock(), "active", json::object{}, "10:00:00  active\n");
  // 9 lines drawn (8 of the block, then the count): the cursor goes back over exactly those.
  CHECK(out.str().rfind("\r\033[9A\033[J", 0) == 0);
  CHECK_THAT(out.str(), Catch::Contains("... 28 more lines (the terminal is too short"));
}
