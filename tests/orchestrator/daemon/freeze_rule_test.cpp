// The "real incident" rule on its own: parsing the operator's labels, telling an incident from a
// drill's own alert, and what each alert does to a freeze (start, hold, cool-down, end time).
#include "orchestrator/daemon/freeze_rule.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace firedrill {
namespace {

using namespace std::chrono_literals;

Alert Critical(const std::string& fingerprint, const std::string& status = "firing",
               const std::string& service = "payments") {
  Alert a;
  a.source = "alertmanager";
  a.status = status;
  a.fingerprint = fingerprint;
  a.labels = {{"severity", "critical"}, {"service", service}};
  a.summary = service + " is down";
  return a;
}

IncidentRule Rule() {
  IncidentRule r;
  r.match = {{"severity", "critical"}};
  r.cooldown = 10min;
  return r;
}

TEST_CASE("the incident labels parse as name=value pairs and bad ones are refused", "[freeze]") {
  auto m = ParseLabelMatch("severity=critical, env = prod");
  REQUIRE(m.ok());
  CHECK(*m == std::map<std::string, std::string>{{"severity", "critical"}, {"env", "prod"}});
  CHECK_FALSE(ParseLabelMatch("").ok());
  CHECK_FALSE(ParseLabelMatch("severity").ok());
  CHECK_FALSE(ParseLabelMatch("severity=").ok());
  CHECK_FALSE(ParseLabelMatch("=critical").ok());
  auto twice = ParseLabelMatch("a=1,a=2");
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.error().message, Catch::Contains("twice"));
}

TEST_CASE("an alert matching the rule and no drill in play is a real incident", "[freeze]") {
  Drill payments;
  payments.detection.match = {{"service", "payments"}};
  Drill checkout;
  checkout.detection.match = {{"service", "checkout"}};
  CHECK(IsRealIncident(Critical("f1"), Rule(), {}));
  CHECK(IsRealIncident(Critical("f1"), Rule(), {&checkout}));
  // The drill's own alert: it broke payments on purpose.
  CHECK_FALSE(IsRealIncident(Critical("f1"), Rule(), {&checkout, &payments}));
  Alert warning = Critical("f2");
  warning.labels["severity"] = "warning";
  CHECK_FALSE(IsRealIncident(warning, Rule(), {}));
  CHECK_FALSE(IsRealIncident(Critical("f1", "resolved"), Rule(), {}));
  // No rule configured: nothing is an incident.
  CHECK_FALSE(IsRealIncident(Critical("f1"), IncidentRule{}, {}));
}

TEST_CASE("a freeze holds while any incident alert fires and thaws a cool-down after the last",
          "[freeze]") {
  const SysTime t = SysTime(std::chrono::hours(24 * 20000));
  std::optional<FreezeRecord> f;
  CHECK(NoteIncidentAlert(f, Critical("a"), true, t, 10min) == FreezeChange::kStarted);
  REQUIRE(f);
  CHECK(f->cause == "incident");
  CHECK_THAT(f->reason,
             Catch::Contains("payments is down") && Catch::Contains("severity=critical"));
  CHECK(f->started == t);
  CHECK(f->open_alerts == std::vector<std::string>{"alertmanager/a"});
  // The same alert again changes nothing; a second one joins.
  CHECK(NoteIncidentAlert(f, Critical("a"), true, t + 1s, 10min) == FreezeChange::kNone);
  CHECK(NoteIncidentAlert(f, Critical("b"), true, t + 2s, 10min) == FreezeChange::kHeld);
  // A firing alert that is not an incident, and a resolved one the freeze does not hold, are
  // not its business.
  CHECK(NoteIncidentAlert(f, Critical("c"), false, t + 3s, 10min) == FreezeChange::kNone);
  CHECK(NoteIncidentAlert(f, Critical("c", "resolved"), false, t + 3s, 10min) ==
        FreezeChange::kNone);
  CHECK(NoteIncidentAlert(f, Critical("a", "resolved"), false, t + 4s, 10min) ==
        FreezeChange::kChanged);
  CHECK_FALSE(f->thaw_at);
  CHECK(NoteIncidentAlert(f, Critical("b", "resolved"), false, t + 5s, 10min) ==
        FreezeChange::kThawing);
  REQUIRE(f->thaw_at);
  CHECK(*f->thaw_at == t + 5s + 10min);
  // The incident flares up again during the cool-down: the freeze holds on, no end time.
  CHECK(NoteIncidentAlert(f, Critical("a"), true, t + 6s, 10min) == FreezeChange::kHeld);
  CHECK_FALSE(f->thaw_at);
}

TEST_CASE("a freeze by hand never thaws by itself", "[freeze]") {
  std::optional<FreezeRecord> f = FreezeRecord{};
  f->cause = "manual";
  f->reason = "stop everything";
  const SysTime t = SysTime(std::chrono::hours(24 * 20000));
  CHECK(NoteIncidentAlert(f, Critical("a"), true, t, 1min) == FreezeChange::kHeld);
  CHECK(NoteIncidentAlert(f, Critical("a", "resolved"), false, t + 1s, 1min) ==
        FreezeChange::kChanged);
  CHECK(f->open_alerts.empty());
  CHECK_FALSE(f->thaw_at);
}

}  // namespace
}  // namespace firedrill
