// The live page: what each role is offered, what the section pushed to open pages says, and
// hostile text from the drill file, people and monitoring written inert.
#include "orchestrator/console/live_page.h"

#include <catch2/catch.hpp>
#include <string>

#include "drills/timestamp.h"
#include "tests/orchestrator/report/recorded_runs.h"

namespace firedrill {
namespace {

const std::string kHostile =
    "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>javascript:alert(3)\u202E";

using firedrill::testing::At;

LiveView View() {
  LiveView v;
  v.drill_id = "checkout";
  v.title = kHostile;
  v.zone = "Europe/Copenhagen";
  v.run_id = "checkout-1";
  v.phase = "active";
  v.window_start = At("2026-12-07T10:00:00Z");
  v.first_inject_at = v.window_start;
  v.restore_at = At("2026-12-07T11:00:00Z");
  v.t0 = At("2026-12-07T10:00:01Z");
  v.detect_within = std::chrono::minutes(5);
  v.has_probes = true;
  v.faults.push_back({"db-blackhole", "netem", kHostile, LiveFault::State::kInPlace, ""});
  LiveProbe p;
  p.name = "health";
  p.target = "web";
  p.state = LiveProbe::State::kRed;
  p.reason = kHostile;
  p.since = At("2026-12-07T10:00:05Z");
  p.changes = {{At("2026-12-07T10:00:00Z"), LiveProbe::State::kGreen, "green at preflight"},
               {At("2026-12-07T10:00:05Z"), LiveProbe::State::kRed, "connection refused"}};
  v.probes.push_back(p);
  v.notes.push_back({At("2026-12-07T10:00:30Z"), "alice acknowledged detected: " + kHostile});
  v.ttd_human = std::chrono::seconds(29);
  v.ttd_human_by = "alice";
  return v;
}

ConsoleViewer Viewer(Role role) { return ConsoleViewer{"Ann", role, std::string(64, 'c')}; }

void CheckInert(const std::string& html) {
  CHECK_THAT(html, !Catch::Contains("<script") && !Catch::Contains("<img") &&
                       !Catch::Contains("\u202E") && !Catch::Contains("'>"));
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

}  // namespace

TEST_CASE("the live section says phase faults probes and objectives in words", "[live-page]") {
  LiveView v = View();
  std::string h = LiveSectionHtml(v, At("2026-12-07T10:01:01Z"));
  CHECK_THAT(h, Catch::Contains(">active<") && Catch::Contains("T0+1m"));
  CHECK_THAT(h, Catch::Contains("in place"));
  // The probe's strip: each change a cell with its state in letters and its reason on hover.
  CHECK_THAT(h, Catch::Contains("class=\"red\" title=\"red at T0+4s: connection refused\""));
  CHECK_THAT(h, Catch::Contains(">G</span>") && Catch::Contains(">R</span>"));
  CHECK_THAT(h, Catch::Contains("<th>TTD</th><td>T0+29s by alice</td><td>5m</td>"
                                "<td class=\"verdict-met\">met</td>"));
  CHECK_THAT(h, Catch::Contains("Restore point") && Catch::Contains("data-countdown="));
  CheckInert(h);
}

TEST_CASE("the live page offers each role only what it may do", "[live-page]") {
  LiveView v = View();
  SysTime now = At("2026-12-07T10:01:00Z");
  std::string auditor = LivePageHtml(Viewer(Role::kAuditor), v, now, "/e", "");
  CHECK_THAT(auditor, !Catch::Contains("<form") && !Catch::Contains("<button"));
  CHECK_THAT(auditor, Catch::Contains("data-events=\"/e\""));
  std::string responder = LivePageHtml(Viewer(Role::kResponder), v, now, "/e", "");
  CHECK_THAT(responder, Catch::Contains("action=\"/console/drills/checkout/ack\""));
  CHECK_THAT(responder,
             Catch::Contains("value=\"detected\"") && Catch::Contains("value=\"recovered\""));
  CHECK_THAT(responder, Catch::Contains("name=\"csrf\" value=\"" + std::string(64, 'c')));
  CHECK_THAT(responder, !Catch::Contains("/abort"));
  std::string lead = LivePageHtml(Viewer(Role::kLead), v, now, "/e", "done <b>");
  CHECK_THAT(lead, Catch::Contains("action=\"/console/drills/checkout/abort\""));
  CHECK_THAT(lead, Catch::Contains("name=\"confirm\" value=\"yes\" required"));
  CHECK_THAT(lead, Catch::Contains("data-confirm="));
  CHECK_THAT(lead, Catch::Contains("done &lt;b&gt;"));
  CheckInert(lead);
}

TEST_CASE("an ended run's page follows nothing and offers nothing", "[live-page]") {
  LiveView v = View();
  v.finished = true;
  v.phase = "closed";
  v.outcome = "auto-restored";
  std::string h = LivePageHtml(Viewer(Role::kLead), v, At("2026-12-07T12:00:00Z"), "/e", "");
  CHECK_THAT(h, Catch::Contains("Ended: auto-restored."));
  CHECK_THAT(h, !Catch::Contains("data-events") && !Catch::Contains("<form"));
}

TEST_CASE("the live page stays small with a megabyte note and thousands of alerts", "[live-page]") {
  LiveView v = View();
  v.notes.clear();
  for (int i = 0; i < 5000; ++i) {
    v.notes.push_back({At("2026-12-07T10:00:30Z"), std::string(1 << 20, 'x')});
    if (i > 3) v.notes.back().text = "alert " + std::to_string(i);
  }
  std::string h = LiveSectionHtml(v, At("2026-12-07T10:01:00Z"));
  CHECK(h.size() < 100 * 1024);
  CHECK_THAT(h, Catch::Contains("alert 4999") && !Catch::Contains("alert 4899<"));
}

}  // namespace firedrill
