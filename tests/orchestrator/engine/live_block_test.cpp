#include "orchestrator/engine/live_block.h"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"
#include "tests/orchestrator/engine/typed_events.h"

using namespace firedrill;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using firedrill::testing::Typed;

void Apply(LiveView& v, SysTime at, const std::string& kind, const json::object& payload) {
  TypedEvent t = Typed(kind, payload);
  ApplyLiveEvent(v, at, t.kind, t.payload);
}

// A drill in UTC from 10:00 to 11:00 whose one fault goes in at 10:01, with one probe and both
// objectives; `extra` is appended.
Drill LiveBlockDrill(const std::string& extra = "") {
  std::string text = R"(id = "live"
title = "Checkout loses its API"
service = "checkout"
owner = "o"
playbook = "p.md"
[objectives]
detect_within = "2m"
recover_within = "5m"
[window]
start = 2027-06-01T10:00:00Z
end = 2027-06-01T11:00:00Z
zone = "UTC"
[targets.here]
local = true
[[faults]]
id = "kill-api"
kind = "command"
target = "here"
delay = "1m"
inject = "true"
restore = "true"
[[probes]]
name = "api-http"
kind = "command"
target = "here"
command = "true"
)" + extra;
  LoadResult r = LoadDrillText(text, "live.toml", BuiltinFaults());
  INFO((r.diagnostics.empty() ? "" : r.diagnostics.front().message));
  REQUIRE(r.ok());
  return *r.drill;
}

SysTime At(int h, int m, int s) {
  return SysTime{std::chrono::sys_days{std::chrono::year{2027} / 6 / 1}} + std::chrono::hours(h) +
         std::chrono::minutes(m) + std::chrono::seconds(s);
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// The view of a run whose fault went in at 10:01:00 (T0) and whose probe turned red at 10:01:02.
LiveView ActiveView() {
  Drill d = LiveBlockDrill();
  LiveView v = MakeLiveView(d, PlanDrill(d), d.wheel.has_value());
  Apply(v, At(10, 1, 0), "preflight-passed", json::object{});
  Apply(v, At(10, 1, 0), "t0", json::object{{"fault", "kill-api"}});
  Apply(v, At(10, 1, 0), "fault-injected",
        json::object{{"fault", "kill-api"}, {"kind", "command"}, {"target", "here"}});
  Apply(v, At(10, 1, 0), "active", json::object{});
  Apply(v, At(10, 1, 2), "probe-red",
        json::object{{"probe", "api-http"}, {"detail", "connection refused"}});
  return v;
}

}  // namespace

TEST_CASE("live block while waiting counts down to the first injection not the window",
          "[engine][live]") {
  Drill d = LiveBlockDrill();
  LiveView v = MakeLiveView(d, PlanDrill(d), d.wheel.has_value());
  Apply(v, At(9, 58, 0), "waiting", json::object{});
  std::string block = Joined(RenderLiveBlock(v, At(9, 58, 59), LiveStyle{}));
  CHECK_THAT(block, Catch::Contains("drill live (Checkout loses its API)  WAITING"));
  CHECK_THAT(block, Catch::Contains("first injection at 10:01:00 (in 2m1s)"));
  CHECK_THAT(block, Catch::Contains("the window opens at 10:00:00"));
  CHECK_THAT(block, Catch::Contains("fault  kill-api  waiting  command on here"));
  CHECK_THAT(block, Catch::Contains("probe  api-http  not checked yet"));
  CHECK_THAT(block, Catch::Contains("TTD    counted from T0  objective 2m"));
  CHECK_THAT(block, Catch::Contains("TTR    counted from T0  objective 5m"));
  CHECK_THAT(block, !Catch::Contains("\033"));
}

TEST_CASE("live block while active shows the probe red and counts TTD and TTR against objectives",
          "[engine][live]") {
  LiveView v = ActiveView();
  std::string block = Joined(RenderLiveBlock(v, At(10, 1, 30), LiveStyle{}));
  CHECK_THAT(block, Catch::Contains("ACTIVE  T0+30s"));
  CHECK_THAT(block, Catch::Contains("fault  kill-api  IN PLACE command on here"));
  CHECK_THAT(block, Catch::Contains("probe  api-http  RED      since T0+2s: connection refused"));
  CHECK_THAT(block,
             Catch::Contains("TTD    not yet, T0+30s and counting  objective 2m: 1m30s left"));
  CHECK_THAT(block,
             Catch::Contains("TTR    not yet, T0+30s and counting  objective 5m: 4m30s left"));
  // The restore point of a window ending 11:00 with a 30 s restore budget, and what happens then.
  CHECK_THAT(block, Catch::Contains("restore point 10:59:30 (in 58m)"));
  CHECK_THAT(block, Catch::Contains("the faults stay in place until then, recovered or not"));

  SECTION("an objective passed while counting is missed") {
    std::string later = Joined(RenderLiveBlock(v, At(10, 3, 5), LiveStyle{}));
    CHECK_THAT(later,
               Catch::Contains("TTD    not yet, T0+2m5s and counting  objective 2m: missed"));
    CHECK_THAT(later, Catch::Contains("objective 5m: 2m55s left"));
  }
  SECTION("an ack and the probes' recovery stop the counters and are judged") {
    Apply(
        v, At(10, 1, 45), "ack-detected",
        json::object{{"by", "alice"}, {"note", "paged"}, {"since_t0_ms", 45000}, {"first", true}});
    Apply(v, At(10, 7, 0), "probe-green",
          json::object{{"probe", "api-http"}, {"detail", "exit 0"}});
    Apply(v, At(10, 7, 0), "recovered", json::object{{"by", "probes"}, {"ttr_ms", 360000}});
    std::string done = Joined(RenderLiveBlock(v, At(10, 8, 0), LiveStyle{}));
    CHECK_THAT(done, Catch::Contains("TTD    T0+45s by alice  objective 2m: met"));
    CHECK_THAT(done, Catch::Contains("TTR    T0+6m by the probes  objective 5m: missed"));
    CHECK_THAT(done, Catch::Contains("probe  api-http  green    since T0+6m: exit 0"));
    CHECK_THAT(done, Catch::Contains("10:01:45  alice acknowledged detected: \"paged\""));
  }
}

