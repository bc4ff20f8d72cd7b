// The engine's state machine, run in-process in simulated time against a fake world
// (engine_harness.h): every phase, aborts, guards, failures and the timing arithmetic, without a
// real process, command or sleep.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "drills/drill_plan.h"
#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/control/control_handler.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/audit.h"
#include "orchestrator/report/metrics.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "tests/orchestrator/engine/engine_harness.h"

namespace firedrill::testing {
namespace {

using namespace std::chrono_literals;

bool Has(const std::vector<std::string>& kinds, const std::string& kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// An ack as `firedrill ack` sends it.
ControlResponse Ack(DrillEngine& engine, const std::string& what, const std::string& by) {
  ControlRequest r;
  r.route = "/v1/drills/{id}/ack";
  r.params["id"] = "sim";
  r.body = "{\"what\":\"" + what + "\",\"by\":\"" + by + "\"}";
  return engine.HandleControl(r);
}

ControlResponse Abort(DrillEngine& engine, const std::string& reason) {
  ControlRequest r;
  r.route = "/v1/drills/{id}/abort";
  r.params["id"] = "sim";
  r.body = "{\"by\":\"lead\",\"reason\":\"" + reason + "\"}";
  return engine.HandleControl(r);
}

// The facts of the harness's run, as the postmortem and the audit read them.
RunFacts FactsOf(EngineHarness& h) {
  auto events = LoadRunEvents(h.db(), "sim", std::nullopt);
  REQUIRE(events.ok());
  return DeriveRunFacts(*events);
}

constexpr char kProbe[] = R"(
[[probes]]
name = "health"
kind = "command"
target = "here"
command = "true"
interval = "5s"
healthy_after = 2
)";

}  // namespace

TEST_CASE("engine: a drill runs from the window wait to the restore in simulated time",
          "[engine]") {
  EngineHarness h(HarnessDrill());
  REQUIRE(h.Run() == kExitOk);
  auto kinds = h.Kinds();
  INFO(h.Output());
  CHECK(kinds.front() == "run-started");
  CHECK(Has(kinds, "waiting"));
  CHECK(Has(kinds, "preflight-passed"));
  CHECK(Has(kinds, "fault-injected"));
  CHECK(Has(kinds, "restore-started"));
  CHECK(Has(kinds, "fault-restored"));
  CHECK(kinds.back() == "run-ended");
  CHECK_FALSE(h.world.faults["f1"].in_place);
  CHECK(h.world.faults["f1"].injects == 1);
  // Injected when the window opened, restored at its end (restore budget before the end).
  auto injected = h.First("fault-injected");
  REQUIRE(injected);
  CHECK(injected->ts == HarnessWindowStart());
}

TEST_CASE("engine: preflight asks a red probe again, its interval apart, before refusing",
          "[engine]") {
  SECTION("one red answer (a slow machine), then green: the drill goes ahead") {
    EngineHarness h(HarnessDrill(kProbe));
    int asked = 0;
    h.world.probes["health"] = [&] {
      ++asked;
      if (asked == 1) return ProbeOutcome{false, "timed out after 400ms"};
      return h.world.AnyInPlace() ? ProbeOutcome{false, "down"} : ProbeOutcome{true, "ok"};
    };
    REQUIRE(h.Run() == kExitOk);
    INFO(h.Output());
    CHECK(h.First("preflight-passed"));
    CHECK(h.First("fault-injected"));
  }
  SECTION("red every time: refused after three answers, with the last reason") {
    EngineHarness h(HarnessDrill(kProbe));
    h.world.probes["health"] = [] { return ProbeOutcome{false, "connection refused"}; };
    REQUIRE(h.Run() == kExitRefused);
    INFO(h.Output());
    CHECK(h.world.probe_checks["health"] == 3);
    auto refused = h.First("preflight-refused");
    REQUIRE(refused);
    CHECK_THAT(refused->payload_json,
               Catch::Contains("probe health is not green (asked 3 times, 5s apart): "
                               "connection refused"));
    CHECK_FALSE(h.First("fault-injected"));
    CHECK_FALSE(h.world.faults["f1"].in_place);
  }
}

TEST_CASE("engine: nobody reacts, so the faults are restored at the restore point, not before",
          "[engine]") {
  // The probe is red while the fault is in place (the fake world's default); nobody acks.
  EngineHarness h(HarnessDrill(kProbe));
  REQUIRE(h.Run() == kExitOk);
  INFO(h.Output());
  const DrillPlan plan = PlanDrill(h.drill());
  auto kinds = h.Kinds();
  CHECK(Has(kinds, "probe-red"));
  CHECK_FALSE(Has(kinds, "recovered"));
  auto restoring = h.First("restore-started");
  REQUIRE(restoring);
  CHECK(restoring->ts == plan.restore_at);
  CHECK_THAT(restoring->payload_json,
             Catch::Contains("the restore point of the window was reached"));
  CHECK(h.First("fault-restored"));
  CHECK_FALSE(h.world.faults["f1"].in_place);
  CHECK(kinds.back() == "run-ended");
  RunFacts f = FactsOf(h);
  CHECK(f.outcome == RunOutcome::kAutoRestored);
  CHECK_THAT(h.Output(), Catch::Contains("auto-restored"));
  const std::string pm = PostmortemMarkdown(f, std::nullopt);
  CHECK_THAT(pm, Catch::Contains("auto-restored at window end"));
  // A drill in UTC names its zone once.
  CHECK_THAT(pm, Catch::Contains("Times in UTC (the drill's zone)"));
  CHECK_THAT(pm, !Catch::Contains("UTC and in UTC"));
}

}  // namespace firedrill::testing

