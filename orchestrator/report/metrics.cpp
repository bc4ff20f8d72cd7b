#include "orchestrator/report/metrics.h"

#include <fmt/format.h>

namespace firedrill {

const char kT0Definition[] =
    "T0 is the moment the first fault was in place (its inject returned, as its check then "
    "confirmed), recorded once in the run as its `t0` fact. Every metric is measured from T0, "
    "on the monotonic clock.";

std::string DurationOrDash(const std::optional<Duration>& d) {
  return d ? FormatDuration(*d) : "—";
}

std::string VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kMet:
      return "met";
    case Verdict::kMissed:
      return "missed";
    case Verdict::kNotReached:
      return "not reached";
    case Verdict::kNoObjective:
      return "no objective";
  }
  return "not reached";
}

Verdict Judge(const std::optional<Duration>& measured, const std::optional<Duration>& objective) {
  if (!measured) return Verdict::kNotReached;
  if (!objective) return Verdict::kNoObjective;
  return *measured <= *objective ? Verdict::kMet : Verdict::kMissed;
}

std::optional<Duration> CountedTtr(const RunFacts& facts) {
  if (!facts.team_recovered) return std::nullopt;
  bool no_probes = facts.drill && facts.drill->probes.empty();
  return no_probes ? facts.ttr_team : facts.ttr_probe;
}

std::vector<Metric> RunMetrics(const RunFacts& f) {
  std::optional<Duration> detect, recover;
  if (f.drill) {
    detect = f.drill->objectives.detect_within;
    recover = f.drill->objectives.recover_within;
  }
  std::vector<Metric> out;
  Metric alert{"ttd_alert", "TTD (alert)", "first matching alert after T0 (alert-detected) - T0",
               f.ttd_alert, detect,        Verdict::kNotReached,
               ""};
  if (!f.ttd_alert) alert.note = f.t0 ? "no matching alert recorded" : "no fault was in place";
  Metric human{"ttd_human", "TTD (human)", "first `firedrill ack detected` (ack-detected) - T0",
               f.ttd_human, detect,        Verdict::kNotReached,
               ""};
  if (!f.ttd_human) human.note = f.t0 ? "nobody acknowledged detection" : "no fault was in place";

  Metric probe{"ttr_probe",
               "TTR (probe-confirmed)",
               "every probe that went red green again (recovered), after a team action - T0",
               std::nullopt,
               recover,
               Verdict::kNotReached,
               ""};
  Metric team{"ttr_team",
              "TTR (team mark)",
              "first `firedrill ack recovered` (ack-recovered) - T0",
              std::nullopt,
              recover,
              Verdict::kNotReached,
              ""};
  std::string no_ttr;
  switch (f.outcome) {
    case RunOutcome::kAutoRestored:
      no_ttr = "no TTR: auto-restored at window end (the team did not recover within the window)";
      break;
    case RunOutcome::kAborted:
      no_ttr = "no TTR: aborted before the team recovered";
      break;
    case RunOutcome::kAbsorbed:
      no_ttr = "no team TTR: the system absorbed the fault before anyone acted";
      break;
    case RunOutcome::kInconclusive:
      no_ttr = "no TTR: the fault had no observable effect";
      break;
    case RunOutcome::kInterrupted:
      no_ttr = "no TTR: the run was interrupted";
      break;
    case RunOutcome::kRestoreIncomplete:
      no_ttr = "no TTR: the team did not recover and the restore was incomplete";
      break;
    case RunOutcome::kInProgress:
      no_ttr = "no TTR recorded (the run has no ending)";
      break;
    case RunOutcome::kRefused:
    case RunOutcome::kNotInjected:
      no_ttr = "no fault was in place";
      break;
    case RunOutcome::kRecoveredByTeam:
      break;
  }
  bool no_probes = f.drill && f.drill->probes.empty();
  if (f.team_recovered) {
    probe.measured = f.ttr_probe;
    team.measured = f.ttr_team;
    if (!probe.measured) {
      probe.note = no_probes ? "the drill has no probes: the team's mark is the TTR"
                             : "the probes did not confirm recovery";
    }
    if (!team.measured) team.note = "nobody marked the service recovered";
  } else {
    probe.note = no_probes ? "the drill has no probes" : no_ttr;
    team.note = no_ttr;
    if (f.ttr_team) {
      team.note += fmt::format("; the team marked recovery at {}{}", SinceT0(*f.ttr_team),
                               no_probes ? "" : " but the probes did not confirm it");
    }
  }
  out.push_back(std::move(alert));
  out.push_back(std::move(human));
  out.push_back(std::move(probe));
  out.push_back(std::move(team));
  for (Metric& m : out) m.verdict = Judge(m.measured, m.objective);
  return out;
}

std::optional<ErrorBudget> ErrorBudgetOf(const RunFacts& f) {
  if (!f.drill || !f.drill->objectives.availability) return std::nullopt;
  ErrorBudget b;
  b.availability = *f.drill->objectives.availability;
  b.period = f.drill->objectives.slo_period;
  double budget_ms = (1.0 - b.availability / 100.0) * static_cast<double>(b.period.count());
  b.budget = Duration(static_cast<std::int64_t>(budget_ms + 0.5));
  b.impact_measured = !f.drill->probes.empty();
  b.impact = f.impact;
  if (b.impact_measured && budget_ms > 0) {
    b.consumed_percent = static_cast<double>(b.impact.count()) / budget_ms * 100.0;
  }
  return b;
}

}  // namespace firedrill
