#include "orchestrator/engine/admission.h"

#include <catch2/catch.hpp>
#include <string>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"
#include "tests/support/doc_output.h"

using namespace firedrill;
using namespace std::chrono_literals;

namespace {

// A drill whose window opens at 2027-06-01T10:00Z, announced with a 3-day lead, detected by
// alertname=CheckoutDown, plus whatever `extra` adds.
Drill MakeDrill(const std::string& extra = "") {
  std::string text = R"(id = "adm"
title = "t"
service = "svc"
owner = "o"
playbook = "p.md"
)" + extra + R"([window]
start = 2027-06-01T10:00:00Z
end = 2027-06-01T11:00:00Z
zone = "Europe/Copenhagen"
[announce]
lead = "3d"
[detection]
match = { alertname = "CheckoutDown" }
[targets.here]
local = true
[[faults]]
kind = "command"
target = "here"
inject = "true"
restore = "true"
)";
  LoadResult r = LoadDrillText(text, "adm.toml", BuiltinFaults());
  INFO((r.diagnostics.empty() ? "" : r.diagnostics.front().message));
  REQUIRE(r.ok());
  return *r.drill;
}

constexpr char kPagingGuard[] =
    "[[guards]]\nname = \"paging\"\nkind = \"alert\"\nmatch = { severity = \"page\" }\n";

Alert Firing(std::string name, std::string severity = "ticket") {
  Alert a;
  a.source = "alertmanager";
  a.status = "firing";
  a.fingerprint = "fp-" + name;
  a.labels = {{"alertname", name}, {"severity", severity}};
  return a;
}

SysTime WindowStart() { return MakeDrill().window.start; }

}  // namespace

TEST_CASE("admission: a steady system, announced in time, is admitted", "[engine]") {
  AdmissionFacts facts;
  facts.firing = std::vector<Alert>{Firing("DiskFilling")};  // firing, but not the drill's
  facts.announced_at = WindowStart() - 4 * 24h;
  Admission a = CheckAdmission(MakeDrill(kPagingGuard), facts);
  CHECK(a.problems.empty());
  CHECK_FALSE(a.lead_overridden);
}

TEST_CASE("admission: an alert already firing vetoes the drill, resolved ones do not", "[engine]") {
  AdmissionFacts facts;
  Alert resolved = Firing("CheckoutDown");
  resolved.status = "resolved";
  facts.firing = std::vector<Alert>{resolved};
  CHECK(CheckAdmission(MakeDrill(), facts).problems.empty());
  facts.firing = std::vector<Alert>{Firing("CheckoutDown")};
  Admission a = CheckAdmission(MakeDrill(), facts);
  REQUIRE(a.problems.size() == 1);
  CHECK_THAT(a.problems[0], Catch::Contains("not in a steady state") &&
                                Catch::Contains("fp-CheckoutDown") &&
                                Catch::Contains("alertmanager"));
  // The alert of an alert guard firing already: the guard would trip at once.
  facts.firing = std::vector<Alert>{Firing("ApiLatency", "page")};
  a = CheckAdmission(MakeDrill(kPagingGuard), facts);
  REQUIRE(a.problems.size() == 1);
  CHECK_THAT(a.problems[0], Catch::Contains("guard paging") && Catch::Contains("already firing"));
}

TEST_CASE("admission: the vetoes of firing alerts read as docs/alerts.md quotes them",
          "[engine][docs]") {
  AdmissionFacts facts;
  Alert detection = Firing("CheckoutDown");
  detection.summary = "PostgresUnreachable on db-primary";
  Alert guarded = Firing("PaymentsErrors", "page");
  guarded.source = "grafana";
  guarded.summary = "payments error rate above 5%";
  facts.firing = std::vector<Alert>{detection, guarded};
  const Admission a =
      CheckAdmission(MakeDrill("[[guards]]\nname = \"payments-paging\"\nkind = \"alert\"\n"
                               "match = { severity = \"page\" }\n"),
                     facts);
  std::string printed;
  for (const std::string& p : a.problems) printed += p + "\n";
  testing::CheckDocOutput("preflight-alert-firing", printed);
}