namespace firedrill::testing {

TEST_CASE(
    "engine: T0 is recorded once, and the status, the summary, the postmortem and the audit give "
    "the same T0, TTD and TTR to the millisecond",
    "[engine][timing]") {
  EngineHarness h(HarnessDrill(std::string(kProbe) +
                               "\n[objectives]\ndetect_within = \"1m\"\nrecover_within = "
                               "\"5m\"\n"));
  const SysTime open = HarnessWindowStart();
  // The fault's check takes 150 ms: T0 is when the inject returned, not when the check answered.
  bool slow_once = true;
  h.world.faults["f1"].on_check = [&] {
    if (slow_once) h.clock.Advance(std::chrono::milliseconds(150));
    slow_once = false;
  };
  // The team fixes the service 20 s in; the probe is green from then on.
  bool fixed = false;
  h.world.probes["health"] = [&] {
    return fixed || !h.world.AnyInPlace() ? ProbeOutcome{true, "ok"} : ProbeOutcome{false, "down"};
  };
  std::optional<SysTime> status_t0;
  h.At(open + std::chrono::milliseconds(7300), [&] {
    status_t0 = h.engine().t0();
    CHECK(Ack(h.engine(), "detected", "alice@example.com").status == 200);
  });
  h.At(open + std::chrono::seconds(20), [&] {
    fixed = true;
    CHECK(Ack(h.engine(), "recovered", "alice@example.com").status == 200);
  });
  REQUIRE(h.Run() == kExitOk);
  INFO(h.Output());

  const SysTime t0 = open;  // the inject returned the moment the window opened
  REQUIRE(status_t0);
  CHECK(*status_t0 == t0);
  auto t0_event = h.First("t0");
  REQUIRE(t0_event);
  CHECK(t0_event->ts == t0);
  RunFacts f = FactsOf(h);
  REQUIRE(f.t0);
  CHECK(*f.t0 == t0);
  REQUIRE(f.ttd_human);
  CHECK(*f.ttd_human == std::chrono::milliseconds(7300));
  CHECK(h.engine().state().ttd_human == f.ttd_human);
  auto ttr = CountedTtr(f);
  REQUIRE(ttr);
  CHECK(h.engine().state().ttr_probe == ttr);
  // The summary on the terminal says the same as the records.
  std::string out = h.Output();
  CHECK_THAT(out, Catch::Contains("T0 = " + FormatUtc(t0)));
  CHECK_THAT(out, Catch::Contains(FormatDuration(*f.ttd_human)));
  CHECK_THAT(out, Catch::Contains(FormatDuration(*ttr)));
  // The postmortem's timeline rows give each fact its offset from the same T0.
  std::string pm = PostmortemMarkdown(f, std::nullopt);
  CHECK_THAT(pm, Catch::Contains(SinceT0(*f.ttd_human)));
  CHECK_THAT(pm, Catch::Contains(SinceT0(*ttr)));
  // The audit's row too.
  AuditRow row = AuditRun(f, false);
  CHECK(row.ttd_human == f.ttd_human);
  CHECK(row.ttr == ttr);
}

}  // namespace firedrill::testing

