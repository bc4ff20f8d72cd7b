#include "orchestrator/engine/admission.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "drills/zoned_time.h"
#include "orchestrator/alerts/alert_match.h"

namespace firedrill {
namespace {

std::string Named(const Alert& a) { return a.summary.empty() ? a.fingerprint : a.summary; }

}  // namespace

Admission CheckAdmission(const Drill& drill, const AdmissionFacts& facts) {
  Admission out;
  if (facts.freeze) {
    out.problems.push_back(fmt::format(
        "every drill is stood down: {} (an incident freeze ends by itself once its alerts have "
        "resolved and the cool-down passed; a lead lifts a freeze with firedrill unfreeze)",
        *facts.freeze));
  }
  for (const Alert& a : facts.firing.value_or(std::vector<Alert>{})) {
    if (a.status != "firing") continue;
    if (AlertMatches(a, drill.detection.match)) {
      out.problems.push_back(fmt::format(
          "alert {} from {} matching the drill's detection is already firing: the system is "
          "not in a steady state",
          Named(a), a.source));
    }
    for (const Guard& g : drill.guards) {
      if (g.kind == GuardKind::kAlert && AlertMatches(a, g.match)) {
        out.problems.push_back(
            fmt::format("guard {}: a matching alert from {} ({}) is already firing", g.name,
                        a.source, Named(a)));
      }
    }
  }
  for (const Guard& g : drill.guards) {
    if (g.kind == GuardKind::kAlert && !facts.firing) {
      out.problems.push_back(fmt::format(
          "guard {} watches alerts, which only reach drills run by the daemon (firedrill "
          "schedule, then firedrill serve); a drill must not run with a guard that cannot trip",
          g.name));
    }
  }
  if (facts.announced_at) {
    auto ahead = std::chrono::duration_cast<Duration>(drill.window.start - *facts.announced_at);
    if (ahead < drill.announce.lead) {
      std::string late =
          ahead < Duration(0)
              ? fmt::format(
                    "announced at {}, {} after the window opened; announce.lead requires {}",
                    FormatInZone(*facts.announced_at, drill.window.zone), FormatDuration(-ahead),
                    FormatDuration(drill.announce.lead))
              : fmt::format("announced at {}, only {} before the window; announce.lead requires {}",
                            FormatInZone(*facts.announced_at, drill.window.zone),
                            FormatDuration(ahead), FormatDuration(drill.announce.lead));
      if (facts.lead_override.empty()) {
        out.problems.push_back(late + " (schedule it later, or override with a recorded reason)");
      } else {
        out.lead_overridden = late;
      }
    }
  }
  if (drill.briefing_required && !facts.briefing) {
    out.problems.push_back(fmt::format(
        "the drill requires a briefing on its playbook and none is recorded (firedrill brief "
        "{} --by NAME)",
        drill.id));
  }
  return out;
}

StartVerdict CheckStart(const Drill& drill, const DrillPlan& plan, SysTime now,
                        const AdmissionFacts& facts) {
  StartVerdict out;
  out.inject_at = plan.faults.front().inject_at;
  if (now >= plan.restore_at) {
    out.refused_now =
        fmt::format("the window is over or too close to its end (auto-restore was due at {})",
                    FormatInZone(plan.restore_at, drill.window.zone));
    return out;
  }
  out.at_injection = CheckAdmission(drill, facts);
  return out;
}

}  // namespace firedrill