TEST_CASE("admission: an alert guard that nothing could trip refuses the drill", "[engine]") {
  AdmissionFacts no_alerts;  // a drill run by hand: no alerts reach it
  Admission a = CheckAdmission(MakeDrill(kPagingGuard), no_alerts);
  REQUIRE(a.problems.size() == 1);
  CHECK_THAT(a.problems[0], Catch::Contains("guard paging") && Catch::Contains("cannot trip"));
  CHECK(CheckAdmission(MakeDrill(), no_alerts).problems.empty());
}

TEST_CASE("admission: a late announcement is refused unless overridden, which is reported",
          "[engine]") {
  AdmissionFacts facts;
  facts.announced_at = WindowStart() - 2 * 24h;  // lead is 3 days
  Admission a = CheckAdmission(MakeDrill(), facts);
  REQUIRE(a.problems.size() == 1);
  CHECK_THAT(a.problems[0], Catch::Contains("only 2d before the window") &&
                                Catch::Contains("announce.lead requires 3d") &&
                                Catch::Contains("override"));
  facts.announced_at = WindowStart() + 5min;  // announced after the window opened
  a = CheckAdmission(MakeDrill(), facts);
  REQUIRE(a.problems.size() == 1);
  CHECK_THAT(a.problems[0], Catch::Contains("5m after the window opened") &&
                                Catch::Contains("announce.lead requires 3d"));
  CHECK_THAT(a.problems[0], !Catch::Contains("before the window"));
  facts.lead_override = "practice run agreed in the team meeting";
  a = CheckAdmission(MakeDrill(), facts);
  CHECK(a.problems.empty());
  REQUIRE(a.lead_overridden);
  CHECK_THAT(*a.lead_overridden, Catch::Contains("announce.lead requires 3d"));
  facts.announced_at = WindowStart() - 3 * 24h;  // exactly the lead: in time
  facts.lead_override.clear();
  CHECK(CheckAdmission(MakeDrill(), facts).problems.empty());
}

TEST_CASE("admission: a required briefing must be recorded", "[engine]") {
  Drill d = MakeDrill("briefing_required = true\n");
  AdmissionFacts facts;
  Admission a = CheckAdmission(d, facts);
  REQUIRE(a.problems.size() == 1);
  CHECK_THAT(a.problems[0], Catch::Contains("firedrill brief adm --by NAME"));
  facts.briefing = std::pair{std::string("carol"), WindowStart() - 1h};
  CHECK(CheckAdmission(d, facts).problems.empty());
}

TEST_CASE("admission: every problem is listed, not just the first", "[engine]") {
  AdmissionFacts facts;
  facts.firing = std::vector<Alert>{Firing("CheckoutDown", "page")};
  facts.announced_at = WindowStart() - 1h;
  Admission a =
      CheckAdmission(MakeDrill(std::string("briefing_required = true\n") + kPagingGuard), facts);
  CHECK(a.problems.size() == 4);  // veto, guard's alert firing, late, no briefing
}

TEST_CASE("admission: a freeze refuses injection and says why and how it ends", "[engine]") {
  Drill d = MakeDrill();
  AdmissionFacts facts;
  facts.firing = std::vector<Alert>{};
  facts.freeze = "frozen since 2027-06-01T09:59:00.000Z by ann (manual): payments outage";
  Admission a = CheckAdmission(d, facts);
  REQUIRE(a.problems.size() == 1);
  CHECK_THAT(a.problems.front(), Catch::Contains("stood down") &&
                                     Catch::Contains("payments outage") &&
                                     Catch::Contains("firedrill unfreeze"));
  facts.freeze.reset();
  CHECK(CheckAdmission(d, facts).problems.empty());
}