namespace firedrill::testing {

TEST_CASE("engine: an abort in each phase restores what is in place and ends the run",
          "[engine][abort]") {
  const SysTime open = HarnessWindowStart();
  SECTION("while waiting for the window: nothing is injected") {
    EngineHarness h(HarnessDrill());
    h.At(open - std::chrono::seconds(30),
         [&] { CHECK(Abort(h.engine(), "not today").status == 202); });
    CHECK(h.Run() == kExitAborted);
    auto kinds = h.Kinds();
    CHECK(Has(kinds, "aborted"));
    CHECK_FALSE(Has(kinds, "fault-injected"));
    CHECK(h.world.faults["f1"].injects == 0);
    CHECK(kinds.back() != "run-started");
  }
  SECTION("while active: every fault is restored and verified") {
    EngineHarness h(HarnessDrill());
    h.At(open + std::chrono::minutes(5), [&] { CHECK(Abort(h.engine(), "enough").status == 202); });
    CHECK(h.Run() == kExitAborted);
    auto kinds = h.Kinds();
    CHECK(Has(kinds, "abort-requested"));
    CHECK(Has(kinds, "fault-restored"));
    CHECK_FALSE(h.world.faults["f1"].in_place);
    auto restore = h.First("restore-started");
    REQUIRE(restore);
    CHECK(restore->ts == open + std::chrono::minutes(5));
  }
  SECTION("while restoring: the abort changes nothing and the restore goes on") {
    EngineHarness h(HarnessDrill());
    // The first restore fails; an abort asked while it runs changes nothing.
    h.world.faults["f1"].failing_restores = 1;
    bool refused = false;
    h.world.faults["f1"].on_restore = [&] { refused = !h.engine().RequestAbort("too late"); };
    CHECK(h.Run() == kExitOk);
    CHECK(refused);
    CHECK_FALSE(h.world.faults["f1"].in_place);
    CHECK(h.world.faults["f1"].restores == 2);
  }
}

TEST_CASE("engine: a probe guard that trips aborts the run and restores at once",
          "[engine][abort]") {
  EngineHarness h(HarnessDrill(std::string(kProbe) + R"(
[[guards]]
name = "too-long"
kind = "probe"
probe = "health"
max_red = "12s"
)"));
  CHECK(h.Run() == kExitAborted);
  auto trip = h.First("guard-tripped");
  REQUIRE(trip);
  // Red from T0 (the first check); the check 15 s in finds it red for longer than 12 s.
  CHECK(trip->ts == HarnessWindowStart() + std::chrono::seconds(15));
  CHECK_FALSE(h.world.faults["f1"].in_place);
  CHECK(Has(h.Kinds(), "fault-restored"));
}

TEST_CASE(
    "engine: an exception inside a fault's inject or check, a probe or a fan-out item restores "
    "every fault, records why and ends the run",
    "[engine][exceptions]") {
  const std::string two_targets = R"(
[targets.a]
local = true

[targets.b]
local = true

[[faults]]
id = "wide"
kind = "command"
target = ["a", "b"]
inject = "true"
check = "true"
restore = "fake-restore wide"
delay = "1m"
)";
  std::string where;
  std::unique_ptr<EngineHarness> h;
  SECTION("inject") {
    h = std::make_unique<EngineHarness>(HarnessDrill(two_targets));
    h->world.faults["wide@a"].on_inject = [] { throw std::runtime_error("boom in inject"); };
    where = "boom in inject";
  }
  SECTION("check") {
    h = std::make_unique<EngineHarness>(HarnessDrill(two_targets));
    bool thrown = false;
    h->world.faults["wide@b"].on_check = [thrown]() mutable {
      // Once: the check that confirms the inject. The restore's check then works.
      if (!std::exchange(thrown, true)) throw std::runtime_error("boom in check");
    };
    where = "boom in check";
  }
  SECTION("probe") {
    h = std::make_unique<EngineHarness>(HarnessDrill(std::string(kProbe) + two_targets));
    int calls = 0;
    h->world.probes["health"] = [calls]() mutable -> ProbeOutcome {
      // Green for the preflight, then a bug on the third check.
      if (++calls == 3) throw std::runtime_error("boom in probe");
      return ProbeOutcome{true, "ok"};
    };
    where = "boom in probe";
  }
  REQUIRE(h);
  const int status = h->Run();
  INFO(h->Output());
  CHECK(status == kExitAborted);
  for (const auto& [id, state] : h->world.faults) {
    INFO(id);
    CHECK_FALSE(state.in_place);
  }
  auto error = h->First("internal-error");
  REQUIRE(error);
  CHECK_THAT(error->payload_json, Catch::Contains(where));
  CHECK(h->Kinds().back() == "run-ended");
  CHECK_THAT(h->Output(), Catch::Contains(where));
}

TEST_CASE(
    "engine: a failing restore is retried until the give-up point, with a last attempt at it, "
    "and each failed attempt is shown",
    "[engine][restore]") {
  EngineHarness h(HarnessDrill("", "grace = \"30s\"\n"));
  const SysTime give_up = HarnessWindowStart() + std::chrono::hours(1) + std::chrono::seconds(30);
  // The target is back 500 ms before the give-up point (an SSH host that came back at E+29.5).
  h.world.faults["f1"].failing_restores = -1;
  h.world.faults["f1"].on_restore = [&] {
    if (h.clock.Utc() >= give_up - std::chrono::milliseconds(500)) {
      h.world.faults["f1"].failing_restores = 0;
    }
  };
  CHECK(h.Run() == kExitOk);
  INFO(h.Output());
  CHECK_FALSE(h.world.faults["f1"].in_place);
  auto restored = h.First("fault-restored");
  REQUIRE(restored);
  CHECK(restored->ts == give_up);
  CHECK_FALSE(Has(h.Kinds(), "restore-incomplete"));
  // Every failed attempt was shown as it happened.
  const int failed = h.world.faults["f1"].restores - 1;
  CHECK(failed > 3);
  std::string out = h.Output();
  std::size_t shown = 0;
  for (std::size_t at = out.find("restore of f1 failed"); at != std::string::npos;
       at = out.find("restore of f1 failed", at + 1)) {
    ++shown;
  }
  CHECK(shown == static_cast<std::size_t>(failed));
}

TEST_CASE(
    "engine: recovery is every probe that went red green again, and a probe that never saw "
    "the fault does not block it",
    "[engine][recovery]") {
  EngineHarness h(HarnessDrill(std::string(kProbe) + R"(
[[probes]]
name = "port"
kind = "command"
target = "here"
command = "true"
interval = "5s"
)"));
  bool fixed = false;
  h.world.probes["health"] = [&] {
    return fixed || !h.world.AnyInPlace() ? ProbeOutcome{true, "ok"} : ProbeOutcome{false, "down"};
  };
  h.world.probes["port"] = [] { return ProbeOutcome{true, "connected"}; };
  const SysTime open = HarnessWindowStart();
  h.At(open + std::chrono::seconds(18), [&] {
    CHECK(Ack(h.engine(), "detected", "bob").status == 200);
    fixed = true;
  });
  CHECK(h.Run() == kExitOk);
  INFO(h.Output());
  auto recovered = h.First("recovered");
  REQUIRE(recovered);
  CHECK(recovered->ts == open + std::chrono::seconds(25));  // green at 20 and 25 (healthy_after 2)
  RunFacts f = FactsOf(h);
  CHECK(f.outcome == RunOutcome::kRecoveredByTeam);
}

TEST_CASE(
    "engine: who recovered: the team, the system absorbing the fault, or nobody because "
    "the fault had no observable effect",
    "[engine][recovery]") {
  const SysTime open = HarnessWindowStart();
  SECTION("probes green while the fault is still in place and nobody acted: absorbed") {
    EngineHarness h(HarnessDrill(kProbe));
    int checks = 0;
    h.world.probes["health"] = [&] {
      // Preflight green, red once after injection, then green with the fault in place.
      ++checks;
      return checks == 2 ? ProbeOutcome{false, "memory above threshold"} : ProbeOutcome{true, "ok"};
    };
    CHECK(h.Run() == kExitOk);
    RunFacts f = FactsOf(h);
    CHECK(f.outcome == RunOutcome::kAbsorbed);
    CHECK_THAT(h.Output(), Catch::Contains("absorbed"));
    CHECK_THAT(PostmortemMarkdown(f, std::nullopt), Catch::Contains("absorbed"));
  }
  SECTION("the same, after the team acknowledged: the team recovered") {
    EngineHarness h(HarnessDrill(kProbe));
    bool acked = false;
    h.world.probes["health"] = [&] {
      return acked || !h.world.AnyInPlace() ? ProbeOutcome{true, "ok"}
                                            : ProbeOutcome{false, "down"};
    };
    h.At(open + std::chrono::seconds(7), [&] {
      CHECK(Ack(h.engine(), "detected", "carol").status == 200);
      acked = true;
    });
    CHECK(h.Run() == kExitOk);
    CHECK(FactsOf(h).outcome == RunOutcome::kRecoveredByTeam);
  }
  SECTION("no probe ever red and no alert: inconclusive") {
    EngineHarness h(HarnessDrill(kProbe));
    h.world.probes["health"] = [] { return ProbeOutcome{true, "ok"}; };
    CHECK(h.Run() == kExitOk);
    RunFacts f = FactsOf(h);
    CHECK(f.outcome == RunOutcome::kInconclusive);
    CHECK_THAT(h.Output(), Catch::Contains("inconclusive"));
    CHECK(AuditRun(f, false).outcome == RunOutcome::kInconclusive);
  }
}

TEST_CASE("engine: the --json stream carries every recorded event", "[engine]") {
  EngineHarness h(HarnessDrill());
  h.options.json = true;
  CHECK(h.Run() == kExitOk);
  std::string out = h.Output();
  for (const Event& e : h.Events()) {
    INFO(e.kind);
    CHECK_THAT(out, Catch::Contains("\"event\":\"" + e.kind + "\""));
  }
}

}  // namespace firedrill::testing

namespace firedrill::testing {
namespace {

TEST_CASE("engine: ack by the local part of a participant's address is credited to the participant",
          "[engine][participants]") {
  EngineHarness h(
      HarnessDrill("[[participants]]\nname = \"alice@example.com\"\nrole = \"responder\"\n"
                   "[[participants]]\nname = \"dave@example.com\"\nrole = \"responder\"\n"
                   "[[participants]]\nname = \"dave@corp.example\"\nrole = \"observer\"\n"));
  const SysTime open = HarnessWindowStart();
  ControlResponse ambiguous{};
  h.At(open + 5s, [&] {
    CHECK(Ack(h.engine(), "detected", "Alice").status == 200);
    ambiguous = Ack(h.engine(), "recovered", "dave");
  });
  REQUIRE(h.Run() == kExitOk);
  CHECK(ambiguous.status == 400);
  CHECK_THAT(ambiguous.body, Catch::Contains("dave@example.com, dave@corp.example"));
  auto ack = h.First("ack-detected");
  REQUIRE(ack);
  CHECK_THAT(ack->payload_json, Catch::Contains("\"by\":\"alice@example.com\""));
  CHECK_THAT(ack->payload_json, Catch::Contains("\"by_as_given\":\"Alice\""));
  CHECK(!h.First("ack-recovered"));
  RunFacts f = FactsOf(h);
  bool credited = false;
  for (const ParticipantFact& p : f.participants) {
    if (p.name == "alice@example.com") credited = !p.actions.empty();
    CHECK(p.name != "Alice");
  }
  CHECK(credited);
}

}  // namespace
}  // namespace firedrill::testing