TEST_CASE("live block colours only when asked and keeps control characters out", "[engine][live]") {
  LiveView v = ActiveView();
  Apply(v, At(10, 1, 10), "ack-detected",
        json::object{
            {"by", "mallory"}, {"note", "\033[2Jgone"}, {"since_t0_ms", 10000}, {"first", true}});
  std::vector<std::string> plain = RenderLiveBlock(v, At(10, 1, 30), LiveStyle{});
  for (const std::string& l : plain) CHECK(l.find('\033') == std::string::npos);
  CHECK_THAT(Joined(plain), Catch::Contains("\"?[2Jgone\""));
  std::vector<std::string> coloured = RenderLiveBlock(v, At(10, 1, 30), LiveStyle{true, 100, 4});
  CHECK_THAT(Joined(coloured), Catch::Contains("\033[1;31mRED      \033[0m"));
  CHECK_THAT(Joined(coloured), Catch::Contains("\033[32mmet\033[0m"));
  CHECK_THAT(Joined(coloured), !Catch::Contains("\033[2J"));
}

TEST_CASE("live block lines fit the terminal width", "[engine][live]") {
  LiveView v = ActiveView();
  for (const std::string& l : RenderLiveBlock(v, At(10, 1, 30), LiveStyle{false, 30, 4})) {
    CHECK(l.size() <= 30);
  }
  // With colour the codes do not count: the visible text is cut at the same place.
  std::vector<std::string> coloured = RenderLiveBlock(v, At(10, 1, 30), LiveStyle{true, 30, 4});
  std::vector<std::string> plain = RenderLiveBlock(v, At(10, 1, 30), LiveStyle{false, 30, 4});
  REQUIRE(coloured.size() == plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    std::string visible;
    for (std::size_t k = 0; k < coloured[i].size(); ++k) {
      if (coloured[i][k] == '\033') {
        k = coloured[i].find('m', k);
        continue;
      }
      visible.push_back(coloured[i][k]);
    }
    CHECK(visible == plain[i]);
  }
}

TEST_CASE("live block of a wheel drill shows no fault before it is in place", "[engine][live]") {
  Drill d = LiveBlockDrill("[wheel]\nfaults = [\"kill-api\"]\ninject_within = \"5m\"\n");
  LiveView v = MakeLiveView(d, PlanDrill(d), d.wheel.has_value());
  std::string block = Joined(RenderLiveBlock(v, At(9, 59, 0), LiveStyle{}));
  CHECK_THAT(block, !Catch::Contains("kill-api"));
  CHECK_THAT(block, !Catch::Contains("first injection"));
  CHECK_THAT(block, Catch::Contains("the wheel decides what is injected, and when"));
  Apply(v, At(10, 3, 0), "fault-injected",
        json::object{{"fault", "kill-api"}, {"kind", "command"}, {"target", "here"}});
  CHECK_THAT(Joined(RenderLiveBlock(v, At(10, 3, 1), LiveStyle{})),
             Catch::Contains("fault  kill-api  IN PLACE command on here"));
}

TEST_CASE("live block after the restore names the outcome and each fault restored",
          "[engine][live]") {
  LiveView v = ActiveView();
  Apply(v, At(10, 59, 30), "restore-started",
        json::object{{"reason", "the restore point of the window was reached"}});
  CHECK_THAT(Joined(RenderLiveBlock(v, At(10, 59, 31), LiveStyle{})),
             Catch::Contains("restoring every fault in place: the restore point of the window was "
                             "reached"));
  Apply(v, At(10, 59, 31), "fault-restored",
        json::object{{"fault", "kill-api"}, {"verified", true}});
  Apply(v, At(10, 59, 31), "run-ended",
        json::object{{"outcome_text", "firedrill's auto-restore at window end"}});
  std::string block = Joined(RenderLiveBlock(v, At(10, 59, 32), LiveStyle{}));
  CHECK(v.finished);
  CHECK_THAT(block, Catch::Contains("CLOSED"));
  CHECK_THAT(block, Catch::Contains("ended: firedrill's auto-restore at window end"));
  CHECK_THAT(block,
             Catch::Contains("fault  kill-api  restored command on here: verified by its check"));
  CHECK_THAT(block, Catch::Contains("TTD    not within the drill  objective 2m: missed"));
}
